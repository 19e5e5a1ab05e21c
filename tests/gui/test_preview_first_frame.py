"""Selecting a stack: its first frame comes with the dataset's info in one job (no second round trip to
the I/O process), a sibling of the same shape opens at the frame shown before, and what is shown is the
file's frame."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.gui.main_window import MainWindow


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    path = tmp_path / "stacks.h5"
    with h5py.File(path, "w") as f:
        for name in ("a", "b"):
            f.create_dataset(name, data=rng.integers(0, 4000, (9, 32, 48), dtype=np.uint16), chunks=(1, 32, 48))
        f["other"] = rng.integers(0, 255, (5, 16, 16), dtype=np.uint8)
        f["line"] = np.arange(100.0)
    return path


def _jobs(window: MainWindow) -> list[str]:
    names: list[str] = []
    submit = window.preview.runner.submit

    def counting(fn, *args, **kwargs):
        names.append(str(fn).rsplit(":", 1)[-1])
        return submit(fn, *args, **kwargs)

    window.preview.runner.submit = counting  # type: ignore[method-assign]
    return names


def _frame(path: Path, name: str, k: int) -> np.ndarray:
    with h5py.File(path, "r", locking=False) as f:
        return f[name][k]


def test_a_stack_shows_its_first_frame_without_a_second_read(qtbot, wait_idle, window: MainWindow,
                                                            stacks: Path) -> None:
    window.open_files([str(stacks)], select="/other")
    wait_idle(window)
    jobs = _jobs(window)
    window.select_path(str(stacks), "/a")
    wait_idle(window)
    p = window.preview
    assert p.view == "image" and "read_image" not in jobs and jobs.count("preview_start") == 1
    np.testing.assert_array_equal(p.image_view.displayed_array(), _frame(stacks, "a", 0))
    p.axes_bar.set_position(0, 4)  # moving the slider reads that frame
    wait_idle(window)
    assert jobs.count("read_image") == 1
    np.testing.assert_array_equal(p.image_view.displayed_array(), _frame(stacks, "a", 4))


def test_a_sibling_opens_at_the_frame_shown_before_in_one_job(qtbot, wait_idle, window: MainWindow,
                                                            stacks: Path) -> None:
    window.open_files([str(stacks)], select="/a")
    wait_idle(window)
    p = window.preview
    p.axes_bar.set_position(0, 6)
    wait_idle(window)
    jobs = _jobs(window)
    window.select_path(str(stacks), "/b")
    wait_idle(window)
    assert p.axes_bar.index()[0] == 6 and "read_image" not in jobs
    np.testing.assert_array_equal(p.image_view.displayed_array(), _frame(stacks, "b", 6))


def test_a_plot_after_a_stack_reads_no_frame(qtbot, wait_idle, window: MainWindow, stacks: Path) -> None:
    window.open_files([str(stacks)], select="/a")
    wait_idle(window)
    window.select_path(str(stacks), "/line")
    wait_idle(window)
    p = window.preview
    assert p.view == "plot"
    window.select_path(str(stacks), "/b")  # and back to a stack: its own first frame
    wait_idle(window)
    assert p.view == "image"
    np.testing.assert_array_equal(p.image_view.displayed_array(), _frame(stacks, "b", 0))


def test_the_histogram_follows_the_frame_after_it_is_painted(qtbot, wait_idle, window: MainWindow,
                                                            stacks: Path) -> None:
    window.open_files([str(stacks)], select="/other")  # uint8 values
    wait_idle(window)
    iv = window.preview.image_view

    def top() -> float:
        x, _y = iv.hist.plot.getData()
        return float(np.max(x)) if x is not None and len(x) else -1.0

    qtbot.waitUntil(lambda: 0 < top() <= 256, timeout=3000)
    window.select_path(str(stacks), "/a")  # uint16 values up to 4,000
    wait_idle(window)
    qtbot.waitUntil(lambda: top() > 1000, timeout=3000)
    assert top() <= 4001
