"""What the preview asks the I/O process to read with a dataset's info (``api.preview.preview_start``): the
frame the image view will show first, guessed from what was shown before (no h5py, no Qt)."""

from __future__ import annotations

from typing import Any

from h5gui.gui.widgets.preview.requests import image_request


def first_frame_guess(mem: dict[str, Any], complex_mode: str) -> tuple[Any, Any]:
    """``(image request template, (shape, dtype, view) of the dataset shown before or None)``.

    A sibling (same shape and dtype) keeps the view, axes and position of ``mem``: the template holds
    those; another dataset starts on its default plane, which the I/O process fills in."""
    if mem.get("view") == "image" and mem.get("image_axes"):
        axes = tuple(mem["image_axes"])
        template = image_request((axes[0], axes[1], axes[2] if len(axes) > 2 else None), mem.get("index", ()),
                                 complex_mode)
    else:
        template = image_request((0, 1, None), (), complex_mode)
    return template, ((mem["shape"], mem["dtype"], mem.get("view")) if mem else None)
