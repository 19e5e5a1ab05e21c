"""The one job driver closes the job whatever ends it (issue 11: progress.run had no close)."""

import pytest

from h5gui.core import progress
from h5gui.core.errors import CancelledError
from h5gui.core.progress import Progress


def _job(log, fail=None):
    try:
        for i in range(3):
            yield Progress(i + 1, 3)
            if fail is not None and i == 1:
                raise fail
        return "done"
    finally:
        log.append("closed")


def test_result_progress_and_close():
    log, seen = [], []
    assert progress.run(_job(log), seen.append) == "done"
    assert [p.done for p in seen] == [1, 2, 3] and log == ["closed"]


def test_cancel_closes_the_job():
    log, seen = [], []
    with pytest.raises(CancelledError):
        progress.run(_job(log), seen.append, lambda: len(seen) >= 1)
    assert log == ["closed"] and len(seen) == 1


def test_an_error_in_a_progress_callback_still_closes_the_job():
    log = []

    def boom(p):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        progress.run(_job(log), boom)
    assert log == ["closed"]


def test_ctrl_c_that_h5py_reports_as_system_error_is_an_interrupt():
    log = []
    wrapped = SystemError("error return without exception set")
    wrapped.__context__ = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        progress.run(_job(log, fail=wrapped))
    with pytest.raises(SystemError):
        progress.run(_job(log, fail=SystemError("a real one")))


def test_relay_offsets_progress_and_returns_the_result():
    log = []

    def outer():
        got = yield from progress.relay(_job(log), lambda p: Progress(10 + p.done, 13))
        return got

    seen = []
    assert progress.run(outer(), seen.append) == "done"
    assert [p.done for p in seen] == [11, 12, 13]
