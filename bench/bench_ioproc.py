#!/usr/bin/env python
"""The supervised I/O process (h5gui.core.ioproc) beside the same calls on an I/O thread (no Qt).

Usage::

    python bench/bench_ioproc.py [--rounds 5] [--calls 300] [--restarts 5] [--cold 3]

Figures, each beside a baseline measured in the same run:

* round trip of a small job (a function returning None; ``nodes.describe`` of a dataset in a small
  file with the handle kept open): ``Supervisor.call`` vs ``ThreadPoolExecutor(1).submit(...).result()``
  on a thread holding its own handle pool (what the GUI's JobRunner does today);
* a 4 MB uint8 frame: an array already in memory (the transfer alone: pickle protocol 5 out of band,
  one shared memory copy each side) and ``ds[i]`` of a (16, 2048, 2048) uint8 dataset;
* crash to ready: a job SIGSEGVs its process; time until its error reaches the caller, and from the
  death being noticed until the new process is ready, fork server vs spawn;
* cold start (fresh Python processes): ``start()`` returning, and the first process ready, fork server
  (booting the server and its preload included) vs spawn;
* idle memory of the I/O process (RSS and PSS: a forked process shares the server's pages) beside a bare
  ``python -c "import numpy, h5py, hdf5plugin"``;
* with ``--gui`` (Qt offscreen), the same jobs as the GUI sees them: ``JobRunner.submit`` until
  ``on_result`` has run on the GUI thread, beside the GUI's former runner (one ``QThreadPool`` I/O thread
  whose result reaches the GUI thread through a queued signal), rebuilt here in a few lines.

Each row: the median of every round (``--calls`` calls per round, thread and process interleaved), then
the range of those medians over ``--rounds`` rounds. The machine is shared: figures move between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402

T = "h5gui.core.ioproc._testjobs"
FRAME_BYTES = 4 * 1024 * 1024


def _frames_file() -> Path:
    import h5py
    import numpy as np

    def make(p: Path) -> None:
        with h5py.File(p, "w") as f:
            data = np.resize(np.arange(251, dtype=np.uint8), (16, 2048, 2048))
            f.create_dataset("frames", data=data, chunks=(1, 2048, 2048))

    return bf._build(bf.CACHE / "frames16.h5", make)


def _compare(via_thread: Callable[[], object], via_process: Callable[[], object], rounds: int,
             n: int) -> list[str]:
    """Both warmed, then ``rounds`` interleaved medians of ``n`` calls: the process's range, the thread's,
    the added time's and the ratio of the medians."""
    via_thread()
    via_process()
    proc_med, thread_med, added = [], [], []
    for _ in range(rounds):
        t = bf.median(_timed(via_thread, n))
        p = bf.median(_timed(via_process, n))
        thread_med.append(t)
        proc_med.append(p)
        added.append(p - t)
    return [_range(proc_med), _range(thread_med), _range(added), bf.ratio(bf.median(proc_med), bf.median(thread_med))]


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _pss_rss(pid: int) -> tuple[float, float]:
    pss = rss = float("nan")
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
            elif line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def _range(values: list[float], fmt: Callable[[float], str] = bf.ms) -> str:
    return f"{fmt(bf.median(values))} ({fmt(min(values))}-{fmt(max(values))})"


