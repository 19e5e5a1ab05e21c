#!/usr/bin/env python
"""Start-up of ``h5gui FILE``: time until the window is painted, memory once the file's root rows show.

Usage::

    python bench/bench_startup.py [--reps 5] [FILE]

Every figure is a fresh process (QT_QPA_PLATFORM=offscreen, settings and data folders in a temporary
HOME, so nothing is restored). The parent notes ``time.monotonic()`` just before it starts the child
and passes it in ``H5GUI_BENCH_T0``; ``time.monotonic()`` is one system-wide clock on Linux, so the
child reports its milestones from the moment it was launched:

* h5gui: the child runs ``h5gui.app.main([FILE])`` exactly as the ``h5gui`` command does, with
  ``QApplication.exec`` wrapped to watch the main window: "window painted" is when the first paint
  event of any of its widgets has been handled, "root rows" when the file's first rows are in the
  tree; RSS (``/proc/self/statm``) is read then, and the window closed.
* baselines: ``python -c pass``; ``python -c "import PySide6.QtWidgets"`` (the issue's reference);
  a minimal ``QApplication`` + ``QMainWindow`` (1280 x 800) shown and painted, watched the same way.

Wall = launch to exit of the whole process; peak RSS from ``wait4``. Medians of ``--reps`` runs.
Bytecode is cached (in /tmp/h5gui-bench/pycache, as after ``pip install``); one extra line shows h5gui
with ``PYTHONDONTWRITEBYTECODE=1`` and no cache (an editable install in such an environment).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402

# shared by the child drivers: milestones relative to the launch, RSS from /proc
_PRELUDE = r"""
import os, sys, time, json
T0 = float(os.environ["H5GUI_BENCH_T0"])
MARKS = {"interpreter": time.monotonic() - T0}
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
def mark(name):
    MARKS.setdefault(name, time.monotonic() - T0)
def pss_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
IDLE = float(os.environ.get("H5GUI_BENCH_IDLE", "0"))  # seconds of GUI-thread gaps recorded after the paint
"""

_WATCH = r"""
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

class Gaps(QObject):
    # a 5 ms timer on the GUI thread: the gaps between its ticks after the first paint are the stalls
    def __init__(self):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.tick)
        self.last = None
        self.gaps = []
        self.timer.start()
    def tick(self):
        now = time.monotonic()
        if "painted" in MARKS and self.last is not None:
            self.gaps.append(now - self.last)
        self.last = now
    def report(self):
        MARKS["idle_max_gap"] = max(self.gaps, default=float("nan"))
        MARKS["idle_over_50"] = sum(1 for g in self.gaps if g > 0.05)
        MARKS["idle_ticks"] = len(self.gaps)

class Watch(QObject):
    # notes when a widget of `window` has handled its first paint event
    def __init__(self, window):
        super().__init__()
        self.window = window
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "painted" not in MARKS and obj.isWidgetType() \
                and obj.window() is self.window:
            QTimer.singleShot(0, lambda: mark("painted"))
        return False
"""

IMPORT_ONLY = _PRELUDE + r"""
import PySide6.QtWidgets
mark("imported")
MARKS["rss"] = rss_mb()
print(json.dumps(MARKS))
"""

MINIMAL_WINDOW = _PRELUDE + _WATCH + r"""
mark("imported")
app = QApplication(sys.argv[:1])
win = __import__("PySide6.QtWidgets", fromlist=["QMainWindow"]).QMainWindow()
win.setWindowTitle("baseline")
win.resize(1280, 800)
watch = Watch(win)
app.installEventFilter(watch)
gaps = Gaps()
win.show()
def poll():
    if "painted" in MARKS and time.monotonic() - T0 >= MARKS["painted"] + IDLE:
        MARKS["rss"] = rss_mb()
        gaps.report()
        timer.stop()
        win.close()
        app.quit()
timer = QTimer()
timer.setInterval(2)
timer.timeout.connect(poll)
timer.start()
app.exec()
print(json.dumps(MARKS))
"""

H5GUI = _PRELUDE + _WATCH + r"""
FILE = sys.argv[1] if len(sys.argv) > 1 else None
_exec = QApplication.exec

