"""What the preview asks the I/O process for: the views' names, read sizes, the image axes of a read.

The preview's records come with numpy, which the GUI process imports after its window has painted (with
pyqtgraph, in the background: :mod:`h5gui.gui.widgets.preview.preload`), not on the way to the first
paint: the functions here import them when the first preview is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from h5gui.core.preview.records import ImageRequest, PreviewInfo

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


def image_request(axes: tuple[int, int, int | None], index: Sequence[int], complex_mode: str,
                  region: tuple[int, int, int, int] | None = None) -> ImageRequest:
    """The request of one image read (at most :data:`MAX_PIXELS` pixels)."""
    from h5gui.core.preview.records import ImageRequest

    return ImageRequest(axes=axes, index=tuple(index), region=region, max_pixels=MAX_PIXELS, complex_mode=complex_mode)


def table_size(info: PreviewInfo, axes: tuple[int, int] | None, index: tuple[int, ...]) -> tuple[int, int]:
    """(rows, columns) of the table view of ``info`` (:func:`h5gui.core.preview.axes.table_shape`)."""
    from h5gui.core.preview.axes import table_shape

    return table_shape(info, axes, index)
