"""The first look at a dataset in one job: :func:`preview_info` and, when the image view will show it,
the frame that view asks for first (one round trip to the I/O process instead of two, and the frame is
read before the Info and attribute reads of the same click).

Only the frame that is shown is read: the default plane (the dataset's image axes, index 0 on every
other axis), or, for a *sibling* of what was shown before (same shape and dtype, whose view, axes and
position the preview keeps), the plane at the sibling's position. The caller compares the request
returned with the one it would make and uses the image only when they are equal.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Generator

from h5gui.core.errors import H5GuiError
from h5gui.core.preview.choose import preview_info
from h5gui.core.preview.image import read_image_job
from h5gui.core.preview.records import ImageRequest, ImageSlice, PreviewInfo
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

Start = tuple[PreviewInfo, ImageRequest | None, ImageSlice | None]


Sibling = tuple[tuple[int, ...] | None, str, str | None]  # shape, dtype and view shown before


def first_request(info: PreviewInfo, template: ImageRequest, sibling: Sibling | None = None) -> ImageRequest | None:
    """The image request the preview makes first for ``info``: for a sibling (``info``'s shape and dtype
    equal ``sibling``'s), which keeps the view shown before when it applies, ``template`` itself if that
    view is the image; else ``template`` on the default plane when the image is the dataset's first view;
    None when no image will be shown."""
    if "image" not in info.views:
        return None
    if sibling is not None and (info.shape, info.dtype) == (sibling[0], sibling[1]) and sibling[2] in info.views:
        return template if sibling[2] == "image" else None
    if info.views[0] != "image":
        return None
    rank = len(info.shape or ())
    axes = info.image_axes or (max(0, rank - 2), max(0, rank - 1), None)
    return dataclasses.replace(template, axes=axes, index=(0,) * rank, region=None)


def preview_start(file: str, path: str, image: ImageRequest | None = None, sibling: Sibling | None = None, *,
                  allow_external: bool = False
                  ) -> Generator[Progress, None, Start]:
    """``(info, request, image)``: :func:`preview_info` of ``path``, and the first frame the image view
    shows (see :func:`first_request`; ``image`` is the template of budgets and complex part), or
    ``(info, None, None)`` when no image is shown or ``image`` is None. A frame that cannot be read gives
    ``(info, request, None)``: the view's own read then says why. A generator (cancelled between pieces).

    Raises what :func:`preview_info` raises.
    """
    info = preview_info(file, path, allow_external=allow_external)
    request = first_request(info, image, sibling) if image is not None and not info.error else None
    if request is None:
        return info, None, None
    try:
        frame = yield from read_image_job(file, path, request, allow_external=allow_external)
    except H5GuiError as exc:  # the image view's own read reports it where the user looks
        log.debug("first frame of %s not read: %s", path, exc)
        return info, request, None
    return info, request, frame
