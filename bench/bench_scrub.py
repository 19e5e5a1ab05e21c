#!/usr/bin/env python
"""Scrubbing a big stack, h5gui side by side with hdf5view (issue 16): first frame, frame step, longest
stall while dragging the slider.

Usage::

    pip install --no-deps hdf5view==0.2.7 qtpy   # the peer (PySide6, pyqtgraph, h5py are h5gui's)
    python bench/bench_scrub.py [--rounds 3] [--steps 40] [--drag 300] [--baseline-src DIR]

``--baseline-src DIR``: a third viewer in the same alternation, h5gui imported from ``DIR`` (e.g. an
earlier commit unpacked with ``git archive COMMIT h5gui | tar -x -C DIR``): before/after in one run.

File (written once, cached in ``/tmp/h5gui-bench/``): ``/stack`` (2000, 1024, 1024) uint16, 4 GiB, one
chunk per frame, pixel [0, 0] of frame k holds k (the frame on screen is checked); ``/other`` a small
stack selected first (so the image view exists, as after any earlier click).

Each round runs one fresh process per viewer, alternating (h5gui, hdf5view, h5gui, ...), Qt offscreen,
window 1280x800. In each:

* first frame: the page cache of the file dropped, ``/stack`` selected in the tree while the image view
  shows ``/other``; time until the viewport has painted frame 0;
* frame step, warm: the slider moved to frame k (k = 1..steps, pages already cached) until frame k is
  painted; median;
* drag: the slider moved every 10 ms over ``--drag`` cold frames (as a mouse drag does); the longest
  gap of a 5 ms timer on the GUI thread, and how long the last frame took to show after the drag.

"Painted" is the end of the viewport's paint event that first shows the frame (the event is handled
inside the watch's filter, so the time does not include whatever else the event loop runs next).

hdf5view reads each frame on the GUI thread when the slider moves; h5gui reads in its I/O process and
shows the newest frame asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402

N, SIDE = 2000, 1024


def scrub_file() -> Path:
    def make(p: Path) -> None:
        import h5py
        import numpy as np

        with h5py.File(p, "w") as f:
            ds = f.create_dataset("stack", (N, SIDE, SIDE), "u2", chunks=(1, SIDE, SIDE))
            base = (np.arange(SIDE * SIDE, dtype=np.uint32).reshape(SIDE, SIDE) % 4096).astype("u2")
            for k in range(N):
                frame = base.copy()
                frame[0, 0] = k
                ds[k] = frame
            f["other"] = np.full((4, 64, 64), 7, dtype="u2")

    return bf._build(Path("/tmp/h5gui-bench/scrub.h5"), make)


# ------------------------------------------------------------------------------------------------
# one viewer in this process


def paint_watch(widget: object) -> object:
    """Like ``bench_gui.PaintWatch``, but ``painted_at`` is the end of the paint event itself: the event is
    handled inside the filter (then not again), instead of a zero timer that runs after every event
    already queued (other jobs' results, a second paint)."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.cond = lambda: False
            self.painted_at: float | None = None
            widget.installEventFilter(self)  # type: ignore[attr-defined]

        def arm(self, cond: object) -> None:
            self.cond = cond  # type: ignore[assignment]
            self.painted_at = None

        def eventFilter(self, obj: object, event: object) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and self.painted_at is None and self.cond():  # type: ignore[attr-defined]
                obj.event(event)  # type: ignore[attr-defined]
                self.painted_at = time.perf_counter()
                return True
            return False

    return Watch()


class Viewer:
    """What the measurement needs of a viewer: select a path, move the slider, the frame painted."""

    def __init__(self, app: object, file: str) -> None:
        self.app, self.file = app, file

    def select(self, path: str) -> None: ...

    def set_frame(self, k: int) -> None: ...

    def frame_shown(self) -> int | None: ...

    def viewport(self) -> object: ...


class H5guiViewer(Viewer):
    def __init__(self, app: object, file: str) -> None:
        import tempfile

        from bench_gui import wait_until
        from PySide6.QtCore import QSettings

        from h5gui.gui.main_window import MainWindow

        super().__init__(app, file)
        tmp = tempfile.mkdtemp(prefix="h5gui-bench-scrub-")
        self.win = MainWindow(QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat), data_dir=tmp)
        self.win.resize(1280, 800)
        self.win.show()
        self.win.open_files([file])
        wait_until(app, lambda: file in self.win.model.files() and self.win.is_idle(), 60)  # type: ignore[arg-type]

    def select(self, path: str) -> None:
        self.win.select_path(self.file, path)

    def set_frame(self, k: int) -> None:
        self.win.preview.axes_bar.set_position(0, k)

    def frame_shown(self) -> int | None:
        view = self.win.preview.image_view
        s = getattr(view, "slice", None)
        if s is None or s.data.shape != (SIDE, SIDE) or self.win.preview.stack.currentWidget() is not view:
            return None
        return int(s.data[0, 0])

    def viewport(self) -> object:
        return self.win.preview.image_view.graphics.viewport()


