"""Image view: a pyqtgraph ImageItem with a histogram/LUT, colormaps, levels, log scale, a pixel readout,
and a sharper re-read of the visible region when the user zooms into a downsampled image."""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core.preview.records import ImageSlice
from h5gui.gui.widgets.preview.pg import COLORMAPS, colormap, pg

NAN_COLOUR = (255, 0, 255, 255)  # NaN: magenta
POSINF_COLOUR = (255, 140, 0, 255)  # +inf: orange
NEGINF_COLOUR = (0, 160, 255, 255)  # -inf: blue
LEVEL_MODES = ("percentile", "minmax", "manual")


HIST_EVERY_MS = 150  # the histogram's refresh interval while frames change faster than this

class ImageView(QWidget):
    """Shows :class:`ImageSlice` snapshots. Emits ``region_requested`` (row0, row1, col0, col1) when the
    user zooms into a part of a downsampled image, and ``complex_mode_changed`` for complex data."""

    region_requested = Signal(object)
    complex_mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slice: ImageSlice | None = None
        self.detail: ImageSlice | None = None
        self._display_levels: tuple[float, float] = (0.0, 1.0)
        self._hover: tuple[int, int] | None = None  # (row, col) under the cursor, for the readout
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.cmap_combo = QComboBox(self)
        self.cmap_combo.addItems(COLORMAPS)
        self.cmap_combo.setToolTip("Colormap for single-channel images")
        self.cmap_combo.currentTextChanged.connect(self._apply_colormap)
        self.levels_combo = QComboBox(self)
        self.levels_combo.addItem("Levels: 0.5-99.5 %", "percentile")
        self.levels_combo.addItem("Levels: min-max", "minmax")
        self.levels_combo.addItem("Levels: manual", "manual")
        self.levels_combo.setToolTip("How the grey/colour range is chosen")
        self.levels_combo.currentIndexChanged.connect(self._on_levels_mode)
        self.low_spin = QDoubleSpinBox(self)
        self.high_spin = QDoubleSpinBox(self)
        for spin, tip in ((self.low_spin, "Lowest level"), (self.high_spin, "Highest level")):
            spin.setRange(-1e300, 1e300)
            spin.setDecimals(4)
            spin.setKeyboardTracking(False)
            spin.setToolTip(tip)
            spin.setMaximumWidth(110)
            spin.valueChanged.connect(self._on_manual_levels)
        self.log_check = QCheckBox("log", self)
        self.log_check.setToolTip("Logarithmic scale (log10 of positive values)")
        self.log_check.toggled.connect(self._on_log)
        self.complex_combo = QComboBox(self)
        self.complex_combo.addItems(["abs", "phase", "real", "imag"])
        self.complex_combo.setToolTip("What to show of complex values")
        self.complex_combo.currentTextChanged.connect(self.complex_mode_changed)
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Fit")
        self.reset_button.setToolTip("Show the whole image (zoom to fit)")
        self.reset_button.clicked.connect(self.fit)
        for w in (self.cmap_combo, self.levels_combo, self.low_spin, self.high_spin, self.log_check,
                  self.complex_combo, self.reset_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.viewbox = self.graphics.addViewBox(row=0, col=0)
        self.viewbox.setAspectLocked(True)
        self.viewbox.invertY(True)
        self.viewbox.setMenuEnabled(False)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.detail_item = pg.ImageItem(axisOrder="row-major")
        self.mask_item = pg.ImageItem(axisOrder="row-major")
        self.detail_item.setZValue(1)
        self.mask_item.setZValue(2)
        for it in (self.item, self.detail_item, self.mask_item):
            self.viewbox.addItem(it)
        # the histogram is built in the next turn of the event loop, or as soon as it is needed: the view is
        # built on its first use, and the frame it waits for usually comes after that turn (the first view
        # of a session stalled 44 ms with both built in one turn, 6 ms in two)
        self._hist: pg.HistogramLUTItem | None = None
        QTimer.singleShot(0, self, self._build_hist)
        # the histogram follows the frames at most every HIST_EVERY_MS while a stack is scrubbed (binning a
        # 1 Mpx frame and repainting the curve took 3-5 ms of every step); after a pause it follows at once
        self.item.sigImageChanged.connect(self._on_image_changed)
        self._hist_timer = QTimer(self, singleShot=True)
        self._hist_timer.timeout.connect(self._update_hist)
        self._hist_at = 0.0
        layout.addWidget(self.graphics, 1)

        self.readout = QLabel(" ", self)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel("", self)
        self.note.setStyleSheet("color: #666;")
        # the label of the sample shown, when a labels dataset is beside the stack (read with each frame)
        self.sample_label = QLabel("", self)
        self.sample_label.setStyleSheet("font-weight: bold;")
        self.sample_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        footer = QHBoxLayout()
        footer.setContentsMargins(4, 0, 4, 2)
        footer.addWidget(self.sample_label)
        footer.addWidget(self.readout, 1)
        footer.addWidget(self.note)
        layout.addLayout(footer)

        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._zoom_timer = QTimer(self)
        self._zoom_timer.setSingleShot(True)
        self._zoom_timer.setInterval(200)
        self._zoom_timer.timeout.connect(self._maybe_request_region)
        self.viewbox.sigRangeChanged.connect(lambda *_a: self._zoom_timer.start())
        self._updating = False
        self._set_manual_visible(False)
        self.complex_combo.hide()
        self._apply_colormap(self.cmap_combo.currentText())

    @property
    def hist(self) -> pg.HistogramLUTItem:
        """The histogram and level handles beside the image (built on first use)."""
        return self._build_hist()

    def _build_hist(self) -> pg.HistogramLUTItem:
        if self._hist is not None:
            return self._hist
        hist = self._hist = pg.HistogramLUTItem(image=self.item)
        hist.sigLevelsChanged.connect(self._on_hist_levels)
        self.item.sigImageChanged.disconnect(hist.imageChanged)  # it follows through _on_image_changed
        self._apply_colormap(self.cmap_combo.currentText())  # the gradient, and the image's table as it was
        hist.axis.setLogMode(self.log_check.isChecked())
        s = self.slice
        if s is not None:
            hist.setVisible(not s.rgb)
            if not s.rgb:
                self._updating = True
                try:
                    hist.setLevels(*self._display_levels)
                finally:
                    self._updating = False
            self._on_image_changed()
        self.graphics.addItem(hist, row=0, col=1)
        return hist

    # ------------------------------------------------------------------ public
    def set_complex(self, is_complex: bool) -> None:
        self.complex_combo.setVisible(is_complex)

    @property
    def complex_mode(self) -> str:
        return self.complex_combo.currentText()

    @property
    def colormap_name(self) -> str:
        return self.cmap_combo.currentText()

    def drawn_style(self) -> tuple[tuple[float, float], str | None] | None:
        """(levels, colormap; None for colour) the shown image is drawn with, or None when none is."""
        if self.slice is None:
            return None
        if self.slice.rgb and self.slice.data.dtype == np.uint8:
            return (0.0, 255.0), None  # as _place draws 8-bit colour
        if self.log_scale:  # drawn in log10 units: the levels in values
            lo, hi = self._display_levels
            return (10.0 ** lo, 10.0 ** hi), self.colormap_name
        return self._display_levels, None if self.slice.rgb else self.colormap_name

    @property
    def log_scale(self) -> bool:
        """Whether the grey image on screen is drawn on a log scale."""
        return self.log_check.isChecked() and self.slice is not None and not self.slice.rgb

    def set_colormap_name(self, name: str) -> None:
        if name in COLORMAPS:
            self.cmap_combo.setCurrentText(name)

    def level_settings(self) -> dict[str, object]:
        """How the levels are chosen: mode, manual bounds, log (carried to siblings by the panel)."""
        return {"mode": self.levels_combo.currentData(), "low": self.low_spin.value(),
                "high": self.high_spin.value(), "log": self.log_check.isChecked()}

    def apply_level_settings(self, settings: dict[str, object] | None) -> None:
        """Take over a sibling's :meth:`level_settings`; None: the defaults (percentiles, linear)."""
        settings = settings or {"mode": LEVEL_MODES[0], "log": False}
        widgets = (self.levels_combo, self.low_spin, self.high_spin, self.log_check)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            mode = str(settings.get("mode"))
            self.levels_combo.setCurrentIndex(LEVEL_MODES.index(mode) if mode in LEVEL_MODES else 0)
            if mode == "manual":
                self.low_spin.setValue(float(settings["low"]))  # type: ignore[arg-type]
                self.high_spin.setValue(float(settings["high"]))  # type: ignore[arg-type]
            self.log_check.setChecked(bool(settings.get("log")))
        finally:
            for w, b in zip(widgets, blocked, strict=True):
                w.blockSignals(b)
        self.hist.axis.setLogMode(self.log_check.isChecked())
        self._set_manual_visible(mode == "manual")

    def show_slice(self, s: ImageSlice, *, fit: bool = False) -> None:
        """Show a new plane (frame, axes or dataset changed): replaces the overview, drops the detail."""
        first = self.slice is None or self.slice.full_shape != s.full_shape or fit
        self.slice = s
        self.detail = None
        if self.detail_item.image is not None:  # clearing an empty item still costs a geometry change
            self.detail_item.clear()
        self.detail_item.hide()
        self.cmap_combo.setEnabled(not s.rgb)
        fixed = s.rgb and s.data.dtype == np.uint8  # 8-bit colour is drawn as stored: no levels, no log scale
        self.levels_combo.setEnabled(not fixed)
        self.log_check.setEnabled(not fixed)
        self.hist.setVisible(not s.rgb)
        self._update_levels_from_data()
        self._redraw()
        if first:
            self.fit()
            self._hover = None
        # the readout follows the data under a still cursor, and says nothing of an earlier dataset
        self.readout.setText(self.value_text(*self._hover) if self._hover is not None else " ")
        note = s.note
        if s.all_fill:
            note = "nothing stored: every value is the fill value"
        elif s.step != (1, 1):
            note = note or f"downsampled 1:{max(s.step)}; zoom in for full resolution"
        if s.nonfinite:
            note = (note + "; " if note else "") + f"{s.nonfinite:,} NaN/inf (magenta/orange/blue)"
        self.note.setText(note)
        self.note.setToolTip(note)
        self.sample_label.setText(f"label {s.label}" if s.label else "")
        self.sample_label.setToolTip(f"The label of this sample, from {s.label_source}" if s.label else "")
        # a zoomed view keeps its sharp region when the frame changes
        if not first:
            self._zoom_timer.start()

    def show_detail(self, s: ImageSlice) -> None:
        """Show a sharper read of a region on top of the overview."""
        if self.slice is None or s.full_shape != self.slice.full_shape:
            return
        self.detail = s
        self.detail_item.show()
        self._redraw()

    def clear(self) -> None:
        self.slice = None
        self.detail = None
        for it in (self.item, self.detail_item, self.mask_item):
            it.clear()
        self.readout.setText(" ")
        self._hover = None
        self.note.setText("")
        self.sample_label.setText("")

    def fit(self) -> None:
        if self.slice is None:
            return
        rows, cols = self.slice.full_shape
        self.viewbox.setRange(QRectF(0, 0, max(cols, 1), max(rows, 1)), padding=0.02)

    def displayed_array(self) -> np.ndarray | None:
        """The array of the overview as handed to pyqtgraph (tests compare it with the file)."""
        return None if self.slice is None else self.slice.data

    # ------------------------------------------------------------------ drawing
    def _prepared(self, s: ImageSlice) -> np.ndarray:
        data = s.data
        if self.log_check.isChecked() and not s.rgb:
            with np.errstate(divide="ignore", invalid="ignore"):
                data = np.log10(np.where(data > 0, data.astype(np.float32), np.nan))
        elif data.dtype == np.bool_:
            data = data.astype(np.uint8)
        if s.nonfinite and data.dtype.kind == "f":
            # +-inf would break the histogram's binning; the mask overlay shows them in their own colours
            data = np.where(np.isfinite(data), data, np.float32(np.nan))
        return data

    def _levels(self, s: ImageSlice) -> tuple[float, float]:
        mode = self.levels_combo.currentData()
        if mode == "manual":
            lo, hi = self.low_spin.value(), self.high_spin.value()
        elif mode == "minmax":
            lo, hi = s.minmax
        else:
            lo, hi = s.levels
        if self.log_check.isChecked() and not s.rgb:
            lo = math.log10(lo) if lo > 0 else (math.log10(hi) - 6 if hi > 0 else 0.0)
            hi = math.log10(hi) if hi > 0 else lo + 1
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = 0.0, 1.0
        if hi <= lo:
            hi = lo + (abs(lo) * 1e-6 or 1.0)
        return float(lo), float(hi)

    def _place(self, item: pg.ImageItem, s: ImageSlice, data: np.ndarray, levels: tuple[float, float]) -> None:
        r0, r1, c0, c1 = s.region
        shown = levels if not (s.rgb and data.dtype == np.uint8) else (0, 255)
        item.setImage(data, autoLevels=False, levels=shown)
        # the first image of an item also gets levels set before it had one (the histogram's default
        # (0, 1), applied at the end of setImage): an RGB picture was drawn white. Ours win.
        if tuple(item.getLevels()) != tuple(shown):
            item.setLevels(shown)
        item.setRect(QRectF(c0, r0, max(c1 - c0, 1), max(r1 - r0, 1)))

    def _redraw(self) -> None:
        s = self.slice
        if s is None:
            return
        levels = self._levels(s)
        self._display_levels = levels
        self._updating = True
        try:
            self._place(self.item, s, self._prepared(s), levels)
            if self.detail is not None:
                self._place(self.detail_item, self.detail, self._prepared(self.detail), levels)
            if not s.rgb:
                self.hist.setLevels(*levels)
            self._draw_mask(self.detail if self.detail is not None else s)
        finally:
            self._updating = False

    def _draw_mask(self, s: ImageSlice) -> None:
        if not s.nonfinite or s.data.dtype.kind != "f":
            if self.mask_item.image is not None:
                self.mask_item.clear()
            self.mask_item.hide()
            return
        data = s.data if s.data.ndim == 2 else s.data[..., 0]
        rgba = np.zeros(data.shape + (4,), np.uint8)
        rgba[np.isnan(data)] = NAN_COLOUR
        rgba[np.isposinf(data)] = POSINF_COLOUR
        rgba[np.isneginf(data)] = NEGINF_COLOUR
        r0, r1, c0, c1 = s.region
        self.mask_item.setImage(rgba, autoLevels=False, levels=(0, 255))
        self.mask_item.setRect(QRectF(c0, r0, max(c1 - c0, 1), max(r1 - r0, 1)))
        self.mask_item.show()

    def _apply_colormap(self, name: str) -> None:
        cmap = colormap(name)
        if self._hist is not None:
            self._hist.gradient.setColorMap(cmap)
        lut = cmap.getLookupTable(nPts=256)
        self.item.setLookupTable(lut)
        self.detail_item.setLookupTable(lut)

    # ------------------------------------------------------------------ levels
    def _set_manual_visible(self, on: bool) -> None:
        self.low_spin.setVisible(on)
        self.high_spin.setVisible(on)

    def _update_levels_from_data(self) -> None:
        if self.slice is None or self.levels_combo.currentData() == "manual":
            return
        lo, hi = self.slice.levels
        self._updating = True
        try:
            if math.isfinite(lo) and math.isfinite(hi):
                self.low_spin.setValue(lo)
                self.high_spin.setValue(hi)
        finally:
            self._updating = False

    def _on_log(self, on: bool) -> None:
        """Log scale: the histogram's axis is labelled in values (1, 10, 100), like the level boxes."""
        self.hist.axis.setLogMode(on)
        self._redraw()

    def _on_levels_mode(self, _i: int) -> None:
        self._set_manual_visible(self.levels_combo.currentData() == "manual")
        self._redraw()

    def _on_manual_levels(self, _v: float) -> None:
        if not self._updating and self.levels_combo.currentData() == "manual":
            self._redraw()

    def _on_image_changed(self) -> None:
        """The histogram follows after the new frame has been painted (a zero timer runs after the paint
        that is due), and at most every HIST_EVERY_MS while frames come faster."""
        if not self._hist_timer.isActive():
            wait = HIST_EVERY_MS / 1000 - (time.monotonic() - self._hist_at)
            self._hist_timer.start(max(0, math.ceil(wait * 1000)))

    def _update_hist(self) -> None:
        self._hist_at = time.monotonic()
        self.hist.imageChanged()

    def _on_hist_levels(self, hist: object) -> None:
        """Dragging the histogram's level handles switches to manual levels."""
        if self._updating or self.slice is None or self.slice.rgb:
            return
        lo, hi = self.hist.getLevels()
        if self.log_check.isChecked():
            lo, hi = 10 ** lo, 10 ** hi
        self._updating = True
        try:
            self.levels_combo.setCurrentIndex(LEVEL_MODES.index("manual"))
            self.low_spin.setValue(lo)
            self.high_spin.setValue(hi)
        finally:
            self._updating = False
        self._set_manual_visible(True)
        self._redraw()

    # ------------------------------------------------------------------ zoom and readout
    def visible_region(self) -> tuple[int, int, int, int] | None:
        if self.slice is None:
            return None
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        rows, cols = self.slice.full_shape
        r0, r1 = max(0, int(math.floor(y0))), min(rows, int(math.ceil(y1)))
        c0, c1 = max(0, int(math.floor(x0))), min(cols, int(math.ceil(x1)))
        if r1 <= r0 or c1 <= c0:
            return None
        return r0, r1, c0, c1

    def _maybe_request_region(self) -> None:
        s = self.slice
        if s is None or s.step == (1, 1) or s.all_fill:
            return
        region = self.visible_region()
        if region is None:
            return
        r0, r1, c0, c1 = region
        rows, cols = s.full_shape
        if (r1 - r0) * (c1 - c0) >= 0.8 * rows * cols:
            if self.detail is not None:
                self.detail = None
                self.detail_item.hide()
            return
        d = self.detail
        if d is not None and d.region[0] <= r0 and d.region[1] >= r1 and d.region[2] <= c0 and d.region[3] >= c1 \
                and d.step == (1, 1):
            return
        # read a margin around what is visible so that small pans stay sharp
        mr, mc = (r1 - r0) // 4, (c1 - c0) // 4
        self.region_requested.emit((max(0, r0 - mr), min(rows, r1 + mr), max(0, c0 - mc), min(cols, c1 + mc)))

    def _on_mouse_moved(self, pos: QPointF) -> None:
        s = self.slice
        if s is None or not self.viewbox.sceneBoundingRect().contains(pos):
            self._hover = None
            self.readout.setText(" ")
            return
        p = self.viewbox.mapSceneToView(pos)
        row, col = int(math.floor(p.y())), int(math.floor(p.x()))
        self._hover = (row, col)
        self.readout.setText(self.value_text(row, col))

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        """The cursor left the image: its readout goes."""
        self._hover = None
        self.readout.setText(" ")
        super().leaveEvent(event)

    def value_text(self, row: int, col: int) -> str:
        """``'row 12, col 40: 133'`` for the pixel under the cursor (from the sharpest data shown)."""
        rows, cols = self.slice.full_shape if self.slice else (0, 0)
        if not (0 <= row < rows and 0 <= col < cols):
            return " "
        for s in (self.detail, self.slice):
            if s is None:
                continue
            r0, r1, c0, c1 = s.region
            if not (r0 <= row < r1 and c0 <= col < c1):
                continue
            i, j = (row - r0) // s.step[0], (col - c0) // s.step[1]
            if i >= s.data.shape[0] or j >= s.data.shape[1]:
                continue
            v = s.data[i, j]
            approx = "" if s.step == (1, 1) else " (nearest sample)"
            if np.ndim(v):
                text = "(" + ", ".join(_fmt(x) for x in np.asarray(v).tolist()) + ")"
            else:
                text = _fmt(v.item() if hasattr(v, "item") else v)
            return f"row {row}, col {col}: {text}{approx}"
        return f"row {row}, col {col}"


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)
