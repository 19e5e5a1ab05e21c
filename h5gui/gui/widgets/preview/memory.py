"""What the preview carries from one dataset to the next: the view, the axes, the position and the image
levels go only to a sibling of the same shape and dtype (a float16 in [0, 0.5] and a uint8 image share
no levels); the colormap is the user's choice until changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from h5gui.core.preview.records import PreviewInfo
    from h5gui.gui.widgets.preview.axes_bar import AxesBar
    from h5gui.gui.widgets.preview.image_view import ImageView


def remember(info: PreviewInfo, view: str, axes_bar: AxesBar, image: ImageView | None) -> dict[str, Any]:
    """The settings of ``view`` on ``info`` that a sibling may take over."""
    mem: dict[str, Any] = {"shape": info.shape, "dtype": info.dtype, "kind": info.kind, "view": view}
    if axes_bar.mode in ("image", "table", "plot", "text"):
        mem[f"{axes_bar.mode}_axes"] = axes_bar.axes()
        mem["index"] = axes_bar.index()
    if axes_bar.mode == "elements":
        mem["element"] = axes_bar.index()[0]
    if image is not None:
        mem["colormap"] = image.colormap_name
        mem["levels"] = image.level_settings()
    return mem


def is_sibling(mem: dict[str, Any], info: PreviewInfo) -> bool:
    """Whether ``info`` may take over the settings ``mem``: same shape and same dtype."""
    return bool(mem) and mem.get("shape") == info.shape and mem.get("dtype") == info.dtype


def configure_axes(axes_bar: AxesBar, info: PreviewInfo, view: str, mem: dict[str, Any]) -> None:
    """Set up the axes bar of ``view`` on ``info``, with the axes and position of ``mem`` ({}: defaults)."""
    shape = info.shape or ()
    if view == "image":
        axes = mem.get("image_axes") or info.image_axes or (max(0, len(shape) - 2), max(0, len(shape) - 1), None)
        axes_bar.configure(shape, "image", axes, mem.get("index", ()))
    elif view == "encoded":
        if info.encoded_count > 1 and len(shape) >= 1:
            axes_bar.configure((info.encoded_count,), "elements", (), (mem.get("element", 0),))
        else:
            axes_bar.configure((), "none", ())
    elif view == "table":
        if len(shape) >= 3 and not info.fields:
            axes = mem.get("table_axes") or info.table_axes or (len(shape) - 2, len(shape) - 1)
            axes_bar.configure(shape, "table", axes, mem.get("index", ()))
        elif len(shape) >= 2 and info.fields:
            axes_bar.configure(shape, "table", (0,), mem.get("index", ()))
        else:
            axes_bar.configure(shape, "none", ())
    elif view == "plot":
        if len(shape) >= 2 and not info.fields:
            axes = mem.get("plot_axes") or (len(shape) - 1,)
            axes_bar.configure(shape, "plot", axes, mem.get("index", ()))
        else:
            axes_bar.configure(shape, "none", ())
    elif view == "text" and shape and any(n > 1 for n in shape):
        axes_bar.configure(shape, "text", (), mem.get("index", ()) if mem.get("view") == "text" else ())
    else:
        axes_bar.configure(shape, "none", ())


def element_note(shape: tuple[int, ...], index: tuple[int, ...]) -> str:
    """``element [2] of 4: ...``: which element of an array the text view shows, and where the others are."""
    if not shape or not any(n > 1 for n in shape):
        return ""
    total = 1
    for n in shape:
        total *= n
    where = ", ".join(str(i) for i in index[: len(shape)])
    return (f"element [{where}] of {total:,}: the slider{'s' if len(shape) > 1 else ''} above show the others, "
            "the Table view lists them all")
