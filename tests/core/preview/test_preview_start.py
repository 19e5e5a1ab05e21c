"""The info and the first frame in one job (what the preview asks for when a dataset is selected)."""

from __future__ import annotations

import dataclasses

import h5py
import numpy as np

from h5gui.core.preview.image import read_image
from h5gui.core.preview.records import ImageRequest
from h5gui.core.preview.start import preview_start
from h5gui.core.progress import run

from .preview_data import BIG, STACK

TEMPLATE = ImageRequest(axes=(0, 1, None), index=())


def test_a_stack_comes_with_its_first_frame_exactly_as_the_image_view_reads_it(h5):
    info, request, frame = run(preview_start(h5, "/stack", TEMPLATE))
    assert info.views[0] == "image" and info.shape == STACK.shape
    assert request == dataclasses.replace(TEMPLATE, axes=(1, 2, None), index=(0, 0, 0))
    np.testing.assert_array_equal(frame.data, STACK[0])
    alone = read_image(h5, "/stack", request)
    assert (frame.levels, frame.minmax, frame.step) == (alone.levels, alone.minmax, alone.step)


def test_a_sibling_gets_the_frame_at_the_position_shown_before(h5):
    shown = dataclasses.replace(TEMPLATE, axes=(1, 2, None), index=(7, 0, 0))
    info, request, frame = run(preview_start(h5, "/stack", shown, (STACK.shape, info_dtype(h5), "image")))
    assert request == shown
    np.testing.assert_array_equal(frame.data, STACK[7])
    # a sibling shown as a table before stays a table: no frame is read
    info, request, frame = run(preview_start(h5, "/stack", shown, (STACK.shape, info_dtype(h5), "table")))
    assert request is None and frame is None and info.views[0] == "image"


def test_no_frame_when_the_first_view_is_not_an_image_or_none_is_asked(h5):
    for path in ("/line", "/compound", "/scalar"):
        info, request, frame = run(preview_start(h5, path, TEMPLATE))
        assert info.views and info.views[0] != "image" and request is None and frame is None
    info, request, frame = run(preview_start(h5, "/stack", None))
    assert request is None and frame is None and info.views[0] == "image"


def test_a_big_plane_reports_progress_and_is_downsampled_as_the_view_reads_it(h5):
    job = preview_start(h5, "/big", TEMPLATE)
    done = []
    try:
        while True:
            done.append(next(job).done)
    except StopIteration as stop:
        info, request, frame = stop.value
    assert done and done == sorted(done) and done[-1] == frame.data.shape[0]
    np.testing.assert_array_equal(frame.data, BIG[::2, ::2])
    assert frame.step == (2, 2) == read_image(h5, "/big", request).step


def info_dtype(h5: str) -> str:
    with h5py.File(h5, "r", locking=False) as f:
        return f["stack"].dtype.str


def test_a_stack_with_only_its_last_frame_written_is_not_all_fill(tmp_path):
    path = str(tmp_path / "late.h5")
    with h5py.File(path, "w") as f:
        d = f.create_dataset("late", (50, 8, 8), "u2", chunks=(1, 8, 8), fillvalue=3)
        d[49] = 9
        f.create_dataset("never", (50, 8, 8), "u2", chunks=(1, 8, 8), fillvalue=3)
    info, request, frame = run(preview_start(path, "/late", TEMPLATE))
    assert not info.all_fill and (frame.data == 3).all()  # frame 0 is not written: its fill value
    info, request, last = run(preview_start(path, "/late", dataclasses.replace(request, index=(49, 0, 0)),
                                            ((50, 8, 8), info.dtype, "image")))
    assert (last.data == 9).all() and not last.all_fill
    info, request, frame = run(preview_start(path, "/never", TEMPLATE))
    assert info.all_fill and frame.all_fill and (frame.data == 3).all()
