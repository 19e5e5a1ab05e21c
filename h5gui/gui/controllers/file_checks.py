"""What h5gui checks about a file once it opens, or when it does not (issue 10):

* leftovers of interrupted writes (``/.h5gui-...`` objects a killed import or transform left): a notice
  with *Clean up* (which needs editing; the file is then compacted on request, not here);
* a file a crashed writer left marked "open for writing": a notice with *Read anyway* (the CLI's
  ``--read-past-mark``: the file is read as it is and not changed);
* *Live refresh* (View menu, off by default): for files being written (SWMR), the shapes of the loaded
  dataset rows and the shown dataset are read again every few seconds.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from h5gui.core import api
from h5gui.core.errors import H5GuiError, OpenMarkError
from h5gui.core.kinds import Kind
from h5gui.gui.controllers.base import Controller
from h5gui.gui.session import Notifier, Session
from h5gui.gui.widgets.notices import NoticeArea
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:
    from h5gui.core.maintenance import LeftoverSummary
    from h5gui.core.nodes.records import ChildInfo
    from h5gui.gui.models.tree_model import H5TreeModel
    from h5gui.gui.models.tree_nodes import Node

SCAN_DELAY_MS = 800  # the leftover scan waits until the first rows and previews are read
# seconds the I/O process spends looking for leftovers in one file: the click that comes meanwhile waits for
# it (0.5 s delayed expanding a 100,000-member group by ~1 s in bench_gui). Leftovers' names start with '.',
# which HDF5's name order visits first, so those at the root are found even when the scan stops early;
# h5gui-cli clean scans a whole file.
SCAN_BUDGET = 0.1
LIVE_INTERVAL_MS = 2000
LIVE_ROWS = 500  # dataset rows re-described per tick at most


class FileChecks(Controller):
    """Notices about files (leftovers, a crashed writer's mark) and live refresh."""

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, notifier: Notifier, *,
                 notices: NoticeArea, model: H5TreeModel, open_files: Callable[[list[str]], None],
                 enable_editing_then: Callable[[str, Callable[[], None]], None],
                 reshow: Callable[[str, str], None]) -> None:
        super().__init__(parent, session, runner, notifier)
        self.notices = notices
        self.model = model
        self.open_files = open_files
        self.enable_editing_then = enable_editing_then
        self.reshow = reshow
        self.live = QTimer(parent)
        self.live.setInterval(LIVE_INTERVAL_MS)
        self.live.timeout.connect(self._live_tick)
        self._live_pending = 0

    # ------------------------------------------------------------------ leftovers
    def opened(self, path: str) -> None:
        """``path`` opened: look for leftovers of interrupted writes, once the first reads are done."""
        if "://" not in path:
            QTimer.singleShot(SCAN_DELAY_MS, self.parent, partial(self._scan, path))  # not after the window

    def _scan(self, path: str) -> None:
        if self.session.is_open(path):
            self.runner.submit(api.maintenance.leftover_summary, path, budget=SCAN_BUDGET,
                               on_result=self._on_scan, on_error=lambda err: self.notifier.show_error(err))

    def _on_scan(self, scan: LeftoverSummary) -> None:
        if not scan.paths or not self.session.is_open(scan.file):
            return
        self.notifier.show_error(scan.text)
        self.notices.add(("leftovers", scan.file), scan.text + ". Clean up removes them (it needs editing).",
                         "warning", [("Clean up", partial(self.clean_up, scan))])

    def clean_up(self, scan: LeftoverSummary) -> None:
        """Remove the leftovers (after enabling editing of the file if needed)."""
        file = scan.file
        if not self.session.is_writable(file):
            self.enable_editing_then(file, partial(self.clean_up, scan))
            return
        paths = list(scan.paths)

        def removed(n: int) -> None:
            self.notices.remove(("leftovers", file))
            self.notifier.show_status(f"Removed {n} leftover(s) of interrupted writes from {os.path.basename(file)}; "
                                      "File > Compact file... gives the space back")
            for group in sorted({posixpath.dirname(p) or "/" for p in paths}):
                self.notifier.group_changed(file, group)

        self.runner.submit(api.maintenance.remove_leftovers, file, paths, on_result=removed,
                           on_error=self.notifier.show_error)

    # ------------------------------------------------------------------ a crashed writer's mark
    def open_failed(self, path: str, err: H5GuiError) -> bool:
        """A notice for an error that the user can act on; True when this one was such an error."""
        if not isinstance(err, OpenMarkError):
            return False
        self.notices.add(("open", path), f"{err}. Read anyway opens it read-only as it is, without changing it "
                         f"(h5gui-cli clear-mark clears the mark).", "warning",
                         [("Read anyway", partial(self.read_anyway, path))])
        return True

    def read_anyway(self, path: str) -> None:
        self.notices.remove(("open", path))
        # a reader started after a crash reads it so too
        self.runner.supervisor.add_setup_job(("past-mark", path), api.maintenance.read_past_mark, path)
        self.runner.submit(api.maintenance.read_past_mark, path, on_error=self.notifier.show_error,
                           on_result=lambda _r: self.open_files([path]))

    # ------------------------------------------------------------------ live refresh
    def set_live(self, on: bool) -> None:
        if on:
            self.live.start()
            self.notifier.show_status(f"Live refresh: shapes of loaded datasets are read again every "
                                      f"{LIVE_INTERVAL_MS // 1000} s (View > Live refresh to stop)")
        else:
            self.live.stop()
            self.notifier.show_status("Live refresh stopped")

    def _live_tick(self) -> None:
        if self._live_pending:
            return  # the last round is still being read
        rows: dict[tuple[str, str], list[Node]] = defaultdict(list)
        count = 0
        for node in self.model.root.walk():
            if count >= LIVE_ROWS:
                break
            if node.alive and node.info is not None and node.info.kind == Kind.DATASET and node.parent is not None \
                    and "://" not in node.file:
                parent = node.parent
                rows[(parent.child_file, parent.child_path)].append(node)
                count += 1
        for (file, group), nodes in rows.items():
            self._live_pending += 1
            self.runner.submit(api.nodes.describe_children, file, group, [n.name for n in nodes],
                               on_result=partial(self._on_live_rows, nodes), on_error=self._on_live_error)

    def _on_live_error(self, err: H5GuiError) -> None:
        self._live_pending = max(0, self._live_pending - 1)
        self.notifier.show_error(err)

    def _on_live_rows(self, nodes: list[Node], infos: list[ChildInfo]) -> None:
        self._live_pending = max(0, self._live_pending - 1)
        by_name = {i.name: i for i in infos}
        for node in nodes:
            info = by_name.get(node.name)
            if info is None or not node.alive or node.info is None or info.shape == node.info.shape:
                continue
            node.info = info
            idx = self.model.index_of(node)
            self.model.dataChanged.emit(idx, idx.siblingAtColumn(2))
            if self.session.shown == (node.file, node.path):
                self.reshow(node.file, node.path)
