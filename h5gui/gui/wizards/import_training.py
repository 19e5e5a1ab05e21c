"""The import wizard's options for training (the CLI's ``--split``, ``--seed``, ``--shuffle``,
``--labels-file``, ``--encoded``, ``--resize-mode``, ``--pad``, ``--chunk-images``, ``--all-frames``)
and the words of its dry-run plan and of its report."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from h5gui.core.importer.records import DEFAULT_SPLIT_NAMES, ImportPlan, ImportReport, ScanResult
from h5gui.core.text import format_bytes, shape_text

RESIZE_MODES = (
    ("stretch", "stretch to W x H", "Exactly W x H: the aspect ratio changes"),
    ("fit", "fit inside, pad", "Inside W x H with the aspect ratio kept, padded with the pad value"),
    ("crop", "cover, centre crop", "Covers W x H with the aspect ratio kept, centre cropped"),
    ("shorter", "shorter side", "The shorter side becomes min(W, H), the aspect ratio kept (sizes may differ)"),
)


class ResizeModeRow(QWidget):
    """How the resize keeps the aspect ratio (``resize_mode``) and the padding value of ``fit``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.mode = QComboBox(self)
        for key, text, tip in RESIZE_MODES:
            self.mode.addItem(text, key)
            self.mode.setItemData(self.mode.count() - 1, tip, 3)  # Qt.ToolTipRole
        self.pad_label = QLabel("pad", self)
        self.pad = QSpinBox(self)
        self.pad.setRange(0, 65535)
        self.pad.setToolTip("The value of the padding (0: black)")
        for w in (self.mode, self.pad_label, self.pad):
            row.addWidget(w)
        row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        fit = self.mode.currentData() == "fit"
        self.pad.setVisible(fit)
        self.pad_label.setVisible(fit)