class Hdf5viewViewer(Viewer):
    def __init__(self, app: object, file: str) -> None:
        os.environ.setdefault("QT_API", "pyside6")
        import hdf5view
        from bench_gui import wait_until
        from hdf5view.mainwindow import MainWindow
        from PySide6.QtCore import QDir

        QDir.addSearchPath("icons", os.path.join(os.path.dirname(hdf5view.__file__), "resources", "images"))
        super().__init__(app, file)
        self.main = MainWindow(app)
        self.main.resize(1280, 800)
        self.main.show()
        self.main.open_file(file)
        self.hw = self.main.tabs.currentWidget()
        wait_until(app, lambda: False, 0.2)  # type: ignore[arg-type]
        self.select("/other")
        self.hw.add_image()  # the Image tab, as the user adds it once
        self.iv = self.hw.tabs.currentWidget()

    def _index(self, path: str) -> object:
        root = self.hw.tree_model.item(0)
        for r in range(root.rowCount()):
            child = root.child(r)
            if child.text() == path.strip("/"):
                return child.index()
        raise KeyError(path)

    def select(self, path: str) -> None:
        self.hw.tree_view.setCurrentIndex(self._index(path))

    def set_frame(self, k: int) -> None:
        self.iv.scrollbar.setValue(k)

    def frame_shown(self) -> int | None:
        img = self.iv.image_item.image
        if img is None or img.shape != (SIDE, SIDE):
            return None
        return int(img[0, 0])

    def viewport(self) -> object:
        return self.iv.image_item.scene().views()[0].viewport()


def child(which: str, file: str, steps: int, n_drag: int) -> dict[str, float]:
    from bench_gui import Probe, wait_until
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    viewer: Viewer = Hdf5viewViewer(app, file) if which == "hdf5view" else H5guiViewer(app, file)
    idle = lambda s: wait_until(app, lambda: False, s)  # noqa: E731
    viewer.select("/other")
    idle(1.0)  # the views are built and the background imports done
    watch: Any = paint_watch(viewer.viewport())

    def shown(k: int, t0: float, timeout: float = 30) -> float:
        watch.arm(lambda: viewer.frame_shown() == k)
        ok = wait_until(app, lambda: watch.painted_at is not None, timeout)
        return (watch.painted_at - t0) if ok and watch.painted_at else float("nan")

    r: dict[str, float] = {}
    bf.drop_page_cache(file)
    probe = Probe()
    t0 = time.perf_counter()
    viewer.select("/stack")
    r["first"] = shown(0, t0)
    r["first_stall"] = probe.longest()
    idle(0.3)
    import h5py

    # warm the pages of the stepped frames (hdf5view holds the file open with HDF5's default locking)
    with h5py.File(file, "r", locking=False if which != "hdf5view" else None) as f:
        for k in range(1, steps + 1):
            f["stack"][k]
    times = []
    probe.reset()
    for k in range(1, steps + 1):
        idle(0.02)
        t0 = time.perf_counter()
        viewer.set_frame(k)
        times.append(shown(k, t0))
    r["step"] = bf.median(times)
    r["step_max"] = max(times)
    # drag over cold frames: a move every 10 ms
    first = 1000
    bf.drop_page_cache(file)
    state = {"i": 0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)

    def move() -> None:
        if state["i"] >= n_drag:
            timer.stop()
            state["end"] = time.perf_counter()
            return
        viewer.set_frame(first + state["i"])
        state["i"] += 1

    timer.timeout.connect(move)
    probe.reset()
    t0 = time.perf_counter()
    timer.start()
    wait_until(app, lambda: "end" in state, 120)
    last = first + n_drag - 1
    r["drag_settle"] = shown(last, state["end"])
    r["drag_stall"] = probe.longest()
    r["drag_time"] = state["end"] - t0
    probe.timer.stop()
    if which != "hdf5view":
        viewer.win.close()  # type: ignore[attr-defined]
        app.processEvents()
        viewer.win.runner.shutdown()  # type: ignore[attr-defined]
    return r


