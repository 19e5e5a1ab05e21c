#!/usr/bin/env python
"""The main window with huge groups: time to first rows, longest GUI stall, memory (Qt, offscreen).

Usage::

    python bench/bench_gui.py [--n 100000] [--layout dense] [--no-baseline]

A QTimer probe fires every 5 ms on the GUI thread; the longest gap between two of its ticks during an
action is that action's longest stall of the event loop (5 ms means no stall at all). RSS is the
whole process's resident memory (psutil).

Actions, in one h5gui ``MainWindow`` (1280 x 800, temporary settings):

1. open a file of 1,000 groups x 100 datasets: time until the file's root rows are in the tree;
2. open a file whose ``/big`` holds N datasets, expand ``/big``: time until its first real rows are in
   the model and until the tree has painted them;
3. scroll to the end again and again (``tree.scrollToBottom()``, as a user dragging the scroll bar to
   the bottom: the view's ``fetchMore`` loads the next batch) until all N rows are loaded.

Baselines, each in its own process so that its memory is its own: an eager viewer that lists the
group on the GUI thread into a ``QStandardItemModel`` (h5py ``for name in g`` + ``g[name]`` shape and
dtype, as simple HDF5 viewers do), and the same with names only (``list(g.keys())``: the least an
eager viewer can do).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402
import psutil  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

MB = 2**20
PROC = psutil.Process()


def rss() -> float:
    return PROC.memory_info().rss / MB


class Probe(QObject):
    """Ticks every 5 ms on the GUI thread and records the gaps between ticks."""

    INTERVAL = 5

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(self.INTERVAL)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.gaps: list[float] = []
        self.on_tick: list[Callable[[], None]] = []
        self.peak_rss = 0.0
        self._n = 0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now
        self._n += 1
        if self._n % 20 == 0:
            self.peak_rss = max(self.peak_rss, rss())
        for fn in list(self.on_tick):
            fn()

    def reset(self) -> None:
        self.gaps = []
        self.last = time.perf_counter()
        self.peak_rss = rss()

    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    def count_over(self, seconds: float) -> int:
        return sum(1 for g in self.gaps if g > seconds)


_WAIT = QEventLoop.ProcessEventsFlag.WaitForMoreEvents


def wait_until(app: QApplication, cond: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop until ``cond()`` is true (checked after every batch of events). The loop sleeps
    while nothing happens (a 5 ms timer wakes it to check the time): the earlier
    ``processEvents(flags, 5)`` returned at once when idle, so this loop spun a whole core, which the
    application under test then lacked."""
    deadline = time.perf_counter() + timeout
    wake = QTimer()
    wake.setInterval(5)
    wake.start()
    try:
        while not cond():
            if time.perf_counter() > deadline:
                return False
            app.processEvents(_WAIT)
    finally:
        wake.stop()
    return True


class PaintWatch(QObject):
    """Records when a widget finished painting after ``arm()`` and a condition became true."""

    def __init__(self, widget: object) -> None:
        super().__init__()
        self.widget = widget
        self.cond: Callable[[], bool] = lambda: False
        self.painted_at: float | None = None
        widget.installEventFilter(self)  # type: ignore[attr-defined]

    def arm(self, cond: Callable[[], bool]) -> None:
        self.cond = cond
        self.painted_at = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self.painted_at is None and self.cond():
            QTimer.singleShot(0, self._mark)  # after this paint has been handled
        return False

    def _mark(self) -> None:
        if self.painted_at is None:
            self.painted_at = time.perf_counter()


# ------------------------------------------------------------------------------------------------
# h5gui


THINK = 1.0


