"""GUI entry point: ``h5gui [FILE ...] [--select PATH] [--screenshot PNG] [--demo]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from h5gui import __version__

if TYPE_CHECKING:
    from h5gui.gui.main_window import MainWindow


def window_size(text: str) -> tuple[int, int]:
    """``--size``: ``WxH`` in pixels (argparse turns the ValueError into one line and exit 2)."""
    w, sep, h = text.lower().partition("x")
    if not (sep and w.strip().isdigit() and h.strip().isdigit()) or int(w) < 1 or int(h) < 1:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, e.g. 1280x800, not {text!r}")
    return int(w), int(h)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="h5gui", description="A desktop workbench for HDF5 files.")
    p.add_argument("files", nargs="*", metavar="FILE", help="HDF5 files to open (read-only)")
    p.add_argument("--select", metavar="PATH", help="expand the tree to this object of the first file and select it")
    p.add_argument("--screenshot", metavar="PNG",
                   help="when everything is loaded, save a PNG of the main window and exit")
    p.add_argument("--demo", action="store_true", help="write the demo file to the data folder and open it")
    p.add_argument("--size", metavar="WxH", type=window_size, default=None, help="window size, e.g. 1280x800")
    p.add_argument("--timeout", type=float, default=60.0, help="--screenshot gives up after this many seconds")
    p.add_argument("--version", action="version", version=f"h5gui {__version__}")
    from h5gui.core.sources import add_s3_arguments

    add_s3_arguments(p)  # --endpoint-url, --profile, --anon for s3:// FILEs (never stored with a secret)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from h5gui.gui.display import EXIT_NO_DISPLAY, catch_fatal_start, headless_problem

    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a picture needs no display
    problem = headless_problem()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("h5gui")
    QCoreApplication.setApplicationName("h5gui")
    if args.screenshot:
        # reproducible pictures: neither read nor change the user's remembered layout
        import atexit
        import shutil
        import tempfile

        tmp = tempfile.mkdtemp(prefix="h5gui-shot-")
        atexit.register(shutil.rmtree, tmp, True)
        settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.Format.IniFormat)
    else:
        settings = QSettings()
    # the I/O process (h5py, the core) boots on its own thread and in its own processes while this one
    # imports Qt and builds the window
    from h5gui.gui.workers import start_reader

    reader = start_reader(settings)

    from PySide6.QtWidgets import QApplication

    release = catch_fatal_start(before_exit=lambda: reader.shutdown(timeout=1.0))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    release()

    from h5gui.gui.main_window import MainWindow

    files = _sources(args)  # before the window: its remote controller hands their S3 options to the reader
    window = MainWindow(settings, supervisor=reader)
    if args.size:
        window.resize(*args.size)
    if args.screenshot:
        # same size every time, whatever was remembered
        if not args.size:
            window.resize(1280, 800)
    window.show()
    if files:
        window.open_files(files[:1], select=args.select)
        if files[1:]:
            window.open_files(files[1:])
    if args.demo:
        window.open_demo()

    if args.screenshot:
        return _screenshot_when_idle(window, args.screenshot, args.timeout,
                                     lambda: _report_unresolved(window, files, args.select))
    return app.exec()


def _sources(args: argparse.Namespace) -> list[str]:
    """Local FILEs made absolute; s3://, http(s):// and hdf5:// addresses as the core names them, with the
    S3 options of the command line remembered for their buckets (the window replays them into its reader)."""
    from h5gui.core.errors import H5GuiError
    from h5gui.core.sources import S3Options, Source, remember_options

    out = []
    for f in args.files:
        if "://" not in f:
            out.append(os.path.abspath(f))
            continue
        try:
            opts = S3Options.from_namespace(args)
            src = Source.parse(f, opts if f.lower().startswith("s3://") else None)
        except H5GuiError as exc:
            print(f"h5gui: {exc}", file=sys.stderr)
            continue
        if src.kind == "s3" and not opts.is_default:
            remember_options(src)
        out.append(src.url)
    return out


def _screenshot_when_idle(window: MainWindow, out: str, timeout: float, check: Callable[[], int]) -> int:
    """Save a PNG of ``window`` once nothing has been pending for a moment (or after ``timeout`` s); the
    exit code is the larger of the PNG's and ``check()``'s (run before the window closes)."""
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    start = time.monotonic()
    idle_since: float | None = None
    result = [0]

    def poll() -> None:
        nonlocal idle_since
        now = time.monotonic()
        if window.is_idle():
            if idle_since is None:
                idle_since = now
            elif now - idle_since >= 0.25:  # let the last signals paint
                finish(0)
                return
        else:
            idle_since = None
        if now - start > timeout:
            print(f"h5gui: still busy after {timeout:.0f} s; saving the screenshot anyway", file=sys.stderr)
            finish(1)

    def finish(code: int) -> None:
        timer.stop()
        QApplication.processEvents()
        if not window.grab().save(out):
            print(f"h5gui: cannot write {out}", file=sys.stderr)
            code = 1
        status = window.status_text()
        if status:
            print(status, file=sys.stderr)
        result[0] = max(code, check())
        window.close()
        QApplication.quit()

    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(poll)
    timer.start()
    QCoreApplication.exec()
    return result[0]


def _report_unresolved(window: MainWindow, files: list[str], select: str | None) -> int:
    """After a screenshot: 1 (and one line each) when a file did not open or ``select`` was not selected."""
    import posixpath

    from h5gui.core.sources import Source

    code = 0
    for f in files:  # named as the window names the files it opens
        if not window.session.is_open(Source.parse(f).url):
            print(f"h5gui: {f} did not open", file=sys.stderr)
            code = 1
    if select and files and code == 0:
        node = window.current_node()
        want = posixpath.normpath("/" + select.strip("/"))
        if node is None or node.path != want:
            shown = f"{node.path} is selected" if node is not None else "nothing is selected"
            print(f"h5gui: --select {select}: not found in {files[0]} ({shown})", file=sys.stderr)
            code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
