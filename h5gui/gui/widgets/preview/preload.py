"""Import pyqtgraph and the plotting views ahead of time, in a background thread: an import on the GUI
thread froze the window for ~0.35 s; Python imports are thread-safe and pyqtgraph creates no widgets
while it is imported. (A view that is needed before the import is done imports it itself: Python's
import lock makes it wait for the thread's import instead of doing it twice.)"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

# PySide makes a Qt class's Python type (and its enums) when it is first used; pyqtgraph's import uses
# every one (``pyqtgraph.Qt._copy_attrs``). Made in the preload thread while the GUI thread used Qt, that
# crashed the app now and then (SIGSEGV in the GUI thread; 3 of 108 loaded start-ups). They are made on the
# GUI thread first, a few milliseconds per turn of the event loop, and the thread starts after.
QT_MODULES = ("PySide6.QtSvg", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtTest",
              "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets")
PRIME_SLICE = 0.006  # seconds of that work per turn of the event loop


def qt_types() -> Iterator[str]:
    """Import the Qt modules pyqtgraph uses and make every type they have, one per step (yields names)."""
    for name in QT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # pyqtgraph does without (e.g. no OpenGL)
            log.debug("no %s", name)
            continue
        yield name
        for attr in dir(module):
            try:
                getattr(module, attr)
            except Exception:  # an attribute PySide cannot make: pyqtgraph's import will say
                log.debug("%s.%s", name, attr, exc_info=True)
            yield attr


class Preloader:
    """``start()`` imports the views in a daemon thread; ``wait()`` lets it finish (before exiting)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="h5gui-preload", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            import numpy  # noqa: F401  (first: pyqtgraph and the preview's records need it)

            import h5gui.gui.widgets.preview.image_view  # noqa: F401
            import h5gui.gui.widgets.preview.pg  # noqa: F401
            import h5gui.gui.widgets.preview.plot_view  # noqa: F401
        except Exception:  # pragma: no cover - the views import it again and report
            log.exception("importing pyqtgraph failed")

    def wait(self, timeout: float = 10.0) -> None:
        """Let a running import finish (exiting while a thread imports Qt modules can crash)."""
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)


class ViewWarmer(QObject):
    """Gets pyqtgraph ready ahead of the first plotting view: ``start()`` makes the Qt types it uses on
    the GUI thread (:func:`qt_types`, :data:`PRIME_SLICE` per turn of the event loop), then imports it in
    the background (:class:`Preloader`). The views themselves are built on first use: building the image
    view while the app was idle after start-up made its longest stalls (70-90 ms), and on first use it
    costs 35-50 ms of a first view that stays under 0.15 s."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._preloader: Preloader | None = None
        self._priming: Iterator[str] | None = None

    def start(self) -> None:
        if self._preloader is None and self._priming is None:
            self._priming = qt_types()
            self._prime()

    def _prime(self) -> None:
        assert self._priming is not None
        end = time.perf_counter() + PRIME_SLICE
        for _ in self._priming:
            if time.perf_counter() > end:
                QTimer.singleShot(0, self, self._prime)
                return
        self._preloader = Preloader()
        self._preloader.start()

    def wait(self, timeout: float = 10.0) -> None:
        if self._preloader is not None:
            self._preloader.wait(timeout)
