"""Import pyqtgraph and the plotting views ahead of time, in a background thread: an import on the GUI
thread froze the window for ~0.35 s; Python imports are thread-safe and pyqtgraph creates no widgets
while it is imported. (A view that is needed before the import is done imports it itself: Python's
import lock makes it wait for the thread's import instead of doing it twice.)"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

IMPORT_SWITCH_INTERVAL = 0.0005  # seconds, while the background import runs (Python's default: 0.005)


class Preloader:
    """``start()`` imports the views in a daemon thread, then calls ``done`` there (e.g. a Qt signal's
    ``emit``, which queues to the GUI thread); ``wait()`` lets it finish (before exiting)."""

    def __init__(self, done: Callable[[], None] | None = None) -> None:
        self._thread: threading.Thread | None = None
        self._done = done

    def start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="h5gui-preload", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        # While this thread runs Python, every call from Qt into Python on the GUI thread (a timer, each
        # data() of a painting view) waits up to the interpreter's switch interval (5 ms) for the GIL: a
        # tree repaint during the import stalled 40-60 ms. A shorter interval while it imports hands the
        # GIL back sooner.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, IMPORT_SWITCH_INTERVAL))
        try:
            import numpy  # noqa: F401  (first: pyqtgraph and the preview's records need it)

            import h5gui.gui.widgets.preview.image_view  # noqa: F401
            import h5gui.gui.widgets.preview.pg  # noqa: F401
            import h5gui.gui.widgets.preview.plot_view  # noqa: F401
        except Exception:  # pragma: no cover - the views import it again and report
            log.exception("importing pyqtgraph failed")
            return
        finally:
            sys.setswitchinterval(interval)
        if self._done is not None:
            self._done()

    def wait(self, timeout: float = 10.0) -> None:
        """Let a running import finish (exiting while a thread imports Qt modules can crash)."""
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)


class ViewWarmer(QObject):
    """Builds a view ahead of its first use: ``start()`` imports pyqtgraph in the background
    (:class:`Preloader`), then ``build()`` runs on the GUI thread once ``busy()`` is false, checked every
    :data:`RETRY_MS` (built regardless after :data:`TRIES` checks). Building the image view while the
    file's first results arrived made the longest stalls after start-up."""

    RETRY_MS = 100
    TRIES = 30
    _imported = Signal()  # from the preload thread

    def __init__(self, busy: Callable[[], bool], build: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._busy = busy
        self._build = build
        self._tries = 0
        self._preloader: Preloader | None = None
        self._imported.connect(self._try_build, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        if self._preloader is None:
            self._preloader = Preloader(self._imported.emit)
            self._preloader.start()

    def _try_build(self) -> None:
        if self._busy() and self._tries < self.TRIES:
            self._tries += 1
            QTimer.singleShot(self.RETRY_MS, self, self._try_build)
            return
        self._build()

    def wait(self, timeout: float = 10.0) -> None:
        if self._preloader is not None:
            self._preloader.wait(timeout)
