"""Import pyqtgraph and the plotting views ahead of time, in a background thread: an import on the GUI
thread froze the window for ~0.35 s; Python imports are thread-safe and pyqtgraph creates no widgets
while it is imported. (A view that is needed before the import is done imports it itself: Python's
import lock makes it wait for the thread's import instead of doing it twice.)"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

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