def run_h5gui(app: QApplication, big: str, many: str, n: int, timeout: float, budget: float) -> dict:
    from h5gui.gui.main_window import MainWindow

    out: dict[str, float] = {"rss_qt": rss()}
    tmp = tempfile.mkdtemp(prefix="h5gui-bench-gui-")
    settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.Format.IniFormat)
    probe = Probe()
    win = MainWindow(settings, data_dir=tmp)
    win.resize(1280, 800)
    win.show()
    wait_until(app, lambda: win.isVisible(), 5)
    wait_until(app, lambda: False, 0.3)  # let it settle
    out["rss_window"] = rss()
    model, tree, proxy = win.model, win.tree, win.proxy
    viewport_watch = PaintWatch(tree.viewport())

    def top(file: str):  # the file's node, once it is in the tree
        idx = model.file_index(file)
        return model.node(idx) if idx.isValid() else None

    # 1. the 1,000 x 100 file: root rows
    probe.reset()
    bf.drop_page_cache(many)
    t0 = time.perf_counter()
    win.open_files([many])
    ok = wait_until(app, lambda: (node := top(many)) is not None and node.loaded > 0, timeout)
    out["many_rows"] = time.perf_counter() - t0 if ok else float("nan")
    out["many_loaded"] = top(many).loaded if top(many) else 0
    wait_until(app, lambda: not win.runner.has_pending(), timeout)
    out["many_stall"] = probe.longest()
    win.close_file(many)
    wait_until(app, lambda: not win.runner.has_pending(), timeout)

    # 2. the N-member group: open the file, expand /big
    probe.reset()
    bf.drop_page_cache(big)
    t0 = time.perf_counter()
    win.open_files([big])
    ok = wait_until(app, lambda: (node := top(big)) is not None and node.loaded > 0, timeout)
    out["open_rows"] = time.perf_counter() - t0 if ok else float("nan")
    wait_until(app, lambda: not win.runner.has_pending(), timeout)
    out["open_stall"] = probe.longest()

    group_idx = model.find(big, "/big")
    group = model.node(group_idx)
    pidx = proxy.mapFromSource(group_idx)
    inserted: list[float] = []

    def on_rows(parent, first, last) -> None:  # noqa: ANN001
        if parent.isValid() and model.node(parent) is group and not inserted and group.loaded > 0:
            inserted.append(time.perf_counter())

    model.rowsInserted.connect(on_rows)
    wait_until(app, lambda: False, THINK)  # a user reads the root rows before clicking
    out["rss_before_expand"] = rss()
    probe.reset()
    viewport_watch.arm(lambda: group.loaded > 0)
    t0 = time.perf_counter()
    tree.expand(pidx)
    ok = wait_until(app, lambda: viewport_watch.painted_at is not None, timeout)
    out["first_rows"] = (inserted[0] - t0) if inserted else float("nan")
    out["first_paint"] = (viewport_watch.painted_at - t0) if ok and viewport_watch.painted_at else float("nan")
    out["first_count"] = group.loaded
    wait_until(app, lambda: not group.pending, timeout)
    out["expand_stall"] = probe.longest()
    out["rss_first"] = rss()

    # 3. scroll to the end until every row is loaded (or the time budget is spent). The tree keeps a
    # sliding window of at most WINDOW rows per group, so "loaded" counts the rows reached so far.
    def reached() -> int:
        return group.offset + group.loaded

    state = {"scrolls": 0, "last_progress": time.perf_counter(), "loaded": reached(), "stuck": 0}

    def scroll() -> None:
        if reached() != state["loaded"]:
            state["loaded"] = reached()
            state["last_progress"] = time.perf_counter()
        if not group.pending:
            if time.perf_counter() - state["last_progress"] > 3.0:
                state["stuck"] += 1  # scrolled to the end, nothing pending, nothing loaded: the view stopped
                state["last_progress"] = time.perf_counter()
            tree.scrollToBottom()
            state["scrolls"] += 1

    probe.reset()
    # (rows loaded, seconds since the scroll began, longest gap since the previous batch)
    batches: list[tuple[int, float, float]] = []
    gap_mark = [0]

    def on_batch(parent, first, last) -> None:  # noqa: ANN001
        if parent.isValid() and model.node(parent) is group and last - first > 0:
            gaps = probe.gaps[gap_mark[0]:]
            gap_mark[0] = len(probe.gaps)
            batches.append((reached(), time.perf_counter() - t0, max(gaps, default=0.0)))

    model.rowsInserted.connect(on_batch)
    t0 = time.perf_counter()
    probe.on_tick.append(scroll)
    ok = wait_until(app, lambda: reached() >= n and not group.pending, budget)
    probe.on_tick.remove(scroll)
    model.rowsInserted.disconnect(on_batch)
    out["all_rows"] = time.perf_counter() - t0 if ok else float("nan")
    out["scroll_time"] = time.perf_counter() - t0
    out["all_loaded"] = reached()
    out["scroll_stall"] = probe.longest()
    out["scroll_over_50"] = probe.count_over(0.050)
    out["scroll_ticks"] = len(probe.gaps)
    gaps = sorted(probe.gaps)
    out["scroll_p99"] = gaps[int(len(gaps) * 0.99)] if gaps else float("nan")
    out["batches"] = len(batches)
    out["stuck"] = state["stuck"]
    out["batch_log"] = batches  # type: ignore[assignment]
    wait_until(app, lambda: not group.pending, timeout)
    wait_until(app, lambda: False, 0.3)
    out["rss_all"] = rss()
    out["rss_peak"] = max(probe.peak_rss, out["rss_all"])
    # what one relayout of the tree costs now (QTreeView lays out every expanded row again after
    # each insertion into an expanded group)
    t = time.perf_counter()
    tree.doItemsLayout()
    out["relayout"] = time.perf_counter() - t
    out["relayout_rows"] = group.loaded

    # 4. how the GUI thread copes with the loaded rows: filter them, clear the filter
    probe.reset()
    t0 = time.perf_counter()
    win.filter_edit.setText("img9999")
    wait_until(app, lambda: False, 0.2)
    out["filter_stall"] = probe.longest()
    probe.reset()
    win.filter_edit.setText("")
    wait_until(app, lambda: False, 0.2)
    out["unfilter_stall"] = probe.longest()

    win.close()
    app.processEvents()
    shutil.rmtree(tmp, ignore_errors=True)
    return out


