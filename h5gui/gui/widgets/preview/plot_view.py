"""Plot view: a pyqtgraph curve of 1-D data (or a row/column of 2-D data, or compound fields), decimated
by the engine and re-read at full detail for the visible range when the user zooms in."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

from h5gui.core.preview.records import PlotData
from h5gui.gui.widgets.preview.pg import pg


class PlotView(QWidget):
    """Emits ``range_requested(start, stop)`` when the user zooms into a decimated curve, and
    ``selection_changed`` when the x/y fields or the row/column choice change."""

    range_requested = Signal(int, int)
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: PlotData | None = None
        self._overview: PlotData | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.x_label = QLabel("x:", self)
        self.x_combo = QComboBox(self)
        self.x_combo.setToolTip("Field plotted along x (index: the element number)")
        self.y_label = QLabel("y:", self)
        self.y_combo = QComboBox(self)
        self.y_combo.setToolTip("Field plotted along y")
        self.line_combo = QComboBox(self)
        self.line_combo.addItem("row", 1)  # a row runs along axis 1
        self.line_combo.addItem("column", 0)
        self.line_combo.setToolTip("Plot one row or one column of the 2-D data")
        self.line_spin = QSpinBox(self)
        self.line_spin.setKeyboardTracking(False)
        self.line_spin.setToolTip("Which row or column")
        for w in (self.x_combo, self.y_combo, self.line_combo):
            w.currentIndexChanged.connect(lambda _i: self.selection_changed.emit())
        self.line_spin.valueChanged.connect(lambda _v: self.selection_changed.emit())
        self.fit_button = QToolButton(self)
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Show the whole curve")
        self.fit_button.clicked.connect(self.fit)
        for widget in (self.x_label, self.x_combo, self.y_label, self.y_combo, self.line_combo, self.line_spin,
                       self.fit_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.plot = pg.PlotWidget(self)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot(pen=pg.mkPen("#2f6fbd", width=1))
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")
        layout.addWidget(self.plot, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(4, 0, 4, 2)
        self.readout = QLabel(" ", self)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel("", self)
        self.note.setStyleSheet("color: #666;")
        footer.addWidget(self.readout, 1)
        footer.addWidget(self.note)
        layout.addLayout(footer)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._zoom_timer = QTimer(self)
        self._zoom_timer.setSingleShot(True)
        self._zoom_timer.setInterval(200)
        self._zoom_timer.timeout.connect(self._maybe_request_range)
        self.plot.getViewBox().sigXRangeChanged.connect(lambda *_a: self._zoom_timer.start())
        self.configure_fields((), rank=1, shape=())

    # ------------------------------------------------------------------ configuration
    def configure_fields(self, fields: tuple[str, ...], *, rank: int, shape: tuple[int, ...]) -> None:
        blocked = [w.blockSignals(True) for w in (self.x_combo, self.y_combo, self.line_combo, self.line_spin)]
        try:
            self.x_combo.clear()
            self.y_combo.clear()
            self.x_combo.addItem("index", None)
            for f in fields:
                self.x_combo.addItem(f, f)
                self.y_combo.addItem(f, f)
            if fields:
                self.y_combo.setCurrentIndex(0)
            two_d = rank == 2 and not fields
            if two_d:
                axis = self.line_combo.currentData()
                self.line_spin.setRange(0, max(0, shape[1 - axis] - 1) if axis is not None else 0)
        finally:
            for w, b in zip((self.x_combo, self.y_combo, self.line_combo, self.line_spin), blocked, strict=True):
                w.blockSignals(b)
        for w in (self.x_label, self.x_combo, self.y_label, self.y_combo):
            w.setVisible(bool(fields))
        self.line_combo.setVisible(rank == 2 and not fields)
        self.line_spin.setVisible(rank == 2 and not fields)
        self._shape = shape

    def selection(self) -> dict[str, object]:
        """Arguments of ``preview.read_plot`` for the current choices."""
        if self.x_combo.isVisible() or self.y_combo.count():
            return {"x_field": self.x_combo.currentData(), "y_field": self.y_combo.currentData()}
        if self.line_combo.isVisible():
            axis = int(self.line_combo.currentData())
            other = 1 - axis
            self.line_spin.setMaximum(max(0, self._shape[other] - 1))
            index = [0, 0]
            index[other] = self.line_spin.value()
            return {"axis": axis, "index": tuple(index)}
        return {}

    # ------------------------------------------------------------------ drawing
    def show_data(self, data: PlotData, *, overview: bool = True) -> None:
        self.data = data
        if overview:
            self._overview = data
        self.curve.setData(data.x, data.y, connect="finite")
        self.plot.setLabel("bottom", data.x_label)
        self.plot.setLabel("left", data.y_label)
        if overview:
            self.fit()
            self.readout.setText(" ")  # it told of the previous curve
        note = data.note or (f"{data.n:,} points, shown as min/max of {data.step:,}" if data.step > 1 else
                             f"{data.n:,} points")
        self.note.setText(note)
        self.note.setToolTip(note)

    def clear(self) -> None:
        self.data = None
        self._overview = None
        self.curve.setData([], [])
        self.note.setText("")
        self.readout.setText(" ")

    def fit(self) -> None:
        if self._overview is not None:
            if self.data is not self._overview:
                self.curve.setData(self._overview.x, self._overview.y, connect="finite")
                self.data = self._overview
            self.plot.enableAutoRange()

    def _maybe_request_range(self) -> None:
        over = self._overview
        if over is None or over.step <= 1 or self.x_combo.currentData() is not None:
            return
        (x0, x1), _ = self.plot.getViewBox().viewRange()
        start, stop = max(0, int(math.floor(x0))), min(over.n, int(math.ceil(x1)) + 1)
        if stop - start >= 0.8 * over.n:
            if self.data is not over:
                self.curve.setData(over.x, over.y, connect="finite")
                self.data = over
            return
        d = self.data
        if d is not None and d is not over and d.step <= 1 and len(d.x) and d.x[0] <= start and d.x[-1] >= stop - 1:
            return
        self.range_requested.emit(start, stop)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        d = self.data
        if d is None or not len(d.x) or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.getViewBox().mapSceneToView(pos)
        i = int(np.clip(np.searchsorted(d.x, p.x()), 0, len(d.x) - 1))
        if i > 0 and abs(d.x[i - 1] - p.x()) < abs(d.x[i] - p.x()):
            i -= 1
        self.readout.setText(f"{d.x_label} = {d.x[i]:.6g}, {d.y_label} = {d.y[i]:.6g}")
