"""The transform wizard's normalization (the CLI's ``--normalize`` modes with the ImageNet preset,
``--stats-from``, ``--per-channel``, ``--channel-axis``) and the defaults that follow the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from h5gui.core.errors import BadRequestError
from h5gui.core.transform.records import MEANSTD_PRESETS, MOMENT_MODES, STAT_MODES

NORMALIZATIONS = (
    ("none", "none"),
    ("scale", "divide by a constant"),
    ("minmax", "min-max to [0, 1]"),
    ("minmax-1", "min-max to [-1, 1]"),
    ("zscore", "z-score (mean 0, std 1)"),
    ("meanstd", "(x - mean) / std, given"),
    ("affine", "(x - offset) / scale, given"),
    ("clip-percentiles", "clip to percentiles"),
)
THIS_DATASET = "this dataset (each its own)"


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """``'0.485, 0.456 0.406'`` -> ``(0.485, 0.456, 0.406)``; one line naming ``what`` when it cannot."""
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise BadRequestError(f"{what}: give numbers separated by commas (one, or one per channel), not {text!r}") from None
    if not values:
        raise BadRequestError(f"{what}: give one number, or one per channel")
    return values


def split_sibling(path: str) -> str | None:
    """``/val/images`` -> ``/train/images``: the training split's dataset, whose statistics the other
    splits should use; None when the path names no split."""
    parts = path.split("/")
    for i, p in enumerate(parts):
        if p.lower() in ("val", "valid", "validation", "test", "testing", "dev"):
            return "/".join([*parts[:i], "train", *parts[i + 1:]])
    return None


class NormalizeBox(QWidget):
    """Mode, its constants (scale; mean/std with presets; offset/scale), statistics from another dataset,
    per channel on a chosen axis of the output. ``changed`` when anything changes."""

    changed = Signal()

    def __init__(self, sources: Sequence[str], rank: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self._form = form
        self.mode = QComboBox(self)
        for key, text in NORMALIZATIONS:
            self.mode.addItem(text, key)
        form.addRow("Normalize", self.mode)
        self.scale = QDoubleSpinBox(self)
        self.scale.setRange(1e-12, 1e12)
        self.scale.setDecimals(6)
        self.scale.setValue(255.0)
        self.scale_label = QLabel("Divide by", self)
        form.addRow(self.scale_label, self.scale)
        ms = QHBoxLayout()
        self.preset = QComboBox(self)
        self.preset.addItem("custom", "")
        for name in MEANSTD_PRESETS:
            self.preset.addItem(f"{'ImageNet' if name == 'imagenet' else name} (on data in [0, 1])", name)
        self.mean = QLineEdit(self)
        self.mean.setPlaceholderText("mean: one value or one per channel")
        self.std = QLineEdit(self)
        self.std.setPlaceholderText("std")
        for w in (self.preset, self.mean, self.std):
            ms.addWidget(w)
        self.meanstd_label = QLabel("Mean, std", self)
        form.addRow(self.meanstd_label, ms)
        af = QHBoxLayout()
        self.offset = QLineEdit("0", self)
        self.offset.setPlaceholderText("offset")
        self.affine_scale = QLineEdit("1", self)
        self.affine_scale.setPlaceholderText("scale")
        af.addWidget(self.offset)
        af.addWidget(self.affine_scale)
        self.affine_label = QLabel("Offset, scale", self)
        form.addRow(self.affine_label, af)
        pct = QHBoxLayout()
        self.p_lo = QDoubleSpinBox(self)
        self.p_hi = QDoubleSpinBox(self)
        for s, v in ((self.p_lo, 1.0), (self.p_hi, 99.0)):
            s.setRange(0.0, 100.0)
            s.setValue(v)
            pct.addWidget(s)
        pct.addStretch(1)
        self.pct_label = QLabel("Percentiles", self)
        form.addRow(self.pct_label, pct)
        self.stats_from = QComboBox(self)
        self.stats_from.setEditable(True)
        self.stats_from.addItem(THIS_DATASET)
        seen = set()
        for src in sources:
            for cand in (split_sibling(src), src):
                if cand and cand not in seen:
                    seen.add(cand)
                    self.stats_from.addItem(cand)
        self.stats_from.setToolTip("Statistics of another dataset of this file: normalize val/test with the train set's")
        train = next((t for t in (split_sibling(src) for src in sources[1:] or sources) if t in sources), None)
        if len(sources) > 1 and train is not None:  # train, val, test selected together: the train set's statistics
            self.stats_from.setCurrentText(train)
        self.stats_label = QLabel("Statistics of", self)
        form.addRow(self.stats_label, self.stats_from)
        ch = QHBoxLayout()
        self.per_channel = QCheckBox("per channel, along", self)
        self.axis = QComboBox(self)
        self.axis.addItem("the data's channel axis", None)
        for k in range(rank + 1):
            self.axis.addItem(f"axis {k} of the output", k)
        ch.addWidget(self.per_channel)
        ch.addWidget(self.axis)
        ch.addStretch(1)
        form.addRow("", ch)
        self.mode.currentIndexChanged.connect(self._sync)
        self.preset.currentIndexChanged.connect(self._preset)
        self.per_channel.toggled.connect(self._sync)
        for w in (self.mode, self.preset, self.axis):
            w.currentIndexChanged.connect(self.changed)
        for e in (self.mean, self.std, self.offset, self.affine_scale):
            e.textChanged.connect(self.changed)
        self.stats_from.currentTextChanged.connect(self.changed)
        self.per_channel.toggled.connect(self.changed)
        self._sync()

    def set_mode(self, key: str) -> None:
        self.mode.setCurrentIndex(self.mode.findData(key))

    def _preset(self) -> None:
        name = self.preset.currentData()
        if name:
            mean, std = MEANSTD_PRESETS[name]
            self.mean.setText(", ".join(f"{v:g}" for v in mean))
            self.std.setText(", ".join(f"{v:g}" for v in std))

    def _sync(self) -> None:
        mode = self.mode.currentData()
        for label, on in ((self.scale_label, mode == "scale"), (self.meanstd_label, mode == "meanstd"),
                          (self.affine_label, mode == "affine"), (self.pct_label, mode == "clip-percentiles"),
                          (self.stats_label, mode in MOMENT_MODES)):
            self._form.setRowVisible(label, on)  # the whole row: no gap where it was
        self.per_channel.setEnabled(mode in STAT_MODES or mode in ("meanstd", "affine"))
        self.axis.setEnabled(self.per_channel.isEnabled() and self.per_channel.isChecked())

    def fields(self) -> dict[str, Any]:
        """The TransformSpec fields of the normalization."""
        mode = self.mode.currentData()
        out: dict[str, Any] = {"normalize": None if mode == "none" else mode}
        if mode == "scale":
            out["scale"] = self.scale.value()
        elif mode == "meanstd":
            out["mean"] = parse_floats(self.mean.text(), "mean")
            out["std"] = parse_floats(self.std.text(), "std")
        elif mode == "affine":
            out["offset"] = parse_floats(self.offset.text(), "offset")
            out["scale"] = parse_floats(self.affine_scale.text(), "scale")
        elif mode == "clip-percentiles":
            out["percentiles"] = (self.p_lo.value(), self.p_hi.value())
        if mode in MOMENT_MODES:
            text = self.stats_from.currentText().strip()
            out["stats_from"] = None if not text or text == THIS_DATASET else text
        per = self.per_channel.isChecked() and self.per_channel.isEnabled()
        many = any(isinstance(out.get(k), tuple) and len(out[k]) > 1 for k in ("mean", "std", "offset", "scale"))
        out["per_channel"] = per or many
        if per or many:
            out["channel_axis"] = self.axis.currentData()
        return out
