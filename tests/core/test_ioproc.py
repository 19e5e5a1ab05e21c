"""The supervised I/O process (h5gui.core.ioproc): real processes, real signals, real files; no mocks."""

from __future__ import annotations

import inspect
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import h5py
import numpy as np
import pytest

from h5gui.core import errors
from h5gui.core.errors import CancelledError, H5GuiError, ReaderCrashedError
from h5gui.core.ioproc import FuncRef, Supervisor, codec, procinfo, shm
from h5gui.core.progress import Progress

T = "h5gui.core.ioproc._testjobs"


def job(name: str) -> FuncRef:
    return FuncRef(T, name)


class Recorder:
    """Collects one job's callbacks (called on the supervisor's thread)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.finished = threading.Event()

    def kw(self) -> dict[str, object]:
        return {
            "on_result": lambda v: self.events.append(("result", v)),
            "on_error": lambda e: self.events.append(("error", e)),
            "on_progress": lambda p: self.events.append(("progress", p)),
            "on_aborted": lambda: self.events.append(("aborted", None)),
            "on_finished": self.finished.set,
        }

    def wait(self, timeout: float = 10) -> list[tuple[str, object]]:
        assert self.finished.wait(timeout), f"job did not finish: {self.events}"
        return self.events

    def outcome(self, timeout: float = 10) -> tuple[str, object]:
        final = [e for e in self.wait(timeout) if e[0] != "progress"]
        assert len(final) == 1, final
        return final[0]


def segments(child: int | None = None) -> list[str]:
    """Shared memory segments of this process's I/O processes (of I/O process number ``child``)."""
    prefix = f"h5g{os.getpid()}_" + ("" if child is None else f"{child}_")
    return sorted(n for n in os.listdir(shm.SHM_DIR) if n.startswith(prefix))


@pytest.fixture(scope="module")
def sup():
    s = Supervisor(deadline=5.0, name="test-io")
    s.start()
    assert s.wait_ready(30)
    yield s
    s.shutdown()
    assert segments() == []


# -- function references ------------------------------------------------------------------------


def test_funcref_is_a_plain_value_and_calls_in_process():
    ref = FuncRef("os.path", "join")
    assert ref == FuncRef.parse("os.path:join") and hash(ref) == hash(FuncRef("os.path", "join"))
    assert pickle.loads(pickle.dumps(ref)) == ref and str(ref) == "os.path:join"
    assert ref("a", "b") == os.path.join("a", "b")
    with pytest.raises(ValueError):
        FuncRef("os.path", "join; rm")


# -- results, progress, cancel, latest wins -----------------------------------------------------


def test_result_and_progress_round_trip(sup):
    assert sup.call(job("echo"), 1, "two", three=[3]) == ((1, "two"), {"three": [3]})
    rec = Recorder()
    t0 = time.monotonic()
    sup.submit(job("count"), 30, 0.02, **rec.kw())
    events = rec.wait()
    elapsed = time.monotonic() - t0
    progress = [p for k, p in events if k == "progress"]
    assert events[-1] == ("result", 30)
    assert all(isinstance(p, Progress) for p in progress)
    assert progress[-1].done == 30, "the final record always comes"
    assert 2 <= len(progress) <= elapsed / 0.2 + 2, f"rate-limited to ~5/s: {len(progress)} in {elapsed:.2f} s"


def test_cancel_closes_the_generator(sup, tmp_path):
    marker = tmp_path / "closed"
    rec = Recorder()
    started = threading.Event()
    kw = rec.kw()
    kw["on_progress"] = lambda p: started.set()
    handle = sup.submit(job("count"), 1000, 0.01, str(marker), **kw)
    assert started.wait(10)
    handle.cancel()
    assert rec.outcome() == ("aborted", None)
    assert marker.read_text() == "closed", "the generator's finally ran"
    with pytest.raises(CancelledError):
        handle.result(0)


def test_latest_wins(sup):
    first, second, third = Recorder(), Recorder(), Recorder()
    started = threading.Event()
    kw = first.kw()
    kw["on_progress"] = lambda p: started.set()
    sup.submit(job("count"), 1000, 0.01, key="preview", **kw)
    assert started.wait(10)
    sup.submit(job("echo"), 2, key="preview", **second.kw())
    sup.submit(job("echo"), 3, key="preview", **third.kw())
    assert first.outcome() == ("aborted", None), "the running one is cancelled"
    assert second.outcome() == ("aborted", None), "the pending one is dropped"
    assert third.outcome() == ("result", ((3,), {}))


