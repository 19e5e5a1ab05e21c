#!/usr/bin/env python
"""The preview panel on big datasets: time to first image, slider moves, dragging, memory, sparse
giants, a 10^8-value signal in the table and plot views (Qt offscreen, one h5gui ``MainWindow``).

Usage::

    python bench/bench_preview.py [--moves 50] [--timeout 60]

Files (written once, cached in ``/tmp/h5gui-bench/``, see ``_benchfiles.py``):

* ``stack``: ``/stack`` (2000, 512, 512) uint16 chunked (1, 512, 512), ~1 GB; pixel [0, 0] of frame k
  holds k, so the frame on screen can be checked;
* ``sparse``: ``/sparse`` (10^6, 10^6) float32 chunked (256, 256), a handful of chunks written;
* ``signal``: ``/signal`` (10^8,) float64 chunked (262144,) (2 MiB chunks), 800 MB.

Every figure is printed beside the time plain h5py takes to read the same bytes in the same run
(ratios). "cold" = the file's pages evicted from the page cache first (``posix_fadvise``).
Stall = the longest gap of a 5 ms QTimer on the GUI thread. RSS = the whole process (psutil); peak
RSS from ``VmHWM`` after resetting it through ``/proc/self/clear_refs``. Bytes read from
``/proc/self/io`` (``rchar``: bytes the process read through syscalls, page cache or not;
``read_bytes``: bytes fetched from the disk).

h5gui reads in its I/O process (issue 16): bytes read, RSS and peak RSS of the reads are that process's
(``/proc/<pid>/...``), RSS "of h5gui" is the GUI process plus the I/O process. Frame reads are counted
on the GUI side: every ``read_image`` job the panel submits, and whether the I/O process ran it (it was
sent there) or dropped it (a newer frame replaced it while it waited); nothing in h5gui is changed.
The "first view of the session" is measured on a fresh window, 0.5 s after it was shown (pyqtgraph is
imported in the background from 0.3 s on).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
from bench_gui import PaintWatch, Probe, rss, wait_until  # noqa: E402
from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

MB = 2**20
N_FRAMES, FRAME = 2000, 512
SPARSE_N, SPARSE_CHUNK = 10**6, 256
SIGNAL_N, SIGNAL_CHUNK = 10**8, 262_144


# ------------------------------------------------------------------------------------------------
# files


def stack_file() -> Path:
    def make(p: Path) -> None:
        rng = np.random.default_rng(1)
        yy, xx = np.mgrid[0:FRAME, 0:FRAME]
        base = ((xx + yy) * 30).astype(np.uint16)
        per = 50
        noise = rng.integers(0, 2000, (per, FRAME, FRAME), dtype=np.uint16)
        block = np.empty((per, FRAME, FRAME), np.uint16)
        with h5py.File(p, "w") as f:
            ds = f.create_dataset("stack", (N_FRAMES, FRAME, FRAME), np.uint16, chunks=(1, FRAME, FRAME))
            f.create_dataset("small", data=np.arange(4.0))
            for b in range(0, N_FRAMES, per):
                np.add(base, noise, out=block)
                block[:, 0, 0] = np.arange(b, b + per)
                ds.write_direct(block, dest_sel=np.s_[b : b + per])
                noise = np.roll(noise, 37, axis=2)

    return bf._build(bf.CACHE / f"preview_stack_{N_FRAMES}x{FRAME}x{FRAME}_u2.h5", make)


def sparse_file() -> Path:
    def make(p: Path) -> None:
        rng = np.random.default_rng(2)
        c = SPARSE_CHUNK
        with h5py.File(p, "w") as f:
            ds = f.create_dataset("sparse", (SPARSE_N, SPARSE_N), np.float32, chunks=(c, c), fillvalue=0.0)
            for r, col in [(0, 0), (0, 500_000), (500_000, 0), (500_000, 500_000), (250_000, 750_000),
                           (999_000, 999_000), (123_456, 654_321), (765_432, 234_567)]:
                r0, c0 = r // c * c, col // c * c
                ds[r0 : r0 + c, c0 : c0 + c] = rng.random((c, c), dtype=np.float32) * 100 + 1

    return bf._build(bf.CACHE / f"preview_sparse_{SPARSE_N}_f4.h5", make)


def signal_file() -> Path:
    def make(p: Path) -> None:
        per = 10**7
        block = np.empty(per)
        with h5py.File(p, "w") as f:
            ds = f.create_dataset("signal", (SIGNAL_N,), np.float64, chunks=(SIGNAL_CHUNK,))
            for b in range(0, SIGNAL_N, per):
                x = np.arange(b, b + per, dtype=np.float64)
                np.sin(x * 2e-7, out=block)
                block += 0.1 * np.sin(x * 0.37)
                ds.write_direct(block, dest_sel=np.s_[b : b + per])

    return bf._build(bf.CACHE / f"preview_signal_{SIGNAL_N}_f8.h5", make)


# ------------------------------------------------------------------------------------------------
# measuring helpers


READER: list[int | None] = [None]  # pid of h5gui's I/O process, once the window exists


def reader_pid() -> str:
    """``/proc`` name of the process that reads (h5gui's I/O process; this one for an I/O-thread version)."""
    return str(READER[0]) if READER[0] else "self"


def proc_io(pid: str | None = None) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid or reader_pid()}/io") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            out[k.strip()] = int(v)
    return out