# ------------------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--drag", type=int, default=300)
    p.add_argument("--baseline-src", help="also run h5gui imported from this folder (an earlier version)")
    p.add_argument("--child", choices=("h5gui", "hdf5view", "h5gui-base"), help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.file, args.steps, args.drag)), flush=True)
        os._exit(0)
    print(f"bench_scrub: {bf.machine()}")
    print("preparing the 4 GiB stack (first run only)...", flush=True)
    file = str(scrub_file())
    viewers = ["h5gui", "hdf5view"] + (["h5gui-base"] if args.baseline_src else [])
    results: dict[str, list[dict[str, float]]] = {v: [] for v in viewers}
    for rnd in range(args.rounds):
        for which in viewers if rnd % 2 == 0 else viewers[::-1]:
            env = dict(os.environ)
            if which == "h5gui-base":
                env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(args.baseline_src), env.get("PYTHONPATH", "")])
            for attempt in (1, 2):  # a child that dies (a crash in Qt at exit, an OOM kill) runs once more
                out = subprocess.run([sys.executable, "-X", "faulthandler", __file__, "--child", which, "--file", file,
                                      "--steps", str(args.steps), "--drag", str(args.drag)], capture_output=True,
                                     text=True, timeout=600, env=env)
                line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
                if line:
                    break
                print(f"{which} failed (exit code {out.returncode}, attempt {attempt}):\n{out.stdout[-2000:]}\n"
                      f"{out.stderr[-3000:]}", flush=True)
            if not line:
                sys.exit(f"{which} failed twice")
            results[which].append(json.loads(line[-1][7:]))
            print(f"round {rnd + 1} {which}: " + ", ".join(f"{k} {bf.ms(v)}" for k, v in results[which][-1].items()),
                  flush=True)

    def rng(which: str, key: str) -> str:
        vals = sorted(r[key] for r in results[which])
        return f"{bf.ms(vals[0])}-{bf.ms(vals[-1])}" if len(vals) > 1 else bf.ms(vals[0])

    def med(which: str, key: str) -> float:
        return bf.median([r[key] for r in results[which]])

    rows = []
    for label, key, target in (("first frame after selecting, cold", "first", "ahead of hdf5view"),
                               ("GUI stall while showing the first frame", "first_stall", "< 50 ms"),
                               ("frame step, warm (median of steps)", "step", "ahead, < 16 ms"),
                               (f"longest stall while dragging over {args.drag} cold frames", "drag_stall",
                                "ahead, < 50 ms"),
                               ("last frame shown after the drag ends", "drag_settle", "")):
        base = [rng("h5gui-base", key)] if args.baseline_src else []
        rows.append([label, rng("h5gui", key), rng("hdf5view", key),
                     bf.ratio(med("h5gui", key), med("hdf5view", key)), *base, target])
    print(f"\n(2000, 1024, 1024) uint16, one chunk per frame; ranges over {args.rounds} alternating rounds; "
          "ratio of the medians (h5gui / hdf5view)")
    print(bf.table(["", "h5gui", "hdf5view 0.2.7", "ratio", *(["h5gui before"] if args.baseline_src else []),
                    "target"], rows))


if __name__ == "__main__":
    main()
