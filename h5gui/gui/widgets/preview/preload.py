"""Import pyqtgraph and the plotting views ahead of time, in a background thread: an import on the GUI
thread froze the window for ~0.35 s; Python imports are thread-safe and pyqtgraph creates no widgets
while it is imported."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class Preloader(QObject):
    """``start()`` imports the views in a thread; ``loaded`` is emitted (queued to the GUI thread) when done."""

    loaded = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="h5gui-preload", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            import h5gui.gui.widgets.preview.image_view  # noqa: F401
            import h5gui.gui.widgets.preview.pg  # noqa: F401
            import h5gui.gui.widgets.preview.plot_view  # noqa: F401
        except Exception:  # pragma: no cover - the views import it again and report
            log.exception("importing pyqtgraph failed")
            return
        self.loaded.emit()

    def wait(self, timeout: float = 10.0) -> None:
        """Let a running import finish (exiting while a thread imports Qt modules can crash)."""
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)