# -- errors ----------------------------------------------------------------------------------------


def _error_classes() -> list[type[H5GuiError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, H5GuiError)]


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_pickles(cls):
    extra = {errors.UnsafeAccessError: ("targets", ("a.h5", "b.h5")),
             errors.ExternalLinkError: ("link_file", "other.h5"),
             errors.ReaderCrashedError: ("file", "/x/BAD.h5")}.get(cls)
    names = list(inspect.signature(cls.__init__).parameters)[1:]
    kwargs = {n: ("x" if n != "targets" else ("a.h5", "b.h5")) for n in names}
    kwargs["message" if "message" in kwargs else names[0]] = "one line"
    if extra:
        kwargs[extra[0]] = extra[1]
    err = cls(**kwargs)
    back = pickle.loads(pickle.dumps(err, protocol=5))
    assert type(back) is cls and str(back) == str(err) and vars(back) == vars(err)
    assert back.exit_code == err.exit_code


def test_errors_travel_as_themselves(sup):
    with pytest.raises(errors.UnsafeAccessError) as info:
        sup.call(job("fail"), "UnsafeAccessError", "reads far.h5", ("far.h5",))
    assert info.value.targets == ("far.h5",) and info.value.exit_code == 4
    with pytest.raises(errors.ExternalLinkError) as info:
        sup.call(job("fail"), "ExternalLinkError", "goes through a link", "other.h5", "/grp")
    assert (info.value.link_file, info.value.link_target) == ("other.h5", "/grp")
    with pytest.raises(H5GuiError, match=r"^Unexpected error: bad value$"):
        sup.call(job("fail"), "ValueError", "bad\nvalue")
    # with the object it was reading: named, as for a crash (was the bare 'Unexpected error: bad value')
    with pytest.raises(H5GuiError, match=r"^reading /x in F\.h5 failed: Unexpected error: bad value$"):
        sup.call(job("fail"), "ValueError", "bad value", subject=("/data/F.h5", "/x"))
    with pytest.raises(H5GuiError, match="h5gui has no job"):
        sup.call(FuncRef(T, "no_such_job"))


# -- large arrays ----------------------------------------------------------------------------------


@pytest.mark.parametrize("nbytes", [4_000_000, 64_000_000])
def test_large_arrays_through_shared_memory(sup, nbytes):
    frame = sup.call(job("frame"), nbytes, 7)
    assert frame.index == 7 and frame.data.shape == (nbytes,) and frame.data.dtype == np.uint8
    assert frame.data[:502].tolist() == [i % 251 for i in range(502)] and frame.data[-1] == (nbytes - 1) % 251
    assert frame.data.flags.writeable
    assert frame.extras["small"].tolist() == list(range(10))
    assert frame.extras["column"].flags.f_contiguous and frame.extras["column"].sum() == 30000
    back = sup.call(job("echo"), frame.data)  # and the other way: arguments through shared memory
    assert np.array_equal(back[0][0], frame.data)
    del frame, back
    current = sup._child.seq
    assert all(n.startswith(f"h5g{os.getpid()}_{current}_r") for n in segments()), "only the reader's pool is left"
    assert len(segments()) <= codec.POOL_SEGMENTS


def test_pooled_segments_are_reused_only_once_freed(sup):
    held = [sup.call(job("cached_frame"), 4_000_000, k) for k in range(4)]  # 4 frames held: more than the pool
    assert [int(a[0]) for a in held] == [0, 1, 2, 3], "an array held here is never overwritten"
    assert len(segments(sup._child.seq)) == codec.POOL_SEGMENTS
    received = sup._child.decoder.received
    assert received["one-shot"] >= 1, "the 4th frame came in a one-shot segment"
    del held
    names = set()
    before = dict(received)
    for k in range(6):  # one frame at a time: the freed segment is reused, nothing new is created
        a = sup.call(job("cached_frame"), 4_000_000, k)
        assert int(a[0]) == k and int(a[-1]) == k
        names.update(segments(sup._child.seq))
        del a
    assert len(names) <= codec.POOL_SEGMENTS
    assert received["pooled"] == before["pooled"] + 6 and received["one-shot"] == before["one-shot"]


def test_arrays_outlive_a_crashed_reader_and_its_segments_are_swept(sup):
    frame = sup.call(job("cached_frame"), 4_000_000, 9)
    dead = sup._child.seq
    assert segments(dead)
    with pytest.raises(ReaderCrashedError):
        sup.call(job("segfault"))
    assert segments(dead) == [], "the dead reader's segments are unlinked"
    assert int(frame[0]) == 9 and int(frame[-1]) == 9 and frame.sum() == 9 * 4_000_000, "the array still reads"