class TrainingBox(QGroupBox):
    """Split (fractions, names, seed), shuffle, labels file, encoded bytes with labels, images per chunk,
    every frame of multi-frame files. ``changed`` whenever an option changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("For training", parent)
        form = QFormLayout(self)
        split_row = QHBoxLayout()
        self.split_check = QCheckBox("split at random, by class:", self)
        self.split_check.setToolTip("Each class is split by these percentages (stratified), drawn with the seed; "
                                    "replaces the folders' own train/val split")
        split_row.addWidget(self.split_check)
        self.fractions: list[QSpinBox] = []
        self.names: list[QLineEdit] = []
        for name, pct in zip(DEFAULT_SPLIT_NAMES, (80, 10, 10), strict=True):
            n = QLineEdit(name, self)
            n.setMaximumWidth(70)
            s = QSpinBox(self)
            s.setRange(0, 100)
            s.setSuffix(" %")
            s.setValue(pct)
            self.names.append(n)
            self.fractions.append(s)
            split_row.addWidget(n)
            split_row.addWidget(s)
        split_row.addStretch(1)
        form.addRow(split_row)
        seed_row = QHBoxLayout()
        self.shuffle = QCheckBox("shuffle within each split", self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed gives the same split and order")
        seed_row.addWidget(self.shuffle)
        seed_row.addWidget(QLabel("seed", self))
        seed_row.addWidget(self.seed)
        seed_row.addStretch(1)
        form.addRow(seed_row)
        labels_row = QHBoxLayout()
        self.labels_file = QLineEdit(self)
        self.labels_file.setPlaceholderText("labels from the class folders, or a CSV/JSON file (file -> label)")
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        labels_row.addWidget(self.labels_file, 1)
        labels_row.addWidget(browse)
        form.addRow("Labels file", labels_row)
        self.encoded = QCheckBox("keep the files' encoded bytes with the labels (nothing decoded, no resize)", self)
        form.addRow(self.encoded)
        self.folder_splits = QCheckBox("train/val/test folders of the source become groups (without a random split)", self)
        self.folder_splits.setChecked(True)
        form.addRow(self.folder_splits)
        other_row = QHBoxLayout()
        self.chunk_one = QCheckBox("one image per chunk (fast shuffled reads)", self)
        self.chunk_one.setChecked(True)
        self.chunk_one.setToolTip("Off: chunks of about 1 MiB (faster in order, slower at random)")
        self.all_frames = QCheckBox("every frame of multi-frame files", self)
        self.all_frames.setToolTip("Multi-page TIFF, animated GIF/WebP: each frame an image (default: the first)")
        other_row.addWidget(self.chunk_one)
        other_row.addWidget(self.all_frames)
        other_row.addStretch(1)
        form.addRow(other_row)
        self.split_check.toggled.connect(self._sync)
        for cb in (self.split_check, self.shuffle, self.encoded, self.chunk_one, self.all_frames, self.folder_splits):
            cb.toggled.connect(self.changed)
        for s in (*self.fractions, self.seed):
            s.valueChanged.connect(self.changed)
        for e in (*self.names, self.labels_file):
            e.textChanged.connect(self.changed)
        self._sync()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Labels file", self.labels_file.text(),
                                              "Labels (*.csv *.json *.txt);;All files (*)")
        if path:
            self.labels_file.setText(path)

    def _sync(self) -> None:
        for w in (*self.fractions, *self.names):
            w.setEnabled(self.split_check.isChecked())

    def set_classes_layout(self, classes: bool) -> None:
        """Split, labels and encoded-with-labels go with the classes layout only."""
        widgets: tuple[QWidget, ...] = (self.split_check, self.shuffle, self.seed, self.labels_file, self.encoded,
                                        self.folder_splits)
        for w in widgets:
            w.setEnabled(classes)
        self._sync()
        if not classes:
            for w in (*self.fractions, *self.names):
                w.setEnabled(False)

    def options(self, classes: bool) -> dict[str, Any]:
        """The ImportSpec fields of this box (the training ones only with the classes layout)."""
        out: dict[str, Any] = {"chunk_images": 1 if self.chunk_one.isChecked() else 0,
                               "all_frames": self.all_frames.isChecked()}
        if not classes:
            return out
        out["shuffle"] = self.shuffle.isChecked()
        out["seed"] = self.seed.value()
        out["encoded"] = self.encoded.isChecked()
        out["splits"] = self.folder_splits.isChecked()
        labels = self.labels_file.text().strip()
        out["labels_file"] = os.path.abspath(os.path.expanduser(labels)) if labels else None
        if self.split_check.isChecked():
            used = [(n.text().strip(), s.value()) for n, s in zip(self.names, self.fractions, strict=True) if s.value()]
            out["split"] = tuple(v / 100 for _, v in used)
            out["split_names"] = tuple(n for n, _ in used) + tuple(
                n.text().strip() for n, s in zip(self.names, self.fractions, strict=True) if not s.value())
        return out


def plan_lines(scan: ScanResult, plan: ImportPlan) -> list[str]:
    """The dry run in words, as ``h5gui-cli import-images --dry-run`` prints it (what is missing last)."""
    workers = f"{plan.workers} decoder process(es)" if plan.workers else "decoding in h5gui's reader"
    lines = [f"{plan.n_images:,} images as '{plan.layout}' into {'a new' if plan.new_file else 'the existing'} file, "
             f"group {plan.group}: about {format_bytes(plan.estimated_bytes)}; {workers}."]
    if plan.class_names:
        lines.append(f"Classes: {', '.join(plan.class_names)}")
    if len(plan.groups) > 1 or plan.spec.split:
        lines.append("Groups: " + ", ".join(f"{g} ({n:,})" for g, n in plan.groups))
    if plan.n_skipped:
        lines.append(f"{counted(plan.n_skipped, 'file')} will be skipped (listed in the group's 'skipped' dataset)")
    lines.append(f"Datasets ({len(plan.datasets):,}):")
    for path, shape, dtype in plan.datasets[:200]:
        lines.append(f"  {path}  {shape_text(shape)}  {dtype}")
    if len(plan.datasets) > 200:
        lines.append(f"  ... and {len(plan.datasets) - 200:,} more")
    lines += [f"Warning: {w}" for w in plan.warnings]
    lines += [f"Missing: {p}" for p in plan.problems]
    fix = missing_in_words(plan)
    if fix:
        lines.append(f"Try: {fix} (Back to the options page, or the button below)")
    return lines


def suggested_fix(plan: ImportPlan) -> str | None:
    """The one change the wizard's button makes for a plan that cannot run: "resize" (mixed sizes),
    then "mode" (mixed colour modes once the sizes agree); None when nothing is missing."""
    if plan.ok:
        return None
    if plan.suggested_resize and any("resize" in p for p in plan.problems):
        return "resize"
    if any("choose a mode" in p for p in plan.problems):
        return "mode"
    return None


def missing_in_words(plan: ImportPlan) -> str:
    """What would make the plan runnable, in the wizard's words (the CLI's ``--resize WxH``)."""
    parts = []
    if plan.suggested_resize and any("resize" in p for p in plan.problems):
        w, h = plan.suggested_resize
        parts.append(f"resize to {w} x {h}" + (" (cover, centre crop)" if plan.spec.resize_mode == "stretch" else "")
                     + f" (--resize {w}x{h})")
    if any("choose a mode" in p for p in plan.problems):
        parts.append("colour mode RGB (--mode RGB)")
    return ", ".join(parts)


def counted(n: int, word: str) -> str:
    """``'1 file'``, ``'2 files'``: a count with its word."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def report_lines(report: ImportReport, n_planned_skips: int) -> list[str]:
    """The outcome: imported of processed, which failed while decoding (and why), what the scan skipped,
    the warnings (multi-frame files imported as their first frame...). ``n_planned_skips``: the plan's
    ``n_skipped`` (the report lists those first, then the images that failed)."""
    failed = list(report.skipped[n_planned_skips:])
    processed = report.n_imported + len(failed)
    if report.n_imported == 0:
        lines = [f"Nothing imported into {report.target}: {counted(processed, 'image')} failed; nothing was written."]
    else:
        rate = f", {report.rate:,.0f} images/s" if report.seconds > 0 else ""
        lines = [f"Imported {report.n_imported:,} of {processed:,} images into {report.target}:{report.group} "
                 f"as '{report.layout}' in {report.seconds:.1f} s{rate}."]
        if report.datasets:
            lines.append(f"{counted(len(report.datasets), 'dataset')} written:")
            lines += [f"  {d}" for d in report.datasets[:50]]
            if len(report.datasets) > 50:
                lines.append(f"  ... and {len(report.datasets) - 50:,} more")
    if failed:
        lines.append(f"{counted(len(failed), 'image')} failed while decoding:")
        lines += [f"  {rel}: {reason}" for rel, reason in failed[:1000]]
    other = report.skipped[:n_planned_skips]
    if other:
        lines.append(f"{counted(len(other), 'file')} skipped before decoding:")
        lines += [f"  {rel}: {reason}" for rel, reason in other[:1000]]
    # the plan's "N files will be skipped" is listed above, in the past tense
    lines += [f"Warning: {w}" for w in report.warnings if "will be skipped" not in w]
    return lines


def beside(source: str) -> str:
    """The default new file for a source folder: ``NAME.h5`` beside the folder (in its parent), not inside
    it; ``NAME-2.h5``... when that exists already."""
    src = os.path.abspath(source).rstrip(os.sep) or os.sep
    parent, name = os.path.split(src)
    name = name or "images"
    candidate = os.path.join(parent, name + ".h5")
    k = 2
    while os.path.exists(candidate):
        candidate = os.path.join(parent, f"{name}-{k}.h5")
        k += 1
    return candidate