def exec_watched(*args, **kwargs):
    from h5gui.gui.main_window import MainWindow
    app = QApplication.instance()
    mark("exec")
    win = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
    watch = Watch(win)
    app.installEventFilter(watch)
    gaps = Gaps()
    def rows_shown():
        if FILE is None:
            return True
        idx = win.model.file_index(FILE)
        return idx.isValid() and win.model.node(idx).loaded > 0
    def poll():
        if "root_rows" not in MARKS and rows_shown():
            mark("root_rows")
            MARKS["rss"] = rss_mb()
            import multiprocessing.forkserver as fs
            sup = getattr(win.runner, "supervisor", None)  # None: a version with an I/O thread
            io_pid = sup.pid if sup is not None else None
            server = getattr(fs._forkserver, "_forkserver_pid", None)
            MARKS["pss_gui"] = pss_mb(os.getpid())
            MARKS["pss_io"] = pss_mb(io_pid) if io_pid else 0.0
            MARKS["pss_server"] = pss_mb(server) if server else 0.0
        if "painted" in MARKS and "root_rows" in MARKS and time.monotonic() - T0 >= MARKS["painted"] + IDLE:
            gaps.report()
            timer.stop()
            win.close()
            app.quit()
        elif time.monotonic() - T0 > 60:
            MARKS["timeout"] = True
            timer.stop()
            win.close()
            app.quit()
    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(poll)
    timer.start()
    return _exec()

QApplication.exec = exec_watched
from h5gui.app import main
import h5gui.gui.main_window as _mw  # what main() imports first thing; imported here to time it apart
mark("imported")
_init = _mw.MainWindow.__init__
def _timed_init(self, *args, **kwargs):
    mark("window_init")
    _init(self, *args, **kwargs)
    mark("window_built")
_mw.MainWindow.__init__ = _timed_init
code = main([FILE] if FILE else [])
mark("exited")
MARKS["code"] = code
print(json.dumps(MARKS))
"""


def run(code: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Launch ``python -c code args``; return the child's marks plus wall time and peak RSS."""
    t0 = time.monotonic()
    env = dict(env, H5GUI_BENCH_T0=repr(t0))
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{err[-3000:]}")
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
    marks: dict[str, float] = json.loads(lines[-1]) if lines else {}
    marks["wall"] = wall
    marks["peak_rss"] = usage.ru_maxrss / 1024  # KiB -> MiB
    return marks


