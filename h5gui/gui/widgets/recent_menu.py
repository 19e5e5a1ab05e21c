"""File > Open Recent and the start page's list: the last files opened, remembered in the settings."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from h5gui.gui.widgets.start_page import StartPage

MAX_RECENT = 10


class RecentFiles:
    """The recent files (newest first) in ``settings``, shown in ``menu`` and on ``start_page``;
    choosing one calls ``open_file(path)``."""

    def __init__(self, settings: QSettings, menu: QMenu, start_page: StartPage,
                 open_file: Callable[[str], None]) -> None:
        self.settings = settings
        self.menu = menu
        self.start_page = start_page
        self.open_file = open_file
        self.update()

    def files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    def add(self, path: str) -> None:
        recent = [p for p in self.files() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent_files", recent[:MAX_RECENT])
        self.update()

    def clear(self) -> None:
        self.settings.setValue("recent_files", [])
        self.update()

    def update(self) -> None:
        """Show the list again in the menu and on the start page."""
        self.menu.clear()
        recent = self.files()
        for i, p in enumerate(recent):
            act = self.menu.addAction(f"&{(i + 1) % 10}  {os.path.basename(p)}  \u2014  {short_folder(p)}")
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open_file(path))
        if recent:
            self.menu.addSeparator()
            clear = self.menu.addAction("Clear list")
            clear.triggered.connect(self.clear)
        self.menu.setEnabled(bool(recent))
        self.show_on_start_page()

    def show_on_start_page(self) -> None:
        self.start_page.set_recent(self.files())


def short_folder(path: str) -> str:
    """The folder of ``path``, with the home folder as ~ (shown beside the name in Open Recent)."""
    folder = os.path.dirname(path)
    home = os.path.expanduser("~")
    if home not in ("", "/") and (folder == home or folder.startswith(home + os.sep)):
        folder = "~" + folder[len(home):]
    return folder.replace("&", "&&")
