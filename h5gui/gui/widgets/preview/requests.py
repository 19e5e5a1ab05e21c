"""What the preview asks the I/O process for: the views' names, read sizes, and the image axes of a read."""

from __future__ import annotations

from h5gui.core.preview.records import PreviewInfo

VIEW_LABELS = {"image": "Image", "encoded": "Image", "table": "Table", "plot": "Plot", "text": "Text"}
VIEW_TIPS = {
    "image": "Show as an image (2-D slices of N-D data, colour when there is a channel axis)",
    "encoded": "Decode the stored PNG/JPEG/... bytes and show the picture",
    "table": "Show the values as a table (read in blocks as you scroll)",
    "plot": "Plot the values (decimated for long data, sharp when you zoom in)",
    "text": "Show the value as text",
}
MAX_PIXELS = 4_000_000
PLOT_POINTS = 20_000


def image_axes(chosen: tuple[int | None, ...] | None, info: PreviewInfo) -> tuple[int, int, int | None]:
    """(row, column, channel or None) axes of an image read: ``chosen`` (the axes bar's) when it names a
    row and a column axis, else the dataset's default."""
    if chosen is None or len(chosen) < 2 or chosen[0] is None or chosen[1] is None:
        rank = len(info.shape or ())
        return info.image_axes or (max(0, rank - 2), max(0, rank - 1), None)
    return chosen[0], chosen[1], chosen[2] if len(chosen) > 2 else None