def heaviest_imports(env: dict[str, str], top: int = 8) -> list[tuple[str, float]]:
    """Packages by import time (self times summed per top-level package) of the GUI's modules."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import h5gui.app, h5gui.gui.main_window"],
        env=env, capture_output=True, text=True,
    )
    total: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            name = m.group(2)
            pkg = name if name.startswith("h5gui.") else name.split(".")[0]
            total[pkg] = total.get(pkg, 0.0) + int(m.group(1)) / 1e6
    return sorted(total.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="HDF5 file to open (default: a small generated file)")
    p.add_argument("--reps", type=int, default=5, help="runs per figure (medians)")
    p.add_argument("--idle", type=float, default=3.0,
                   help="seconds after the first paint during which GUI-thread gaps are recorded (0: skip)")
    p.add_argument("--before", metavar="DIR",
                   help="also run an earlier version of h5gui (a checkout or `git archive` of it in DIR), "
                        "interleaved with this one, for a same-run comparison")
    args = p.parse_args()

    t_start = time.perf_counter()
    print(f"bench_startup: {bf.machine()}, {args.reps} runs each, medians")
    file = os.path.abspath(args.file) if args.file else str(bf.small_file())
    home = tempfile.mkdtemp(prefix="h5gui-bench-home-")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), XDG_CACHE_HOME=os.path.join(home, "cache"),
               XDG_RUNTIME_DIR=home)
    os.chmod(home, 0o700)
    # bytecode cached as after `pip install` (which compiles .pyc files), kept outside the checkout
    no_pyc = dict(env, PYTHONDONTWRITEBYTECODE="1")
    no_pyc.pop("PYTHONPYCACHEPREFIX", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(bf.CACHE / "pycache")
    try:
        # warm the OS caches and write the bytecode cache, not measured
        for _ in range(2):
            run(H5GUI, [file], env)
        cases = {
            "pass": ("python -c pass", "import sys\nprint('{}')", [], env),
            "import": ('python -c "import PySide6.QtWidgets"', IMPORT_ONLY, [], env),
            "window": ("QApplication + QMainWindow shown", MINIMAL_WINDOW, [], env),
            "h5gui_nofile": ("h5gui (no file: start page)", H5GUI, [], env),
            "h5gui": (f"h5gui {os.path.basename(file)}", H5GUI, [file], env),
            "h5gui_nopyc": (f"h5gui {os.path.basename(file)}, no .pyc cache", H5GUI, [file], no_pyc),
        }
        if args.idle > 0:
            idle_env = dict(env, H5GUI_BENCH_IDLE=str(args.idle))
            cases["window_idle"] = (f"QMainWindow, then {args.idle:g} s idle", MINIMAL_WINDOW, [], idle_env)
            cases["h5gui_idle"] = (f"h5gui {os.path.basename(file)}, then {args.idle:g} s idle", H5GUI, [file],
                                   idle_env)
        if args.before:
            before = dict(env, PYTHONPATH=os.path.abspath(args.before))
            cases["before"] = (f"before: h5gui {os.path.basename(file)}", H5GUI, [file], before)
            if args.idle > 0:
                cases["before_idle"] = (f"before: h5gui, then {args.idle:g} s idle", H5GUI, [file],
                                        dict(before, H5GUI_BENCH_IDLE=str(args.idle)))
        results: dict[str, list[dict[str, float]]] = {k: [] for k in cases}
        for _ in range(args.reps):  # interleaved, so that drifts of the machine hit every case alike
            for key, (_label, code, extra, case_env) in cases.items():
                results[key].append(run(code, extra, case_env))
        imports = heaviest_imports(env)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    def med(key: str, field: str) -> float:
        return bf.median([r[field] for r in results[key] if field in r])

    if any(r.get("timeout") for r in results["h5gui"]):
        print("WARNING: h5gui did not show the file's rows within 60 s in some runs")
    print(f"\n{'process':38s} {'painted':>9s} {'root rows':>10s} {'wall':>9s} {'RSS':>8s} {'peak RSS':>9s}")
    for key, (label, _code, _extra, _env) in cases.items():
        painted = med(key, "painted")
        rows = med(key, "root_rows")
        rss = med(key, "rss")
        print(f"{label:38s} {bf.ms(painted):>9s} {bf.ms(rows):>10s} {bf.ms(med(key, 'wall')):>9s} "
              f"{(f'{rss:.0f} MB' if rss == rss else 'n/a'):>8s} {med(key, 'peak_rss'):>6.0f} MB")
    h = results["h5gui"]
    print(f"\nh5gui milestones (median): interpreter up {bf.ms(med('h5gui', 'interpreter'))}, modules imported "
          f"{bf.ms(med('h5gui', 'imported'))}, MainWindow() from {bf.ms(med('h5gui', 'window_init'))} to "
          f"{bf.ms(med('h5gui', 'window_built'))}, event loop entered "
          f"{bf.ms(med('h5gui', 'exec'))}, window painted {bf.ms(med('h5gui', 'painted'))}, root rows "
          f"{bf.ms(med('h5gui', 'root_rows'))}; all runs painted: "
          + ", ".join(bf.ms(r.get("painted", float("nan"))) for r in h))
    print("import time of h5gui.app + h5gui.gui.main_window by package (one run, -X importtime, self times): "
          + ", ".join(f"{name} {bf.ms(t)}" for name, t in imports))

    shown = med("h5gui", "painted")
    rss = med("h5gui", "rss")
    imp_wall = med("import", "wall")
    imp_rss = med("import", "rss")
    win_shown = med("window", "painted")
    win_rss = med("window", "rss")
    print(f"\nratios: window painted / `import PySide6.QtWidgets` wall = {bf.ratio(shown, imp_wall)}, "
          f"/ minimal QMainWindow painted = {bf.ratio(shown, win_shown)}; RSS / import = {bf.ratio(rss, imp_rss)}, "
          f"/ minimal window = {bf.ratio(rss, win_rss)}")
    print(f"targets: window shown < 0.6 s: {bf.ms(shown)} -> {'OK' if shown < 0.6 else 'MISSED'}; "
          f"RSS < 150 MB after opening a small file: {rss:.0f} MB -> {'OK' if rss < 150 else 'MISSED'}")
    pss = {k: med("h5gui", f"pss_{k}") for k in ("gui", "io", "server")}
    print(f"memory with the file open (PSS, shared pages split): GUI process {pss['gui']:.0f} MB, I/O process "
          f"{pss['io']:.0f} MB, fork server {pss['server']:.0f} MB, together {sum(pss.values()):.0f} MB")
    if args.idle > 0:
        for key in ("window_idle", "h5gui_idle", "before_idle"):
            if key in results:
                print(f"{cases[key][0]}: longest GUI-thread gap {bf.ms(med(key, 'idle_max_gap'))} (median of runs; "
                      "each run: " + ", ".join(bf.ms(r.get("idle_max_gap", float("nan"))) for r in results[key])
                      + f"), gaps > 50 ms per run {med(key, 'idle_over_50'):.0f}")
    print(f"total run time {time.perf_counter() - t_start:.0f} s\n")

    print(f"Start-up ({bf.machine()}; Qt offscreen; median of {args.reps} fresh processes; time from launch):\n")
    rows = [
        [f"`h5gui {os.path.basename(file)}`: window painted (target < 0.6 s)", bf.ms(shown),
         f"{bf.ms(imp_wall)} ({bf.ratio(shown, imp_wall)})", f"{bf.ms(win_shown)} ({bf.ratio(shown, win_shown)})"],
        ["... file's root rows in the tree", bf.ms(med("h5gui", "root_rows")), "-", "-"],
        ["... window painted without a .pyc cache", bf.ms(med("h5gui_nopyc", "painted")),
         f"({bf.ratio(med('h5gui_nopyc', 'painted'), imp_wall)})", f"({bf.ratio(med('h5gui_nopyc', 'painted'), win_shown)})"],
        ["RSS with the file open (target < 150 MB)", f"{rss:.0f} MB",
         f"{imp_rss:.0f} MB ({bf.ratio(rss, imp_rss)})", f"{win_rss:.0f} MB ({bf.ratio(rss, win_rss)})"],
    ]
    if args.idle > 0:
        gap, win_gap = med("h5gui_idle", "idle_max_gap"), med("window_idle", "idle_max_gap")
        rows.append([f"longest GUI-thread gap in the {args.idle:g} s after the paint (target < 50 ms)", bf.ms(gap), "-",
                     f"{bf.ms(win_gap)} ({bf.ratio(gap, win_gap)})"])
    if args.before:
        b_shown, b_rows = med("before", "painted"), med("before", "root_rows")
        rows.append(["before (earlier version, same run): window painted / root rows",
                     f"{bf.ms(b_shown)} / {bf.ms(b_rows)}", f"now / before: {bf.ratio(shown, b_shown)} / "
                     f"{bf.ratio(med('h5gui', 'root_rows'), b_rows)}", "-"])
        if args.idle > 0:
            b_gap = med("before_idle", "idle_max_gap")
            rows.append(["before: longest gap after the paint", bf.ms(b_gap),
                         f"now / before: {bf.ratio(med('h5gui_idle', 'idle_max_gap'), b_gap)}", "-"])
    print(bf.table(["start-up", "h5gui", "`python -c \"import PySide6.QtWidgets\"` (ratio)",
                    "QApplication + QMainWindow shown (ratio)"], rows))


if __name__ == "__main__":
    main()