# -- crash, hang, memory, quarantine ---------------------------------------------------------------


def test_segfault_fails_the_job_restarts_and_quarantines(sup, tmp_path):
    bad = str(tmp_path / "BAD.h5")
    before = sup.pid
    with pytest.raises(ReaderCrashedError) as info:
        sup.call(job("segfault"), subject=(bad, "/meta/notes"))
    assert str(info.value) == "libhdf5 crashed reading /meta/notes in BAD.h5 (signal 11); h5gui restarted its reader"
    assert info.value.exit_code == 5 and info.value.cause == "crashed" and info.value.path == "/meta/notes"
    assert sup.call(job("echo"), "next") == (("next",), {}), "the next job works"
    assert sup.pid != before and sup.restart_seconds[-1] < 1.0
    assert sup.quarantined(bad, "/meta/notes") == str(info.value)
    t0 = time.monotonic()
    with pytest.raises(ReaderCrashedError, match="crashed reading /meta/notes"):
        sup.call(job("segfault"), subject=(bad, "/meta/notes"))
    assert time.monotonic() - t0 < 0.5 and sup.pid is not None, "refused at once, nothing crashed"
    assert sup.call(job("echo"), 1, subject=(bad, "/meta/notes"), force=True) == ((1,), {})
    assert sup.quarantined(bad, "/meta/notes") is None, "a forced success lifts the quarantine"


def test_abort_and_queued_jobs_survive(sup):
    rec = [Recorder() for _ in range(3)]
    sup.submit(job("abort"), subject=("f.h5", "/a"), operation="describing", **rec[0].kw())
    sup.submit(job("echo"), 1, **rec[1].kw())
    sup.submit(job("echo"), 2, **rec[2].kw())
    kind, err = rec[0].outcome()
    assert kind == "error" and str(err).startswith(f"libhdf5 crashed describing /a in f.h5 (signal {signal.SIGABRT})")
    assert rec[1].outcome() == ("result", ((1,), {})) and rec[2].outcome() == ("result", ((2,), {}))


def test_hang_past_the_deadline(sup):
    with pytest.raises(ReaderCrashedError, match=r"^reading /slow in BAD.h5 did not finish in 0.3 s; h5gui"):
        sup.call(job("sleep"), 30, subject=("/d/BAD.h5", "/slow"), deadline=0.3)
    with pytest.raises(ReaderCrashedError) as info:  # stuck in C with the GIL held: only a kill stops it
        sup.call(job("hold_gil"), subject=("/d/BAD.h5", "/meta/notes"), deadline=0.5)
    assert str(info.value) == "reading /meta/notes in BAD.h5 did not finish in 0.5 s; h5gui restarted its reader"
    assert sup.call(job("echo"), "next") == (("next",), {})
    # a long job that keeps yielding progress is never killed for being long
    assert sup.call(job("count"), 12, 0.1, deadline=0.4) == 12


def test_kill_running_aborts_a_stuck_job(sup):
    rec = Recorder()
    sup.submit(job("sleep"), 30, subject=("s.h5", "/x"), deadline=60, **rec.kw())
    time.sleep(0.3)
    sup.kill_running()
    assert rec.outcome() == ("aborted", None)
    assert sup.quarantined("s.h5", "/x") is None
    assert sup.call(job("echo"), 1) == ((1,), {})


def test_memory_ceiling(caplog):
    s = Supervisor(deadline=10, memory_limit=300_000_000, name="test-mem")
    try:
        # one big allocation: refused by the address-space limit (MemoryError in the I/O process)
        with pytest.raises(ReaderCrashedError) as info:
            s.call(job("allocate"), 2_000_000_000, subject=("/m/F.h5", "/x"), timeout=60)
        assert str(info.value) == "reading /x in F.h5 needs more than 300 MB of memory; h5gui restarted its reader"
        assert s.call(job("echo"), "next", timeout=30) == (("next",), {})
        # slow growth: the resident size crosses the ceiling before the address space does
        with pytest.raises(ReaderCrashedError, match="^reading /y in F.h5 needs more than 300 MB"):
            s.call(job("grow"), 20_000_000, 1_000_000_000, 0.08, subject=("/m/F.h5", "/y"), timeout=60)
        # the RSS watch usually stops it first; on a loaded machine the address-space limit can win (same line)
        assert s.call(job("echo"), "next", timeout=30) == (("next",), {})
    finally:
        s.shutdown()


