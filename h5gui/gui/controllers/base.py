"""What every controller holds (the widget to parent dialogs on, the session, the I/O runner and the
notifier) and the few things every one of them does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from h5gui.core.ioproc.funcref import FuncRef
from h5gui.gui.session import Notifier, Session
from h5gui.gui.widgets.job_dialog import JobDialog
from h5gui.gui.workers import JobRunner

Change = tuple[str, str, str | None]  # (file, group that changed, path to select or None)


class Controller:
    """Base of the controllers: ``parent`` for dialogs, ``session``, ``runner`` and ``notifier``."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier) -> None:
        self.parent = parent
        self.session = session
        self.runner = runner
        self.notifier = notifier

    def require_writable(self, file: str) -> bool:
        """True when ``file`` is open for editing; otherwise say so in the status bar."""
        reason = self.session.read_only_reason(file)
        if reason:
            self.notifier.show_error(reason)
            return False
        return True

    def done(self, text: str, *changes: Change) -> Callable[[object], None]:
        """A result callback: show ``text`` in the status bar, then list the changed groups again."""

        def on_result(_result: object) -> None:
            self.notifier.show_status(text)
            for file, group, select in changes:
                self.notifier.group_changed(file, group, select)

        return on_result

    def run_with_dialog(self, title: str, fn: FuncRef, *args: Any, on_result: Callable[[Any], None],
                        **kwargs: Any) -> None:
        """Run a long job with a small progress dialog that can cancel it."""
        dialog = JobDialog(self.parent, title)
        dialog.progress.run(self.runner, fn, *args, text=title + "...", on_result=on_result,
                            on_error=self.notifier.show_error, **kwargs)
        dialog.show()
