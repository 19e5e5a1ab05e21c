"""Choosing what part of an N-D dataset is shown: which axes form the image (or the table, or the plot's
x), and a slider with a spin box and a play button for every other axis."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

PLAY_INTERVAL_MS = 100


class AxisSlider(QWidget):
    """Slider + spin box + play button for one axis."""

    value_changed = Signal(int, int)  # axis, value

    def __init__(self, axis: int, size: int, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.axis = axis
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(label, self)
        self.label.setMinimumWidth(110)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, max(0, size - 1))
        self.slider.setPageStep(max(1, size // 20))
        self.slider.setToolTip(f"Position along axis {axis} (0-{size - 1}); PgUp/PgDn jump, Home/End")
        self.spin = QSpinBox(self)
        self.spin.setRange(0, max(0, size - 1))
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(80)
        self.play = QToolButton(self)
        self.play.setCheckable(True)
        self.play.toggled.connect(self._show_play_state)
        self._show_play_state(False)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        layout.addWidget(self.play)

    def _show_play_state(self, playing: bool) -> None:
        """Pause symbol while playing, play symbol when stopped."""
        self.play.setText("\u23f8" if playing else "\u25b6")
        self.play.setToolTip("Pause" if playing else "Play through this axis")

    def _from_slider(self, v: int) -> None:
        if self.spin.value() != v:
            self.spin.blockSignals(True)
            self.spin.setValue(v)
            self.spin.blockSignals(False)
        self.value_changed.emit(self.axis, v)

    def _from_spin(self, v: int) -> None:
        if self.slider.value() != v:
            self.slider.setValue(v)  # emits through _from_slider

    def value(self) -> int:
        return self.slider.value()

    def set_value(self, v: int) -> None:
        self.slider.setValue(max(0, min(v, self.slider.maximum())))

    def step(self) -> None:
        v = self.slider.value() + 1
        self.slider.setValue(0 if v > self.slider.maximum() else v)


class AxesBar(QWidget):
    """Emits ``changed`` when the axes or a position changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape: tuple[int, ...] = ()
        self.mode = "none"
        self._axes: tuple[int | None, ...] = ()
        self._index: list[int] = []
        self.sliders: dict[int, AxisSlider] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 2, 4, 2)
        self._combo_row = QHBoxLayout()
        self._grid.addLayout(self._combo_row, 0, 0)
        self.combos: list[QComboBox] = []
        self._combo_labels: list[QLabel] = []
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._play_timer.timeout.connect(self._play_tick)
        self.frame_pending = False  # set by the panel while a frame is being read: play waits for it
        self.hide()

    # ------------------------------------------------------------------ configuration
    def configure(self, shape: tuple[int, ...], mode: str, axes: tuple[int | None, ...],
                  index: tuple[int, ...] = ()) -> None:
        """``mode``: 'image' (rows, cols, channel), 'table' (rows, cols), 'plot' (x,), 'elements' (one
        slider over shape[0]), 'text' (a slider for every axis: one element) or 'none'."""
        self.shape = tuple(shape)
        self.mode = mode
        self._axes = tuple(axes)
        rank = len(shape)
        self._index = [min(max(0, index[i]), max(0, shape[i] - 1)) if i < len(index) else 0 for i in range(rank)]
        self._build_combos()
        self._build_sliders()
        self.setVisible(bool(self.sliders) or any(c.isVisible() for c in self.combos))

    def _build_combos(self) -> None:
        for w in self.combos + self._combo_labels:
            w.deleteLater()
        self.combos, self._combo_labels = [], []
        while self._combo_row.count():
            self._combo_row.takeAt(0)
        rank = len(self.shape)
        names: list[tuple[str, bool]] = []
        if self.mode == "image" and rank >= 3:
            names = [("rows", False), ("columns", False), ("colour", True)]
        elif self.mode == "table" and rank >= 3:
            names = [("rows", False), ("columns", False)]
        elif self.mode == "plot" and rank >= 2:
            names = [("x axis", False)]
        for i, (label, optional) in enumerate(names):
            lab = QLabel(label + ":", self)
            combo = QComboBox(self)
            if optional:
                combo.addItem("none", None)
            for ax, n in enumerate(self.shape):
                if optional and n not in (3, 4):
                    continue
                combo.addItem(f"axis {ax} ({n})", ax)
            current = self._axes[i] if i < len(self._axes) else None
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.currentIndexChanged.connect(lambda _i, k=i: self._on_axis_combo(k))
            combo.setToolTip(f"Which axis of the dataset runs along the {label}")
            self._combo_row.addWidget(lab)
            self._combo_row.addWidget(combo)
            self.combos.append(combo)
            self._combo_labels.append(lab)
        self._combo_row.addStretch(1)

    def _build_sliders(self) -> None:
        for s in self.sliders.values():
            self._grid.removeWidget(s)
            s.deleteLater()
        self.sliders = {}
        self._play_timer.stop()
        if self.mode == "none":
            return
        if self.mode == "elements":
            free = [0]
        else:
            used = {a for a in self._axes if a is not None}
            # an axis of length 1 has nothing to move through: no slider, its index stays 0
            free = [ax for ax in range(len(self.shape)) if ax not in used and self.shape[ax] > 1]
        for row, ax in enumerate(free, start=1):
            n = self.shape[ax]
            label = f"image ({n:,})" if self.mode == "elements" else f"axis {ax} ({n:,})"
            s = AxisSlider(ax, n, label, self)
            s.set_value(self._index[ax] if ax < len(self._index) else 0)
            s.value_changed.connect(self._on_slider)
            s.play.toggled.connect(lambda on, sl=s: self._on_play(sl, on))
            self._grid.addWidget(s, row, 0)
            self.sliders[ax] = s

    def _on_axis_combo(self, k: int) -> None:
        axes = list(self._axes) + [None] * (3 - len(self._axes))
        value = self.combos[k].currentData()
        # swapping: choosing an axis already used by another role gives that role this one's old axis
        for j, a in enumerate(axes):
            if j != k and a is not None and a == value:
                axes[j] = axes[k]
        axes[k] = value
        n = len(self.combos) if self.mode != "image" else 3
        self._axes = tuple(axes[:n])
        for j, combo in enumerate(self.combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(self._axes[j])))
            combo.blockSignals(False)
        self._build_sliders()
        self.changed.emit()

    def _on_slider(self, axis: int, value: int) -> None:
        if axis < len(self._index):
            self._index[axis] = value
        self.changed.emit()

    # ------------------------------------------------------------------ play
    def _on_play(self, slider: AxisSlider, on: bool) -> None:
        for s in self.sliders.values():
            if s is not slider and s.play.isChecked():
                s.play.blockSignals(True)
                s.play.setChecked(False)
                s.play.blockSignals(False)
                s._show_play_state(False)
        if on:
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def _play_tick(self) -> None:
        if self.frame_pending:
            return  # never queue frames faster than they are read
        for s in self.sliders.values():
            if s.play.isChecked():
                s.step()
                return
        self._play_timer.stop()

    def stop(self) -> None:
        self._play_timer.stop()
        for s in self.sliders.values():
            s.play.setChecked(False)

    # ------------------------------------------------------------------ state
    def axes(self) -> tuple[int | None, ...]:
        return self._axes

    def index(self) -> tuple[int, ...]:
        return tuple(self._index)

    def leading_index(self) -> tuple[int, ...]:
        """In image mode with sliders: the index on the axes before the first image axis, else ()."""
        if self.mode != "image" or not self.sliders:
            return ()
        axes = [a for a in self._axes if a is not None]
        return tuple(self._index[ax] for ax in range(min(axes) if axes else 0))

    def set_position(self, axis: int, value: int) -> None:
        if axis in self.sliders:
            self.sliders[axis].set_value(value)
