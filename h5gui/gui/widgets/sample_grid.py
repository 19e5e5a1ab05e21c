"""A page of N thumbnails of an image stack or of encoded images (``h5gui-cli samples``), each with its
index and label or class name: random with a seed or in order, next page / reshuffle, saved as a
contact sheet PNG. The thumbnails come from the I/O process as small uint8 arrays."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.samples.records import Sample, SampleGrid, SampleSpec
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.workers import JobRunner


def thumbnail_pixmap(a: np.ndarray) -> QPixmap | None:
    """A uint8 ``(h, w)`` grey or ``(h, w, 3|4)`` colour array as a pixmap (None when empty)."""
    a = np.ascontiguousarray(a)
    if a.size == 0 or a.dtype != np.uint8 or a.ndim not in (2, 3):
        return None
    h, w = a.shape[:2]
    if a.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif a.shape[2] == 3:
        fmt = QImage.Format.Format_RGB888
    elif a.shape[2] == 4:
        fmt = QImage.Format.Format_RGBA8888
    else:
        return None
    return QPixmap.fromImage(QImage(a.data, w, h, a.strides[0], fmt).copy())


class Thumb(QWidget):
    """One sample: its picture and caption; a click emits ``clicked(index)``."""

    clicked = Signal(int)

    def __init__(self, sample: Sample, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample = sample
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.picture = QLabel(self)
        self.picture.setFixedSize(size, size)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: #282828; color: #e57373;")
        pix = thumbnail_pixmap(sample.image)
        if pix is not None:
            self.picture.setPixmap(pix)
        else:
            self.picture.setText("unreadable")
            self.picture.setToolTip(sample.error)
        self.caption = QLabel(sample.caption, self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setMaximumWidth(size)
        if sample.filename:
            self.setToolTip(sample.filename)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.clicked.emit(self.sample.index)
        super().mouseReleaseEvent(event)


class SampleGridDialog(QDialog):
    """Samples of ``path`` in ``file``; ``open_index`` is emitted with a clicked sample's index."""

    open_index = Signal(int)
    shown = Signal(object)  # SampleGrid

    def __init__(self, parent: QWidget, runner: JobRunner, file: str, path: str) -> None:
        super().__init__(parent)
        self.runner, self.file, self.path = runner, file, path
        self.grid: SampleGrid | None = None
        self.thumbs: list[Thumb] = []
        self.error = ""
        self.setWindowTitle(f"Samples of {path}")
        layout = QVBoxLayout(self)
        opts = QHBoxLayout()
        self.n = QSpinBox(self)
        self.n.setRange(1, 400)
        self.n.setValue(16)
        self.n.setSuffix(" samples")
        self.order = QComboBox(self)
        self.order.addItem("at random", "random")
        self.order.addItem("in order", "in-order")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.start = QSpinBox(self)
        self.start.setRange(0, 2**31 - 1)
        self.start.setPrefix("from #")
        self.thumb_size = QSpinBox(self)
        self.thumb_size.setRange(16, 512)
        self.thumb_size.setValue(96)
        self.thumb_size.setSuffix(" px")
        opts.addWidget(self.n)
        opts.addWidget(self.order)
        for spin in (self.seed, self.start, self.thumb_size):
            opts.addWidget(spin)
        for spin in (self.n, self.seed, self.start, self.thumb_size):
            spin.editingFinished.connect(self.load)
        self.order.currentIndexChanged.connect(self._order_changed)
        opts.addStretch(1)
        layout.addLayout(opts)
        self.progress = ProgressPanel(self)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.page = QWidget(self.scroll_area)
        self.cells = QGridLayout(self.page)
        self.cells.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll_area.setWidget(self.page)
        layout.addWidget(self.scroll_area, 1)
        buttons = QHBoxLayout()
        self.prev_button = QPushButton("< Previous page", self)
        self.next_button = QPushButton("Next page >", self)
        self.reshuffle_button = QPushButton("Reshuffle", self)
        self.save_button = QPushButton("Save as PNG...", self)
        close = QPushButton("Close", self)
        self.prev_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self.reshuffle_button.clicked.connect(self.reshuffle)
        self.save_button.clicked.connect(self.ask_save)
        close.clicked.connect(self.close)
        for w in (self.prev_button, self.next_button, self.reshuffle_button, self.save_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._order_changed()
        self.resize(760, 640)

    def spec(self) -> SampleSpec:
        return SampleSpec(self.file, self.path, n=self.n.value(), order=self.order.currentData(),
                          seed=self.seed.value(), start=self.start.value(), size=self.thumb_size.value())

    def _order_changed(self) -> None:
        random = self.order.currentData() == "random"
        self.seed.setVisible(random)
        self.start.setVisible(not random)
        self.reshuffle_button.setVisible(random)  # at random: another draw; in order: the pages
        self.prev_button.setVisible(not random)
        self.next_button.setVisible(not random)

    def load(self) -> None:
        """Read the page the controls ask for."""
        if self.progress.running():
            self.progress.cancel()
        self.error = ""
        self.progress.show()
        self.progress.run(self.runner, api.samples.sample_grid, self.spec(), text=f"Reading samples of {self.path}...",
                          on_result=self._show, on_error=self._error, on_finished=self.progress.hide)

    def turn(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) page: in order, ``n`` further; at random, the next seed."""
        if self.order.currentData() == "random":
            self.seed.setValue(max(0, self.seed.value() + step))
        else:
            total = self.grid.total if self.grid is not None else 0
            start = self.start.value() + step * self.n.value()
            if total:
                start = min(start, max(0, total - 1))
            self.start.setValue(max(0, start))
        self.load()

    def reshuffle(self) -> None:
        self.turn(1)

    def _error(self, err: H5GuiError) -> None:
        self.error = str(err)
        self.note.setText(f"<span style='color:#c62828'>{err}</span>")

    def _show(self, grid: SampleGrid) -> None:
        self.grid = grid
        while self.cells.count():
            item = self.cells.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        size = self.thumb_size.value()
        self.thumbs = []
        for s in grid.samples:
            t = Thumb(s, size, self.page)
            t.clicked.connect(self.open_index)
            self.thumbs.append(t)
        self._place()
        labels = f"labels from {grid.labels}" if grid.labels else "no labels found"
        first = grid.samples[0].index if grid.samples else 0
        where = "at random" if self.order.currentData() == "random" else f"from #{first}"
        self.note.setText(f"{len(grid.samples)} of {grid.total:,} samples {where}; {labels}"
                          + (f"; {grid.note}" if grid.note else "") + ". Click a sample to show it.")
        if self.order.currentData() != "random":
            self.next_button.setEnabled(first + len(grid.samples) < grid.total)
            self.prev_button.setEnabled(first > 0)
        self.shown.emit(grid)

    def _place(self) -> None:
        """Thumbnails in as many columns as the width takes."""
        cols = max(1, (self.scroll_area.viewport().width() - 8) // (self.thumb_size.value() + 10))
        for k, t in enumerate(self.thumbs):
            self.cells.removeWidget(t)
            self.cells.addWidget(t, k // cols, k % cols)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place()

    def ask_save(self) -> None:
        base = os.path.splitext(self.file)[0] + "_" + self.path.strip("/").replace("/", "_") + "_samples.png"
        out, _ = QFileDialog.getSaveFileName(self, "Save the samples as PNG", base, "PNG (*.png)")
        if out:
            self.save(out)

    def save(self, out: str) -> None:
        """Write the page shown as a contact sheet PNG (in the I/O process, as ``h5gui-cli samples --out``)."""
        if self.grid is None:
            return
        if not out.lower().endswith(".png"):
            out += ".png"
        self.runner.submit(api.samples.save_sheet, self.grid, out, key="save-sheet",
                           on_result=lambda path: self.note.setText(f"Saved {path}"), on_error=self._error)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.progress.running():
            self.progress.cancel()
        super().closeEvent(event)