# ------------------------------------------------------------------------------------------------
# baselines: eager listing on the GUI thread (child processes)


def run_eager(app: QApplication, big: str, details: bool) -> dict[str, float]:
    import h5py
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QMainWindow, QTreeView

    out: dict[str, float] = {"rss_qt": rss()}
    probe = Probe()
    win = QMainWindow()
    tree = QTreeView(win)
    tree.setUniformRowHeights(True)
    model = QStandardItemModel(0, 3, win)
    model.setHorizontalHeaderLabels(["Name", "Shape", "Type"])
    tree.setModel(model)
    win.setCentralWidget(tree)
    win.resize(1280, 800)
    win.show()
    wait_until(app, lambda: win.isVisible(), 5)
    wait_until(app, lambda: False, 0.3)
    f = h5py.File(big, "r", locking=False)
    file_item = QStandardItem(os.path.basename(big))
    model.appendRow([file_item, QStandardItem("file"), QStandardItem("")])
    group_item = QStandardItem("big")
    file_item.appendRow([group_item, QStandardItem(""), QStandardItem("")])
    tree.expand(model.indexFromItem(file_item))
    wait_until(app, lambda: False, 0.2)
    out["rss_window"] = rss()
    watch = PaintWatch(tree.viewport())
    watch.arm(lambda: group_item.rowCount() > 0)
    probe.reset()
    t0 = time.perf_counter()

    def expand() -> None:  # what an eager viewer does when the group is expanded
        g = f["big"]
        rows = []
        if details:
            for name in g:
                obj = g[name]
                shape = getattr(obj, "shape", None)
                dtype = str(getattr(obj, "dtype", ""))
                rows.append([QStandardItem(name), QStandardItem(" x ".join(map(str, shape)) if shape else ""),
                             QStandardItem(dtype)])
        else:
            for name in list(g.keys()):
                rows.append([QStandardItem(name), QStandardItem(""), QStandardItem("")])
        for r in rows:
            group_item.appendRow(r)
        tree.expand(model.indexFromItem(group_item))

    QTimer.singleShot(0, expand)
    wait_until(app, lambda: watch.painted_at is not None, 600)
    out["first_paint"] = watch.painted_at - t0  # type: ignore[operator]
    out["first_rows"] = out["first_paint"]
    out["all_rows"] = out["first_paint"]
    out["stall"] = probe.longest()
    wait_until(app, lambda: False, 0.3)
    out["rss_all"] = rss()
    out["rows"] = group_item.rowCount()
    f.close()
    return out