def test_setup_jobs_are_replayed_into_a_new_process(sup, tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    assert sup.call(FuncRef("h5gui.core.h5.files", "enable_editing"), str(path)) is True
    sup.set_file_state(str(path), writable=True)
    sup.add_setup_job("remember", job("remember"), "k", 42)
    assert sup.file_state(str(path)) == {"writable": True}
    with pytest.raises(ReaderCrashedError):
        sup.call(job("segfault"))
    assert sup.call(FuncRef("h5gui.core.h5.files", "is_writable"), str(path)) is True
    assert sup.call(job("recall"), "k") == 42
    sup.set_file_state(str(path), writable=None)
    sup.remove_setup_job("remember")
    assert sup.call(FuncRef("h5gui.core.h5.files", "disable_editing"), str(path)) is False


# -- real HDF5, process hygiene ---------------------------------------------------------------------


def test_real_file_through_a_core_function(sup, tmp_path):
    path = tmp_path / "real.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=np.zeros((4, 8, 8), "u2"), chunks=(1, 8, 8))
        f["images"].attrs["unit"] = "counts"
    info = sup.call(FuncRef("h5gui.core.nodes", "describe"), str(path), "/images", subject=(str(path), "/images"))
    assert info.shape == (4, 8, 8) and info.kind == "dataset" and info.num_attrs == 1
    with pytest.raises(errors.NodeNotFoundError):
        sup.call(FuncRef("h5gui.core.nodes", "describe"), str(path), "/nothing")


def test_spawn_start_method():
    s = Supervisor(start_method="spawn", name="test-spawn")
    try:
        assert s.start_method == "spawn"
        assert s.call(job("frame"), 1_000_000, 3, timeout=60).data.shape == (1_000_000,)
    finally:
        s.shutdown()


PARENT = textwrap.dedent(
    """
    import sys, time
    from h5gui.core.ioproc import FuncRef, Supervisor
    sup = Supervisor(name="orphan-test")
    pid = sup.call(FuncRef("h5gui.core.ioproc._testjobs", "pid"), timeout=60)
    import numpy as np
    a = sup.call(FuncRef("numpy", "arange"), 100_000)
    assert isinstance(a, np.ndarray) and a[-1] == 99_999
    sup.call(FuncRef("h5gui.core.ioproc._testjobs", "frame"), 200_000)
    print(pid, "h5py" in sys.modules, flush=True)
    sup.submit(FuncRef("h5gui.core.ioproc._testjobs", "hold_gil"), on_error=print, deadline=600)
    time.sleep(600)
    """
)


def test_parent_dies_child_exits_and_parent_never_imports_h5py():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline().split()
        assert len(line) == 2, "the parent printed its child's pid"
        child, h5py_loaded = int(line[0]), line[1]
        assert h5py_loaded == "False", "the GUI side never imports h5py"
        time.sleep(0.3)  # the child is now stuck in C with the GIL held
        assert procinfo.alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while procinfo.alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not procinfo.alive(child), "the I/O process outlived its parent"
    finally:
        parent.kill()
        parent.stdout.close()
        parent.wait()


def test_shutdown_leaves_nothing_behind():
    s = Supervisor(name="test-shutdown")
    pid = s.call(job("pid"), timeout=30)
    rec = Recorder()
    s.submit(job("sleep"), 30, **rec.kw())
    queued = Recorder()
    s.submit(job("echo"), 1, **queued.kw())
    time.sleep(0.2)
    t0 = time.monotonic()
    s.shutdown(timeout=0.5)
    assert time.monotonic() - t0 < 3
    assert rec.outcome() == ("aborted", None) and queued.outcome() == ("aborted", None)
    assert not procinfo.alive(pid)
    late = Recorder()
    s.submit(job("echo"), 2, **late.kw())
    assert late.outcome(0) == ("aborted", None)
    assert segments() == []


def test_segments_of_dead_processes_are_swept():
    # a child killed between writing a segment and the parent reading it leaves it in /dev/shm
    enc = codec.Encoder(f"h5g{os.getpid()}_999_r", 1024)
    data, seg = enc.dumps({"a": np.ones(10_000)})
    assert seg is not None and not seg.pooled and seg.name in os.listdir(shm.SHM_DIR)
    assert shm.sweep(f"h5g{os.getpid()}_999_") == [seg.name]
    # and a GUI that crashed leaves segments under its pid: the next supervisor sweeps them
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = f"h5g{int(gone.stdout)}_1_r0"
    shm.create(orphan, 4096).close()
    assert orphan in shm.sweep_orphans() and orphan not in os.listdir(shm.SHM_DIR)


def test_callbacks_run_on_the_supervisor_thread(sup):
    threads = []
    done = threading.Event()
    sup.submit(job("echo"), on_result=lambda v: threads.append(threading.current_thread().name),
               on_error=print, on_finished=done.set)
    assert done.wait(10)
    assert threads == ["test-io-supervisor"]
    with pytest.raises(TypeError):
        sup.submit(job("echo"), on_error=None)


def test_format_bytes():
    assert procinfo.format_bytes(2e9) == "2 GB" and procinfo.format_bytes(1.5e9) == "1.5 GB"
    assert procinfo.format_bytes(3e8) == "300 MB"


def test_restart_callback_cancel_by_key_and_shutdown_before_start():
    restarts = []
    s = Supervisor(name="test-misc", on_restart=restarts.append)
    try:
        rec = Recorder()
        started = threading.Event()
        kw = rec.kw()
        kw["on_progress"] = lambda p: started.set()
        s.submit(job("count"), 1000, 0.01, key="k", **kw)
        assert started.wait(30)
        s.cancel("k")
        assert rec.outcome() == ("aborted", None)
        with pytest.raises(ReaderCrashedError):
            s.call(job("segfault"), subject=("a.h5", "/x"), timeout=30)
        assert s.call(job("nothing"), timeout=30) is None
        info = restarts[-1]
        assert info.reason == "crashed" and "crashed reading /x in a.h5" in info.message and info.pid == s.pid
    finally:
        s.shutdown()
    never = Supervisor(name="test-never")
    rec = Recorder()
    never.submit(job("echo"), **rec.kw())  # starts it...
    never.shutdown()  # ...and stops it at once: the job is aborted, or it ran first
    assert rec.outcome()[0] in ("aborted", "result")
    unstarted = Supervisor(name="test-unstarted")
    unstarted.shutdown()
    late = Recorder()
    unstarted.submit(job("echo"), **late.kw())
    assert late.outcome(0) == ("aborted", None)


def test_a_segment_freed_while_the_lock_is_held_does_not_deadlock(sup):
    """The garbage collector may finalize a mapping (and so free its pooled segment) in the middle of a
    ``with lock`` block of the very thread: noting it must not wait for the lock."""
    done = threading.Event()
    with sup._lock:
        threading.Thread(target=lambda: (sup._note_freed(0, "h5g_gone"), done.set()), daemon=True).start()
        assert done.wait(5), "noting a freed segment waited for the supervisor's lock"
        sup._note_freed(0, "h5g_gone_too")  # the same thread, as a finalizer run by the collector would
    assert sup.call(job("echo"), 1) == ((1,), {})  # the thread still runs, and drops both notes


def test_an_idle_reader_imports_the_other_views_ahead(sup):
    from h5gui.core.ioproc._preload import WARM

    deadline = time.monotonic() + 10
    while not all(sup.call(job("loaded"), *WARM)):
        assert time.monotonic() < deadline, dict(zip(WARM, sup.call(job("loaded"), *WARM), strict=True))
        time.sleep(0.1)


def test_an_urgent_read_goes_ahead_of_waiting_reads_but_never_ahead_of_a_write(sup):
    """What the user waits to see (the frame of a stack) is not queued behind the Info and attribute reads
    of the same click; a read never passes a write queued before it."""
    order: list[str] = []
    lock = threading.Lock()

    def note(name):
        def done(_value):
            with lock:
                order.append(name)
        return done

    blocker = sup.submit(job("sleep"), 0.5, on_error=pytest.fail)  # keeps the queue waiting
    handles = [
        sup.submit(job("echo"), "a", on_result=note("read a"), on_error=pytest.fail),
        sup.submit(job("echo"), "w", on_result=note("write w"), on_error=pytest.fail, operation="writing"),
        sup.submit(job("echo"), "b", on_result=note("read b"), on_error=pytest.fail),
        sup.submit(job("echo"), "c", on_result=note("read c"), on_error=pytest.fail, operation="listing"),
        sup.submit(job("echo"), "u", on_result=note("urgent u"), on_error=pytest.fail, urgent=True),
        sup.submit(job("echo"), "v", on_result=note("urgent v"), on_error=pytest.fail, urgent=True),
    ]
    blocker.result(30)
    for h in handles:
        h.result(30)
    assert order == ["read a", "write w", "urgent u", "urgent v", "read b", "read c"]