def io_delta(a: dict[str, int], b: dict[str, int]) -> tuple[int, int]:
    return b["rchar"] - a["rchar"], b["read_bytes"] - a["read_bytes"]


def reset_peak(pid: str | None = None) -> bool:
    try:
        with open(f"/proc/{pid or reader_pid()}/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss(pid: str | None = None) -> float:
    with open(f"/proc/{pid or reader_pid()}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reader_rss() -> float:
    """Resident memory of the I/O process (0 for an I/O-thread version)."""
    if not READER[0]:
        return 0.0
    with open(f"/proc/{READER[0]}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def mb(v: float) -> str:
    return f"{v:,.0f} MB" if abs(v) >= 10 else f"{v:.1f} MB"


def sec(v: float) -> str:
    if v == v and v < 1e-4:
        return f"{v * 1e6:.0f} us"
    return f"{v:.2f} s" if v >= 1 else bf.ms(v)


class Shown:
    """Records the panel's ``shown`` signals: (time, view, frame in pixel [0, 0] for full-res images)."""

    def __init__(self, window: object) -> None:
        self.window = window
        self.events: list[tuple[float, str, int | None]] = []
        self.on_image: list[Callable[[], None]] = []
        window.preview.shown.connect(self._on_shown)  # type: ignore[attr-defined]

    def _on_shown(self, view: str) -> None:
        frame = None
        if view == "image":
            s = self.window.preview.image_view.slice  # type: ignore[attr-defined]
            if s is not None and s.step == (1, 1) and s.data.dtype == np.uint16:
                frame = int(s.data[0, 0])
            for fn in self.on_image:
                fn()
        self.events.append((time.perf_counter(), view, frame))

    def first(self, t0: float, view: str, frame: int | None = None) -> float | None:
        for t, v, f in self.events:
            if t >= t0 and v == view and (frame is None or f == frame):
                return t
        return None

    def wait(self, app: QApplication, t0: float, view: str, frame: int | None = None, timeout: float = 60) -> float:
        ok = wait_until(app, lambda: self.first(t0, view, frame) is not None, timeout)
        return self.first(t0, view, frame) - t0 if ok else float("nan")  # type: ignore[operator]


# ------------------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=50, help="warm slider moves (default 50)")
    p.add_argument("--visits", type=int, default=300, help="extra frames visited one by one for the RSS check")
    p.add_argument("--timeout", type=float, default=60.0, help="give up waiting for one action after this")
    args = p.parse_args()
    T = args.timeout
    t_start = time.perf_counter()
    print(f"bench_preview: {bf.machine()}, Qt platform {os.environ['QT_QPA_PLATFORM']}")
    print("preparing files (first run only: a few minutes)...", flush=True)
    stack, sparse, signal = str(stack_file()), str(sparse_file()), str(signal_file())

    from h5gui.core.preview.cells import format_float
    from h5gui.gui.main_window import MainWindow
    from h5gui.gui.models import array_model

    # frame reads, counted on the GUI side: (job, frame, time submitted); the drag's positions over time
    drag: dict[str, object] = {"log": []}
    reads: list[tuple[object, int, float]] = []
    finished: dict[int, float] = {}

    def count_reads(runner) -> None:  # noqa: ANN001
        submit = runner.submit
        forget = getattr(runner, "_forget", None)  # None: the former in-thread runner

        def counting_submit(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            job = submit(fn, *args, **kwargs)
            if getattr(fn, "name", getattr(fn, "__name__", "")) == "read_image" and args[2].region is None:
                reads.append((job, args[2].index[0] if args[2].index else -1, time.monotonic()))
            return job

        def timed_forget(job) -> None:  # noqa: ANN001
            forget(job)  # records the job's sent_at and drops its result
            finished[id(job)] = time.monotonic()

        runner.submit = counting_submit
        if forget is not None:
            runner._forget = timed_forget

    # the first view of a session: a fresh window, a dataset selected 0.5 s after it is shown
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp0 = tempfile.mkdtemp(prefix="h5gui-bench-preview-")
    first_win = MainWindow(QSettings(os.path.join(tmp0, "settings.ini"), QSettings.Format.IniFormat), data_dir=tmp0)
    first_win.resize(1280, 800)
    first_win.show()
    shown0 = Shown(first_win)
    t_shown = time.perf_counter()
    first_win.open_files([stack])
    wait_until(app, lambda: stack in first_win.model.files() and first_win.is_idle(), 60)
    wait_until(app, lambda: time.perf_counter() - t_shown > 0.5, 5)
    pg_imported_at_select = "pyqtgraph" in sys.modules
    bf.drop_page_cache(stack)
    probe0 = Probe()
    t0 = time.perf_counter()
    first_win.select_path(stack, "/stack")
    first_view = shown0.wait(app, t0, "image", 0, 60)
    first_view_stall = probe0.longest()
    probe0.timer.stop()
    first_win.close()
    app.processEvents()
    if hasattr(first_win.runner, "supervisor"):
        first_win.runner.shutdown()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = tempfile.mkdtemp(prefix="h5gui-bench-preview-")
    settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.Format.IniFormat)
    probe = Probe()
    win = MainWindow(settings, data_dir=tmp)
    count_reads(win.runner)
    sup = getattr(win.runner, "supervisor", None)
    if sup is not None:
        sup.wait_ready(60)
        READER[0] = sup.pid
    win.resize(1280, 800)
    win.show()
    wait_until(app, win.isVisible, 5)
    wait_until(app, lambda: False, 0.3)
    shown = Shown(win)
    panel = win.preview
    idle = lambda: wait_until(app, win.is_idle, T)  # noqa: E731
    settle = lambda s=0.1: wait_until(app, lambda: False, s)  # noqa: E731
    r: dict[str, object] = {}
    last_select = [0.0]

    def select(file: str, path: str, view: str, frame: int | None = None) -> float:
        idle()
        probe.reset()
        t0 = last_select[0] = time.perf_counter()
        win.select_path(file, path)
        return shown.wait(app, t0, view, frame, T)

    # ============================================================================== 1. the stack
    print("stack: first frame...", flush=True)
    win.open_files([stack])
    wait_until(app, lambda: stack in win.model.files(), T)
    idle()
    fh = h5py.File(stack, "r", locking=False)  # the baselines' own handle (read-only: no conflict)
    ds = fh["stack"]
    paint: dict[str, float | None] = {}

    def watch_paint() -> None:  # the first image has just been handed to pyqtgraph: time its paint
        if "watch" not in paint:
            w = PaintWatch(panel.image_view.graphics.viewport())
            w.arm(lambda: True)
            paint["watch"] = w  # type: ignore[assignment]

    shown.on_image.append(watch_paint)
    r["pg_imported_before"] = pg_imported_at_select
    r["session_first"], r["session_first_stall"] = first_view, first_view_stall
    bf.drop_page_cache(stack)
    r["first_import"] = select(stack, "/stack", "image", 0)
    r["first_import_stall"] = probe.longest()
    wait_until(app, lambda: paint["watch"].painted_at is not None, 5)  # type: ignore[union-attr]
    pa = paint["watch"].painted_at  # type: ignore[union-attr]
    r["first_import_paint"] = pa - last_select[0] if pa else float("nan")
    shown.on_image.clear()

    def h5py_first(cold: bool) -> float:
        if cold:
            bf.drop_page_cache(stack)

        def go() -> None:
            with h5py.File(stack, "r", locking=False) as f:
                f["stack"][0]

        return timed(go)

    r["base_first_cold"] = h5py_first(True)
    r["base_first_warm"] = min(h5py_first(False) for _ in range(3))

    select(stack, "/small", "plot")
    bf.drop_page_cache(stack)
    r["first_cold"] = select(stack, "/stack", "image", 0)
    r["first_cold_stall"] = probe.longest()
    select(stack, "/small", "plot")
    r["first_warm"] = select(stack, "/stack", "image", 0)
    r["first_warm_stall"] = probe.longest()
    idle()

    # --- warm slider moves
    print("stack: slider moves...", flush=True)
    bar = panel.axes_bar
    rng = np.random.default_rng(3)
    frames = [int(k) for k in rng.choice(np.arange(1, 1000), args.moves, replace=False)]
    for k in frames:  # warm the page cache for these frames
        ds[k]
    moves = []
    probe.reset()
    for k in frames:
        idle()
        t0 = time.perf_counter()
        bar.set_position(0, k)
        moves.append(shown.wait(app, t0, "image", k, T))
    r["move_stall"] = probe.longest()
    r["move_median"] = bf.median(moves)
    r["move_max"] = max(moves)
    base_moves = []
    for k in frames:
        base_moves.append(timed(lambda k=k: ds[k]))
    r["base_move"] = bf.median(base_moves)
    idle()
    settle(0.3)
    gc.collect()
    r["rss_before_visits"] = rss() + reader_rss()

    # --- drag across 500 cold frames in 5 s
    print("stack: dragging across 500 frames in 5 s...", flush=True)
    first, n_drag = 1000, 500
    bf.drop_page_cache(stack)
    changes = [0]
    count_change = lambda: changes.__setitem__(0, changes[0] + 1)  # noqa: E731
    bar.changed.connect(count_change)
    reads.clear()
    shown_mark = len(shown.events)
    state = {"i": 0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)

    def step() -> None:
        i = state["i"]
        if i >= n_drag:
            timer.stop()
            state["end"] = time.perf_counter()
            return
        bar.set_position(0, first + i)  # submits the read of this frame (cancelling the pending one)
        drag["log"].append((time.monotonic(), first + i))  # type: ignore[attr-defined]
        state["i"] = i + 1

    timer.timeout.connect(step)
    probe.reset()
    t0 = time.perf_counter()
    timer.start()
    wait_until(app, lambda: "end" in state, 60)
    last = first + n_drag - 1
    shown.wait(app, t0, "image", last, T)
    idle()
    t_done = time.perf_counter()
    bar.changed.disconnect(count_change)
    r["drag_time"] = state["end"] - t0
    r["drag_settle"] = t_done - state["end"]
    r["drag_stall"] = probe.longest()
    r["drag_over50"] = probe.count_over(0.05)
    r["drag_submitted"] = changes[0]
    # a read ran when its job was sent to the I/O process; positions only grow: a read of frame f sent
    # once a newer frame had been asked for is stale
    log = drag["log"]  # type: ignore[assignment]
    ran = [(job, f) for job, f, _t in reads if getattr(job, "sent_at", 0)]  # type: ignore[attr-defined]

    def wanted(at: float) -> int:
        return max((pos for t, pos in log if t <= at), default=-1)  # type: ignore[misc]

    r["drag_ran"] = len(ran)
    r["drag_stale"] = sum(1 for job, f in ran if f < wanted(job.sent_at))  # type: ignore[attr-defined]
    # ... of which a newer frame had been asked for more than 1 ms before (not a race of the same instant)
    r["drag_stale_1ms"] = sum(1 for job, f in ran if f < wanted(job.sent_at - 0.001))  # type: ignore[attr-defined]
    r["drag_read_ms"] = bf.median([finished[id(job)] - job.sent_at for job, _f in ran  # type: ignore[attr-defined]
                                   if id(job) in finished])
    drag_shown = [e for e in shown.events[shown_mark:] if e[1] == "image"]
    r["drag_shown"] = len(drag_shown)
    s = panel.image_view.slice
    r["drag_final_ok"] = s is not None and int(s.data[0, 0]) == last and np.array_equal(s.data, ds[last])
    bf.drop_page_cache(stack)
    base_drag = [timed(lambda k=k: ds[k]) for k in range(first, first + 50)]
    r["base_drag_read"] = bf.median(base_drag)

    # --- memory: visit more frames one by one
    print(f"stack: visiting {args.visits} more frames...", flush=True)
    for k in range(first + n_drag, first + n_drag + args.visits):
        idle()
        t0 = time.perf_counter()
        bar.set_position(0, k)
        shown.wait(app, t0, "image", k, T)
    idle()
    settle(0.3)
    gc.collect()
    r["rss_after_visits"] = rss() + reader_rss()
    r["visited"] = args.moves + r["drag_ran"] + args.visits  # type: ignore[operator]
    fh.close()

    # ============================================================================== 2. sparse giant
    print("sparse (10^6 x 10^6): first image...", flush=True)
    win.open_files([sparse])
    wait_until(app, lambda: sparse in win.model.files(), T)
    idle()
    settle(0.3)
    gc.collect()
    rss0 = peak_rss() if reset_peak() else float("nan")  # the reader's resident memory now
    r["sparse_first"] = select(sparse, "/sparse", "image")
    r["sparse_stall"] = probe.longest()
    idle()
    settle(0.5)
    r["sparse_peak"] = peak_rss() - rss0
    s = panel.image_view.slice
    r["sparse_step"] = s.step[0] if s is not None else -1
    r["sparse_shape"] = s.data.shape if s is not None else ()
    r["sparse_note"] = s.note if s is not None else ""
    with h5py.File(sparse, "r", locking=False) as f:
        d = f["sparse"]
        step_s = int(r["sparse_step"])  # type: ignore[arg-type]
        gc.collect()
        reset_peak("self")
        rss0 = peak_rss("self")
        r["base_sparse"] = timed(lambda: d[::step_s, ::step_s]) if step_s > 0 else float("nan")
        r["base_sparse_peak"] = peak_rss("self") - rss0

    # ============================================================================== 3. 10^8 signal
    print("signal (10^8 float64): plot...", flush=True)
    win.open_files([signal])
    wait_until(app, lambda: signal in win.model.files(), T)
    idle()
    bf.drop_page_cache(signal)
    io0 = proc_io()
    r["plot_cold"] = select(signal, "/signal", "plot")
    idle()
    r["plot_cold_io"] = io_delta(io0, proc_io())
    r["plot_cold_stall"] = probe.longest()
    pdata = panel.plot_view.data
    r["plot_step"] = pdata.step if pdata is not None else -1
    r["plot_points"] = len(pdata.y) if pdata is not None else 0
    r["plot_note"] = pdata.note if pdata is not None else ""

    def replot() -> tuple[float, tuple[int, int], float]:
        idle()
        probe.reset()
        io0 = proc_io()
        t0 = time.perf_counter()
        panel.set_view("plot")  # the same view again: reads the plot again
        t = shown.wait(app, t0, "plot", None, T)
        idle()
        return t, io_delta(io0, proc_io()), probe.longest()

    bf.drop_page_cache(signal)
    r["plot_cold2"], r["plot_cold2_io"], r["plot_cold2_stall"] = replot()
    r["plot_warm"], r["plot_warm_io"], r["plot_warm_stall"] = replot()

    fs = h5py.File(signal, "r", locking=False)
    sig = fs["signal"]
    step_p = int(r["plot_step"])  # type: ignore[arg-type]
    bf.drop_page_cache(signal)
    io0 = proc_io("self")
    r["base_plot_cold"] = timed(lambda: sig[::step_p])
    r["base_plot_cold_io"] = io_delta(io0, proc_io("self"))
    io0 = proc_io("self")
    r["base_plot_warm"] = timed(lambda: sig[::step_p])
    r["base_plot_warm_io"] = io_delta(io0, proc_io("self"))

    print("signal: table view, scroll to the end...", flush=True)
    idle()
    panel.set_view("table")
    tv = panel.table_view
    model = tv.model
    table = tv.table
    br = array_model.BLOCK_ROWS
    wait_until(app, lambda: 0 in {k[0] for k in model._cache}, T)
    idle()

    def loaded(row: int) -> bool:  # the block holding dataset row ``row`` is in the model's cache
        return (row // br, 0) in model._cache

    probe.reset()
    t0 = time.perf_counter()
    table.scrollToBottom()
    view_last = model.row_offset + model.rowCount() - 1
    ok = wait_until(app, lambda: loaded(view_last), T)
    r["table_end"] = time.perf_counter() - t0 if ok else float("nan")
    r["table_end_row"] = view_last
    idle()
    r["table_end_stall"] = probe.longest()
    # the dataset's real last row: move the "first row" offset to its maximum, then scroll to the end
    probe.reset()
    t0 = time.perf_counter()
    tv.offset_spin.setValue(tv.offset_spin.maximum())
    table.scrollToBottom()
    ok = wait_until(app, lambda: loaded(SIGNAL_N - 1), T)
    r["table_true_end"] = time.perf_counter() - t0 if ok else float("nan")
    r["table_true_text"] = model.cell(SIGNAL_N - 1, 0) if ok else None
    idle()
    r["table_true_stall"] = probe.longest()
    r["table_true_ok"] = ok and r["table_true_text"] == format_float(float(sig[SIGNAL_N - 1]))
    a = (view_last // br) * br
    r["base_table"] = bf.median([timed(lambda: sig[a : a + br]) for _ in range(5)])
    # reference: reading the whole dataset with h5py (warm, 8 MB blocks into one buffer)
    buf = np.empty(2**20)

    def whole() -> None:
        for b in range(0, SIGNAL_N, buf.size):
            e = min(SIGNAL_N, b + buf.size)
            sig.read_direct(buf, np.s_[b:e], np.s_[0 : e - b])

    whole()  # warm the page cache
    r["base_whole_warm"] = timed(whole)
    fs.close()
    r["rss_end"] = rss() + reader_rss()

    win.close()
    app.processEvents()
    win.runner.shutdown()

    # ============================================================================== report
    def line(label: str, value: str, base: str, ratio: str, target: str, ok: bool | None) -> list[str]:
        return [label, value, base, ratio, target, "-" if ok is None else ("OK" if ok else "MISSED")]

    f = lambda k: float(r[k])  # type: ignore[arg-type]  # noqa: E731
    cold_rc, cold_rb = r["plot_cold_io"]  # type: ignore[misc]
    warm_rc, _ = r["plot_warm_io"]  # type: ignore[misc]
    bcold_rc, bcold_rb = r["base_plot_cold_io"]  # type: ignore[misc]
    size = SIGNAL_N * 8
    growth = f("rss_after_visits") - f("rss_before_visits")
    rows = [
        line("stack: first frame, cold, first view of a session (selected 0.5 s after the window is shown)"
             + ("" if r["pg_imported_before"] else "; pyqtgraph not imported yet"),
             f"{sec(f('session_first'))} (stall {sec(f('session_first_stall'))})",
             f"{sec(f('base_first_cold'))} (open + `ds[0]`, cold)", bf.ratio(f("session_first"), f("base_first_cold")),
             "< 0.15 s", f("session_first") < 0.15),
        line("stack: first frame after selecting, cold, first image view of this window"
             + ("" if r["pg_imported_before"] else " (imports pyqtgraph)"),
             f"{sec(f('first_import'))} (painted {sec(f('first_import_paint'))}; stall {sec(f('first_import_stall'))})",
             f"{sec(f('base_first_cold'))} (open + `ds[0]`, cold)", bf.ratio(f("first_import"), f("base_first_cold")),
             "< 0.15 s", f("first_import") < 0.15),
        line("stack: first frame after selecting, cold page cache", f"{sec(f('first_cold'))} (stall {sec(f('first_cold_stall'))})",
             f"{sec(f('base_first_cold'))} (open + `ds[0]`, cold)", bf.ratio(f("first_cold"), f("base_first_cold")),
             "< 0.15 s", f("first_cold") < 0.15),
        line("stack: first frame after selecting, warm", f"{sec(f('first_warm'))} (stall {sec(f('first_warm_stall'))})",
             f"{sec(f('base_first_warm'))} (open + `ds[0]`, warm)", bf.ratio(f("first_warm"), f("base_first_warm")),
             "< 0.15 s", f("first_warm") < 0.15),
        line(f"stack: slider move, median of {len(moves)} warm (max)", f"{sec(f('move_median'))} ({sec(f('move_max'))})",
             f"{sec(f('base_move'))} (`ds[k]`, warm)", bf.ratio(f("move_median"), f("base_move")), "< 50 ms",
             f("move_median") < 0.05),
        line(f"stack: drag over {n_drag} cold frames in {f('drag_time'):.1f} s: frame reads run / dropped / stale",
             f"{r['drag_ran']} run / {int(r['drag_submitted']) - int(r['drag_ran'])} dropped of {r['drag_submitted']}"  # type: ignore[call-overload]
             f" requests / {r['drag_stale']} stale ({r['drag_stale_1ms']} by more than 1 ms); {r['drag_shown']} frames"
             " shown (the other"
             f" {int(r['drag_ran']) - int(r['drag_shown'])} finished after a newer request); read and"  # type: ignore[call-overload]
             f" delivered {sec(f('drag_read_ms'))} median",
             f"{sec(f('base_drag_read'))} per frame (`ds[k]`, cold)", bf.ratio(f("drag_read_ms"), f("base_drag_read")),
             "latest wins, no stale reads", r["drag_stale_1ms"] == 0),  # type: ignore[arg-type]
        line("stack: drag: final frame shown and correct (time after the last move)",
             f"{'yes' if r['drag_final_ok'] else 'NO'} ({sec(f('drag_settle'))})", "-", "-", "last frame", bool(r["drag_final_ok"])),
        line("stack: drag: longest GUI stall (gaps > 50 ms)", f"{sec(f('drag_stall'))} ({r['drag_over50']})", "-", "-",
             "< 50 ms", f("drag_stall") < 0.05),
        line(f"stack: RSS (GUI + I/O process) before -> after visiting {r['visited']} more frames",
             f"{mb(f('rss_before_visits'))} -> {mb(f('rss_after_visits'))} ({growth:+.0f} MB)", "-", "-",
             "bounded cache", growth < 64),
        line(f"sparse (10^6)^2 float32: first (downsampled) image ({r['sparse_shape']}, step {r['sparse_step']:,})",  # type: ignore[str-format]
             f"{sec(f('sparse_first'))} (stall {sec(f('sparse_stall'))})",
             f"{sec(f('base_sparse'))} (`ds[::s, ::s]`)", bf.ratio(f("sparse_first"), f("base_sparse")), "< 1 s",
             f("sparse_first") < 1),
        line("sparse: peak RSS growth (of the process that reads)", mb(f("sparse_peak")), f"{mb(f('base_sparse_peak'))} (`ds[::s, ::s]`)", "-",
             "< 200 MB", f("sparse_peak") < 200),
        line(f"signal 10^8 float64: first plot after selecting, cold; plot again, cold ({r['plot_points']:,} points,"  # type: ignore[str-format]
             f" step {r['plot_step']:,})",
             f"{sec(f('plot_cold'))} (stall {sec(f('plot_cold_stall'))}); {sec(f('plot_cold2'))} (stall"
             f" {sec(f('plot_cold2_stall'))})", f"{sec(f('base_plot_cold'))} (`ds[::step]`, cold)",
             bf.ratio(f("plot_cold"), f("base_plot_cold")), "not the whole dataset", None),
        line("signal: plot, bytes read cold (rchar / from disk) vs 800 MB",
             f"{mb(cold_rc / MB)} / {mb(cold_rb / MB)} ({cold_rb / size:.0%} of the dataset from disk)",
             f"{mb(bcold_rc / MB)} / {mb(bcold_rb / MB)}", "-", "< dataset size", cold_rb < 0.5 * size),
        line("signal: plot again, warm", f"{sec(f('plot_warm'))} (rchar {mb(warm_rc / MB)}; stall"
             f" {sec(f('plot_warm_stall'))})",
             f"{sec(f('base_plot_warm'))} (`ds[::step]`, warm); whole dataset {sec(f('base_whole_warm'))}",
             bf.ratio(f("plot_warm"), f("base_plot_warm")), "-", None),
        line(f"signal: table, scrollToBottom -> row {int(r['table_end_row']):,} loaded",  # type: ignore[call-overload]
             f"{sec(f('table_end'))} (stall {sec(f('table_end_stall'))})", f"{sec(f('base_table'))} (`ds[a:a+{br}]`)",
             bf.ratio(f("table_end"), f("base_table")), "scrolls", f("table_end") == f("table_end")),
        line(f"signal: table, offset to max + scrollToBottom -> row {SIGNAL_N - 1:,} loaded",
             f"{sec(f('table_true_end'))} (stall {sec(f('table_true_stall'))}; text {'OK' if r['table_true_ok'] else 'WRONG'})",
             f"{sec(f('base_table'))}", bf.ratio(f("table_true_end"), f("base_table")), "scrolls",
             bool(r["table_true_ok"])),
    ]
    print(f"\nnotes: sparse image note {r['sparse_note']!r}; plot note {r['plot_note']!r}; RSS at the end "
          f"{mb(f('rss_end'))}; total run time {time.perf_counter() - t_start:.0f} s\n")
    print(f"Preview ({bf.machine()}; Qt offscreen; 2-core VM; ratio = h5gui / plain h5py reading the same bytes):\n")
    print(bf.table(["figure", "h5gui", "plain h5py, same bytes", "ratio", "target", ""], rows))


if __name__ == "__main__":
    main()