def compare(sup: object, rounds: int, calls: int) -> list[list[str]]:
    from h5gui.core.h5 import files
    from h5gui.core.ioproc import FuncRef, _testjobs
    from h5gui.core.nodes import describe

    small, frames = str(bf.small_file()), str(_frames_file())
    pool = files.HandlePool()

    def in_pool(fn: Callable[..., object], *args: object) -> Callable[[], object]:
        def run() -> object:
            with files.pool_scope(pool):
                return fn(*args)
        return run

    cases = [
        ("small job (returns None)", FuncRef(T, "nothing"), (), _testjobs.nothing, "< 1 ms added"),
        ("nodes.describe of a dataset, file kept open", FuncRef("h5gui.core.nodes", "describe"),
         (small, "/images/rgb"), describe, "< 1 ms added"),
        ("4 MB frame already in memory", FuncRef(T, "cached_frame"), (FRAME_BYTES,), _testjobs.cached_frame,
         "< 5 ms added"),
        ("4 MB frame read with h5py (ds[i])", FuncRef(T, "read_frame"), (frames, "/frames", 3),
         _testjobs.read_frame, "< 5 ms added"),
        ("64 MB array already in memory (a one-shot segment)", FuncRef(T, "cached_frame"), (64 * FRAME_BYTES // 4,),
         _testjobs.cached_frame, "-"),
    ]
    rows = []
    with ThreadPoolExecutor(1) as thread:
        for label, ref, args, fn, target in cases:
            n = calls if "MB" not in label else max(20, calls // 10) if "4 MB" in label else 10
            on_thread = in_pool(fn, *args)

            def via_thread(run: Callable[[], object] = on_thread) -> object:
                return thread.submit(run).result()

            def via_process(ref: object = ref, args: tuple[object, ...] = args) -> object:
                return sup.call(ref, *args)

            rows.append([label, *_compare(via_thread, via_process, rounds, n), target])
    pool.close_all()
    return rows


def restarts(method: str, reps: int) -> tuple[list[float], list[float], int, tuple[float, float],
                                             tuple[float, float] | None]:
    from h5gui.core.errors import ReaderCrashedError
    from h5gui.core.ioproc import FuncRef, Supervisor

    sup = Supervisor(start_method=method, name=f"bench-{method}")
    try:
        sup.start()
        assert sup.wait_ready(60)
        to_error, to_ready = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            try:
                sup.call(FuncRef(T, "segfault"), timeout=60)
            except ReaderCrashedError:
                to_error.append(time.perf_counter() - t0)
            assert sup.wait_ready(60)
            sup.call(FuncRef(T, "nothing"), timeout=60)
            to_ready.append(sup.restart_seconds[-1])
        time.sleep(0.5)  # let the idle process settle before its memory is read
        pid = sup.pid
        assert pid is not None
        server = None
        if method == "forkserver":
            from multiprocessing import forkserver

            server_pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
            server = _pss_rss(server_pid) if server_pid else None
        return to_error, to_ready, pid, _pss_rss(pid), server
    finally:
        sup.shutdown()


def cold(method: str) -> dict[str, float]:
    """In a fresh process: how long ``start()`` takes to return, and until the first process is ready."""
    out = subprocess.run([sys.executable, __file__, "--cold-child", method], capture_output=True, text=True,
                         timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cold_child(method: str) -> None:
    t0 = time.perf_counter()
    from h5gui.core.ioproc import Supervisor

    imported = time.perf_counter()
    sup = Supervisor(start_method=method, name="bench-cold")
    sup.start()
    returned = time.perf_counter()
    stall, last = 0.0, returned  # what a GUI thread painting meanwhile would see: the longest gap
    while not sup.wait_ready(0):
        time.sleep(0.001)
        now = time.perf_counter()
        stall, last = max(stall, now - last - 0.001), now
    ready = time.perf_counter()
    print(json.dumps({"import": imported - t0, "start_returns": returned - imported, "ready": ready - imported,
                      "stall": stall, "h5py_here": "h5py" in sys.modules}))
    sup.shutdown()


def bare_import_memory() -> tuple[float, float]:
    code = "import numpy, h5py, hdf5plugin, os, time; print(os.getpid(), flush=True); time.sleep(30)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(p.stdout.readline())
        time.sleep(0.3)
        return _pss_rss(pid)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()


def gui_compare(rounds: int, calls: int) -> list[list[str]]:
    """Round trips through the GUI's JobRunner (I/O process) vs the former in-thread runner, result on the
    GUI thread both ways."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal

    from h5gui.core.h5 import files
    from h5gui.core.ioproc import FuncRef, Supervisor, _testjobs
    from h5gui.gui.workers import JobRunner

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])

    class Relay(QObject):
        done = Signal(object)

    class ThreadJob(QRunnable):  # the former runner: a core function on the one I/O thread
        def __init__(self, fn: Callable[..., object], args: tuple[object, ...], relay: Relay,
                     pool: files.HandlePool) -> None:
            super().__init__()
            self.fn, self.args, self.relay, self.pool = fn, args, relay, pool

        def run(self) -> None:
            with files.pool_scope(self.pool):
                self.relay.done.emit((self.fn(*self.args),))

    threads = QThreadPool()
    threads.setMaxThreadCount(1)
    pool = files.HandlePool()
    relay = Relay()
    got: list[object] = []
    relay.done.connect(got.append, Qt.ConnectionType.QueuedConnection)
    runner = JobRunner(supervisor=Supervisor(name="bench-gui"))
    runner.supervisor.wait_ready(60)

    def until_got() -> None:
        while not got:
            app.processEvents()
        got.clear()

    small, frames = str(bf.small_file()), str(_frames_file())
    from h5gui.core.nodes import describe

    cases = [
        ("small job (returns None)", FuncRef(T, "nothing"), (), _testjobs.nothing, "< 1 ms added"),
        ("nodes.describe of a dataset", FuncRef("h5gui.core.nodes", "describe"), (small, "/images/rgb"), describe,
         "< 1 ms added"),
        ("4 MB frame read with h5py (ds[i])", FuncRef(T, "read_frame"), (frames, "/frames", 3), _testjobs.read_frame,
         "< 5 ms added"),
    ]
    rows = []
    try:
        for label, ref, args, fn, target in cases:
            n = calls if "MB" not in label else max(20, calls // 10)

            def via_thread(fn: Callable[..., object] = fn, args: tuple[object, ...] = args) -> None:
                threads.start(ThreadJob(fn, args, relay, pool))
                until_got()

            def via_process(ref: FuncRef = ref, args: tuple[object, ...] = args) -> None:
                runner.submit(ref, *args, on_result=got.append, on_error=got.append)
                until_got()

            rows.append([label, *_compare(via_thread, via_process, rounds, n), target])
    finally:
        runner.shutdown()
        threads.waitForDone()
        pool.close_all()
    return rows


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--restarts", type=int, default=5)
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--cold-child", help=argparse.SUPPRESS)
    ap.add_argument("--gui", action="store_true", help="only the round trips as the GUI sees them (Qt)")
    args = ap.parse_args()
    if args.cold_child:
        _cold_child(args.cold_child)
        return

    import logging

    from h5gui.core.ioproc import Supervisor

    logging.basicConfig(level=logging.ERROR)  # the crashes below are on purpose
    print(f"# h5gui I/O process vs I/O thread ({bf.machine()}, load {os.getloadavg()[0]:.2f})\n")
    if args.gui:
        rows = gui_compare(args.rounds, args.calls)
        print(f"GUI round trips (submit to on_result on the GUI thread): median per round, range over {args.rounds}"
              " rounds")
        print(bf.table(["job", "JobRunner, I/O process", "former runner, I/O thread (baseline)", "added", "ratio",
                        "target"], rows))
        return
    sup = Supervisor(name="bench")
    sup.start()
    assert sup.wait_ready(60)
    try:
        rows = compare(sup, args.rounds, args.calls)
    finally:
        sup.shutdown()
    print(f"Round trips: median per round, range over {args.rounds} rounds")
    print(bf.table(["job", "I/O process", "I/O thread (baseline)", "added", "ratio", "target"], rows))

    rows = []
    memory = {}
    for method in ("forkserver", "spawn"):
        to_error, to_ready, _, mem, server = restarts(method, args.restarts)
        memory[method] = mem
        if server is not None:
            memory["fork server (shared by restarts)"] = server
        rows.append([method, _range(to_error), _range(to_ready), "< 1 s"])
    print(f"\nCrash (SIGSEGV in a job) to ready, {args.restarts} crashes each")
    print(bf.table(["start method", "crash to the job's error", "death noticed to new process ready", "target"],
                   rows))

    rows = []
    for method in ("forkserver", "spawn"):
        runs = [cold(method) for _ in range(args.cold)]
        rows.append([method, _range([r["start_returns"] for r in runs]), _range([r["ready"] for r in runs]),
                     _range([r["stall"] for r in runs]), _range([r["import"] for r in runs]),
                     str(any(r["h5py_here"] for r in runs))])
    print(f"\nCold start in a fresh process, {args.cold} runs each")
    print(bf.table(["start method", "start() returns", "first process ready",
                    "longest stall of the calling thread meanwhile", "import h5gui.core.ioproc",
                    "h5py imported by the parent"], rows))

    base_rss, base_pss = bare_import_memory()
    rows = [[m, mb(r), mb(p), mb(base_rss), bf.ratio(r, base_rss)] for m, (r, p) in memory.items()]
    print("\nIdle I/O process memory")
    print(bf.table(["process", "RSS", "PSS (shared pages split)", "bare import numpy+h5py+hdf5plugin RSS",
                    "ratio (RSS)"], rows))


if __name__ == "__main__":
    main()