def child_main(kind: str, big: str) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    res = run_eager(app, big, details=(kind == "eager"))
    print(json.dumps(res))


def run_child(kind: str, big: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, big], capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"baseline {kind} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="members of /big (default 100,000)")
    p.add_argument("--layout", default="dense", choices=bf.LAYOUTS, help="group layout of the big file")
    p.add_argument("--groups", default="1000x100", help="groups x datasets of the second file")
    p.add_argument("--think", type=float, default=1.0,
                   help="seconds between the file's rows appearing and expanding the big group (a user's reaction)")
    p.add_argument("--budget", type=float, default=75.0,
                   help="seconds allowed for scrolling to the end (default 75; the rest is reported as not loaded)")
    p.add_argument("--timeout", type=float, default=60.0, help="give up waiting for other actions after this")
    p.add_argument("--no-baseline", action="store_true", help="skip the eager baselines (faster)")
    p.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_main(*args.child)
        return

    t_start = time.perf_counter()
    print(f"bench_gui: {bf.machine()}, Qt platform {os.environ['QT_QPA_PLATFORM']}")
    print("preparing files...", flush=True)
    big = str(bf.big_group_file(args.n, args.layout))
    g, _, d = args.groups.partition("x")
    many = str(bf.many_groups_file(int(g), int(d), "dense"))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    print("h5gui main window...", flush=True)
    global THINK
    THINK = args.think
    print(f"expanding the big group {THINK:.1f} s after its parent's rows appear (--think)")
    r = run_h5gui(app, big, many, args.n, args.timeout, args.budget)
    base: dict[str, dict[str, float]] = {}
    if not args.no_baseline:
        for kind in ("names", "eager"):
            print(f"baseline '{kind}' (own process)...", flush=True)
            base[kind] = run_child(kind, big)

    n = args.n
    print(f"\n== h5gui MainWindow, /big with {n:,} datasets (layout '{args.layout}'), {int(g):,} x {int(d)} file;"
          " files evicted from the page cache before opening")
    print(f"RSS: Qt + h5gui imported {r['rss_qt']:.0f} MB, window shown {r['rss_window']:.0f} MB")
    print(f"open {int(g):,} x {int(d)} file: root rows after {bf.ms(r['many_rows'])} "
          f"({int(r['many_loaded'])} rows loaded), longest stall {bf.ms(r['many_stall'])}")
    print(f"open the {n:,} file: root rows after {bf.ms(r['open_rows'])}, longest stall {bf.ms(r['open_stall'])}")
    print(f"expand /big: rows in the model after {bf.ms(r['first_rows'])} ({int(r['first_count'])} rows), painted "
          f"after {bf.ms(r['first_paint'])}; longest stall {bf.ms(r['expand_stall'])}")
    done = r["all_loaded"] >= n
    print(f"scroll to the end: {int(r['all_loaded']):,} of {n:,} rows loaded after {r['scroll_time']:.1f} s "
          f"({'all' if done else 'time budget spent'}) in {int(r['batches'])} batches; longest stall "
          f"{bf.ms(r['scroll_stall'])}, 99th percentile gap {bf.ms(r['scroll_p99'])}, "
          f"{int(r['scroll_over_50'])} gaps > 50 ms of {int(r['scroll_ticks'])} ticks"
          + (f"; the view stopped loading {int(r['stuck'])} times" if r["stuck"] else ""))
    log = r["batch_log"]
    if log:
        print("  longest stall around each batch, by rows already loaded:")
        for mark in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000):
            hit = next(((rows, at, gap) for rows, at, gap in log if rows >= mark), None)
            if hit is not None and hit is not log[-1]:
                print(f"    {hit[0]:>7,} rows (t = {hit[1]:5.1f} s): {bf.ms(hit[2])}")
        last = log[-1]
        print(f"    {last[0]:>7,} rows (t = {last[1]:5.1f} s): {bf.ms(last[2])}  (last batch)")
    print(f"one full relayout of the tree (QTreeView.doItemsLayout) with {int(r['relayout_rows']):,} rows loaded: "
          f"{bf.ms(r['relayout'])} = {r['relayout'] / max(r['relayout_rows'], 1) * 1e6:.1f} us per row")
    print(f"RSS: before expanding {r['rss_before_expand']:.0f} MB, first rows {r['rss_first']:.0f} MB, after "
          f"scrolling {r['rss_all']:.0f} MB (peak {r['rss_peak']:.0f} MB)")
    print(f"filter box on {int(r['all_loaded']):,} loaded rows: longest stall {bf.ms(r['filter_stall'])} (typing), "
          f"{bf.ms(r['unfilter_stall'])} (clearing)")
    for kind, label in (("names", "eager names-only (`list(g.keys())`)"),
                        ("eager", "eager with shape/dtype (`g[name]`)")):
        if kind in base:
            b = base[kind]
            print(f"baseline {label}: {int(b['rows']):,} rows painted after {bf.ms(b['first_paint'])}, longest stall "
                  f"{bf.ms(b['stall'])}, RSS {b['rss_window']:.0f} -> {b['rss_all']:.0f} MB")

    stall = max(r["expand_stall"], r["scroll_stall"], r["open_stall"], r["many_stall"])
    checks = [
        ("first rows visible < 0.3 s", r["first_paint"] < 0.3),
        ("longest stall < 50 ms", stall < 0.05),
        ("all rows loaded", done),
        ("RSS < 300 MB after all rows", done and r["rss_all"] < 300),
    ]
    print("targets: " + "; ".join(f"{name}: {'OK' if ok else 'MISSED'}" for name, ok in checks))
    print(f"total run time {time.perf_counter() - t_start:.0f} s\n")

    eager = base.get("eager")
    names = base.get("names")
    mb = lambda v: f"{v:.0f} MB"  # noqa: E731
    sec = lambda v: f"{v:.1f} s" if v >= 1 else bf.ms(v)  # noqa: E731

    def vs(value: float, key: str, fmt: Callable[[float], str]) -> list[str]:
        cells = [fmt(value)]
        for b in (names, eager):
            if b is not None:
                cells.append(f"{fmt(b[key])} ({bf.ratio(value, b[key])})")
        return cells

    dash = ["-"] * (len([b for b in (names, eager) if b is not None]))
    header = [f"group of {n:,} datasets", "h5gui"]
    if names is not None:
        header.append("eager, names only (h5gui ratio)")
    if eager is not None:
        header.append("eager, shape + dtype (h5gui ratio)")
    loaded = f"{int(r['all_loaded']):,} rows"
    rows = [
        ["first rows painted after expanding (target < 0.3 s)"] + vs(r["first_paint"], "first_paint", sec),
        ["longest GUI stall while expanding (target < 50 ms)"] + vs(r["expand_stall"], "stall", sec),
        ["all rows loaded by scrolling to the end"]
        + ([sec(r["all_rows"])] if done else [f"{loaded} in {r['scroll_time']:.0f} s"])
        + ([f"{sec(b['all_rows'])}" for b in (names, eager) if b is not None]),
        ["longest GUI stall while scrolling to the end (target < 50 ms)"]
        + [f"{sec(r['scroll_stall'])} (at {loaded})"] + dash,
        ["RSS after scrolling (target < 300 MB)"]
        + ([mb(r["rss_all"])] if done else [f"{mb(r['rss_all'])} ({loaded})"])
        + [mb(b["rss_all"]) for b in (names, eager) if b is not None],
        [f"open a {int(g):,} x {int(d)} file: root rows in the tree"] + [bf.ms(r["many_rows"])] + dash,
    ]
    print(f"GUI ({bf.machine()}; Qt offscreen; stall = longest gap of a 5 ms QTimer on the GUI thread; "
          "eager baselines list the group on the GUI thread into a QStandardItemModel):\n")
    print(bf.table(header, rows))


if __name__ == "__main__":
    main()
