"""Right-click a dataset > Transform...: reshape, cast, normalize, rechunk/recompress, out of core,
with a preview of one sample before running, progress and cancel."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from h5gui.core import api, codecs
from h5gui.core.errors import H5GuiError
from h5gui.core.parsing import parse_ints
from h5gui.core.text import format_bytes, shape_text
from h5gui.core.transform.records import TransformPlan, TransformReport, TransformSpec
from h5gui.gui.wizards import RunPageBase
from h5gui.gui.wizards.transform_options import NormalizeBox
from h5gui.gui.workers import JobRunner

log = logging.getLogger(__name__)

DTYPES = ("keep", "float32", "float64", "float16", "uint8", "uint16", "int8", "int16", "int32", "int64", "uint32",
          "uint64")
RESHAPES = (
    ("none", "keep the shape"),
    ("add-last", "add a channel axis last   (N, H, W) -> (N, H, W, 1)"),
    ("add-first", "add an axis after the first   (N, H, W) -> (N, 1, H, W)"),
    ("squeeze", "remove size-1 axes"),
    ("to-last", "channels-first -> channels-last   (N, C, H, W) -> (N, H, W, C)"),
    ("to-first", "channels-last -> channels-first   (N, H, W, C) -> (N, C, H, W)"),
    ("flatten", "flatten each sample   (N, ...) -> (N, -1)"),
    ("transpose", "transpose (reverse the axes)"),
    ("custom", "custom shape:"),
)
CHUNKS = (("auto", "automatic (about 1-4 MiB)"), ("sample", "one sample per chunk"), ("keep", "as the source"),
          ("none", "contiguous (no chunks)"), ("custom", "custom:"))
COMPRESSIONS = (("none", None), *((name, name) for name in codecs.MENU))


def array_pixmap(a: np.ndarray, size: int = 160) -> QPixmap | None:
    """A grey (or RGB) picture of a 2-D sample, scaled to its own min/max, for the before/after view."""
    a = np.asarray(a)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[0] in (3, 4) and a.shape[-1] not in (3, 4):
        a = np.moveaxis(a, 0, -1)
    rgb = a.ndim == 3 and a.shape[-1] in (3, 4)
    if a.ndim != 2 and not rgb:
        return None
    if a.dtype.kind not in "biuf" or a.size == 0:
        return None
    f = a.astype(np.float64)
    finite = f[np.isfinite(f)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    g = np.clip((np.nan_to_num(f, nan=lo) - lo) / ((hi - lo) or 1.0) * 255, 0, 255).astype(np.uint8)
    g = np.ascontiguousarray(g[..., :3] if rgb else g)
    h, w = g.shape[:2]
    fmt = QImage.Format.Format_RGB888 if rgb else QImage.Format.Format_Grayscale8
    img = QImage(g.data, w, h, g.strides[0], fmt).copy()
    return QPixmap.fromImage(img).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.FastTransformation)


class OperationsPage(QWizardPage):
    def __init__(self, wizard: TransformWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Operations")
        more = f" and {len(wizard.others)} more dataset(s), each into its own new dataset" if wizard.others else ""
        self.setSubTitle(f"{wizard.source}: {wizard.shape_text}  {wizard.dtype_text}{more}. Operations run in one "
                         "pass, in float64, cast at the end.")
        form = QFormLayout(self)
        self.reshape = QComboBox(self)
        for key, text in RESHAPES:
            self.reshape.addItem(text, key)
        self.custom_shape = QLineEdit(self)
        self.custom_shape.setPlaceholderText("e.g. 60000, 28, 28, 1 (one -1 allowed)")
        form.addRow("Reshape", self.reshape)
        form.addRow("", self.custom_shape)
        self.dtype = QComboBox(self)
        self.dtype.addItems(DTYPES)
        form.addRow("Datatype", self.dtype)
        self.overflow = QComboBox(self)
        self.overflow.addItem("clip values that do not fit", "clip")
        self.overflow.addItem("refuse (stop and report the first one)", "refuse")
        form.addRow("Out of range", self.overflow)
        self.rounding = QComboBox(self)
        self.rounding.addItems(["round", "floor", "ceil", "trunc"])
        form.addRow("Float to int", self.rounding)
        self.norm = NormalizeBox([wizard.source, *wizard.others], len(wizard.shape), self)
        self.normalize = self.norm.mode
        form.addRow(self.norm)
        for wdg in (self.reshape, self.dtype):
            wdg.currentIndexChanged.connect(self._sync)
        self._sync()
        # defaults that follow the data, from the core (it reads the image attributes too): (N,28,28) uint8 ->
        # (N,28,28,1) float32 / 255; (N,H,W,3) and a (3,H,W) colour picture keep their shape. They arrive a
        # few ms after the page shows, and change nothing the user has already chosen.
        self._untouched = self._choices()
        self.defaults_done = False  # the core's answer came (applied, or not needed)
        wizard.runner.submit(api.transform.default_spec, wizard.file, wizard.source, key="transform-defaults",
                             on_result=self._apply_defaults, on_error=self._no_defaults)

    def _choices(self) -> tuple[int, ...]:
        return (self.reshape.currentIndex(), self.dtype.currentIndex(), self.norm.mode.currentIndex())

    def _apply_defaults(self, spec: TransformSpec) -> None:
        self.defaults_done = True
        # the user chose already, or went on: the plan and sample shown are of the page as it is
        if self._choices() != self._untouched or self.w.currentPage() is not self:
            return
        self.reshape.setCurrentIndex(self.reshape.findData("add-last" if spec.add_axis == -1 else "none"))
        self.dtype.setCurrentText(spec.dtype or "keep")
        self.norm.set_mode(spec.normalize or "none")
        if spec.normalize == "scale" and isinstance(spec.scale, int | float):
            self.norm.scale.setValue(float(spec.scale))

    def _no_defaults(self, exc: H5GuiError) -> None:  # the operations stay as they are (keep everything)
        self.defaults_done = True
        log.info("no transform defaults for %s: %s", self.w.source, exc)

    def _sync(self) -> None:
        self.custom_shape.setVisible(self.reshape.currentData() == "custom")
        to_int = self.dtype.currentText() not in ("keep", "float32", "float64", "float16")
        self.rounding.setEnabled(to_int)

    def fields(self) -> dict[str, Any]:
        rank = len(self.w.shape)
        key = self.reshape.currentData()
        out: dict[str, Any] = {}
        if key == "add-last":
            out["add_axis"] = -1
        elif key == "add-first":
            out["add_axis"] = 1
        elif key == "squeeze":
            out["squeeze"] = True
        elif key == "to-last":
            out["move_axis"] = (1, -1)
        elif key == "to-first":
            out["move_axis"] = (-1, 1)
        elif key == "flatten":
            out["reshape"] = (self.w.shape[0], -1) if rank else (-1,)
        elif key == "transpose":
            out["transpose"] = tuple(reversed(range(rank)))
        elif key == "custom":
            out["reshape"] = parse_ints(self.custom_shape.text(), "the new shape")
        dtype = self.dtype.currentText()
        out["dtype"] = None if dtype == "keep" else dtype
        out["overflow"] = self.overflow.currentData()
        out["rounding"] = self.rounding.currentText()
        out.update(self.norm.fields())
        return out


class StoragePage(QWizardPage):
    def __init__(self, wizard: TransformWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Output")
        form = QFormLayout(self)
        self.dest = QLineEdit(self)
        self.dest.setPlaceholderText("suggested from the source name")
        form.addRow("New dataset", self.dest)
        self.replace_check = QCheckBox("replace the source (written aside, swapped in only when complete)", self)
        form.addRow("", self.replace_check)
        self.chunks = QComboBox(self)
        for key, text in CHUNKS:
            self.chunks.addItem(text, key)
        self.custom_chunks = QLineEdit(self)
        self.custom_chunks.setPlaceholderText("e.g. 64, 28, 28, 1")
        form.addRow("Chunks", self.chunks)
        form.addRow("", self.custom_chunks)
        comp = QHBoxLayout()
        self.compression = QComboBox(self)
        for label, codec in COMPRESSIONS:
            self.compression.addItem(label, codec)
        self.level = QSpinBox(self)
        self.level.setRange(0, 9)
        self.level.setValue(4)
        comp.addWidget(self.compression)
        comp.addWidget(self.level)
        comp.addStretch(1)
        form.addRow("Compression", comp)
        self.replace_check.toggled.connect(lambda on: self.dest.setEnabled(not on and not self.w.others))
        if wizard.others:  # several datasets: each gets a name suggested from its own
            self.dest.setEnabled(False)
            self.dest.setPlaceholderText("one new dataset beside each source, named after it")
        self.chunks.currentIndexChanged.connect(self._sync)
        self.compression.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.custom_chunks.setVisible(self.chunks.currentData() == "custom")
        self.level.setVisible(self.compression.currentData() == "gzip")

    def initializePage(self) -> None:  # noqa: N802
        if not self.dest.text() and not self.w.others:
            self.w.runner.submit(api.transform.suggest_dest, self.w.file, self.w.source,
                                 TransformSpec(file=self.w.file, source=self.w.source,
                                                         **self.w.ops_page.fields()),
                                 key="transform-dest", on_result=self.dest.setText, on_error=lambda _e: None)

    def fields(self) -> dict[str, Any]:
        key = self.chunks.currentData()
        chunks: Any = key
        if key == "none":
            chunks = None
        elif key == "custom":
            chunks = parse_ints(self.custom_chunks.text(), "the chunk shape")
        comp = self.compression.currentData()
        return {
            "dest": (self.dest.text() or None) if not self.w.others else None,
            "replace": self.replace_check.isChecked(),
            "chunks": chunks,
            "compression": comp,
            "compression_opts": self.level.value() if comp == "gzip" else None,
        }


class PreviewPage(QWizardPage):
    def __init__(self, wizard: TransformWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Check before running")
        layout = QVBoxLayout(self)
        self.plan_text = QPlainTextEdit(self)
        self.plan_text.setReadOnly(True)
        layout.addWidget(self.plan_text, 1)
        row = QHBoxLayout()
        self.before = QLabel("before", self)
        self.after = QLabel("after", self)
        for lab in (self.before, self.after):
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setMinimumSize(170, 170)
            lab.setStyleSheet("border: 1px solid #ccc;")
            row.addWidget(lab)
        self.values = QLabel("", self)
        self.values.setWordWrap(True)
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.values, 1)
        layout.addLayout(row)
        self.plan: TransformPlan | None = None
        self.plans: list[TransformPlan | None] = []
        self.errors: list[str] = []

    def initializePage(self) -> None:  # noqa: N802
        self.plan = None
        self.before.setText("before")
        self.after.setText("after")
        self.values.setText("")
        try:
            specs = self.w.specs()
        except H5GuiError as exc:
            self.plan_text.setPlainText(f"Cannot run: {exc}")
            return
        spec = specs[0]
        self.plans = [None] * len(specs)
        self.errors = []
        self.plan_text.setPlainText("Planning...")
        for i, one in enumerate(specs):  # every dataset planned: a bad one refuses the run before anything is written
            self.w.runner.submit(api.transform.plan_transform, one, key=f"transform-plan-{i}",
                                 on_result=functools.partial(self._on_plan, i), on_error=self._on_error)
        self.w.runner.submit(api.transform.preview_transform, spec, 0, key="transform-preview",
                             on_result=self._on_preview, on_error=lambda e: self.values.setText(f"No preview: {e}"))
        self.completeChanged.emit()

    def _on_plan(self, i: int, plan: TransformPlan) -> None:
        self.plans[i] = plan
        if self.errors or any(p is None for p in self.plans):
            return
        lines: list[str] = []
        for one in self.plans:
            assert one is not None
            lines += self._plan_lines(one) + [""]
        self.plan = self.plans[0]
        self.plan_text.setPlainText("\n".join(lines).rstrip())
        self.completeChanged.emit()

    @staticmethod
    def _plan_lines(plan: TransformPlan) -> list[str]:
        chunks = " x ".join(map(str, plan.out_chunks)) if plan.out_chunks else "contiguous"
        return [
            f"{plan.spec.source}  {' x '.join(map(str, plan.in_shape))}  {plan.in_dtype}",
            f"  -> {plan.dest}  {' x '.join(map(str, plan.out_shape))}  {plan.out_dtype}",
            f"chunks {chunks}, compression {plan.compression or 'none'}, about {format_bytes(plan.estimated_bytes)}, "
            f"{plan.passes} pass{'es' if plan.passes > 1 else ''} over the data",
            "",
            *[f"{i + 1}. {s}" for i, s in enumerate(plan.steps)],
            *[f"warning: {w}" for w in plan.warnings],
        ]

    def _on_error(self, err: H5GuiError) -> None:
        self.plan = None
        self.errors.append(str(err))
        self.plan_text.setPlainText("\n".join(f"Cannot run: {e}" for e in self.errors))
        self.completeChanged.emit()

    def _on_preview(self, result: tuple[np.ndarray, np.ndarray]) -> None:
        before, after = result
        for label, arr, name in ((self.before, before, "before"), (self.after, after, "after")):
            pix = array_pixmap(arr)
            if pix is not None:
                label.setPixmap(pix)
            else:
                label.setText(name)
        def stats(a: np.ndarray) -> str:
            a = np.asarray(a)
            if a.size == 0 or a.dtype.kind not in "biuf":
                return f"{a.shape} {a.dtype}"
            return (f"shape {a.shape}, {a.dtype}, min {np.nanmin(a):.6g}, max {np.nanmax(a):.6g}, "
                    f"mean {np.nanmean(a.astype(np.float64)):.6g}")
        self.values.setText(f"<b>Before</b> (sample 0): {stats(before)}<br><b>After</b>: {stats(after)}")

    def isComplete(self) -> bool:  # noqa: N802
        return self.plan is not None


class RunPage(RunPageBase):
    def __init__(self, wizard: TransformWizard) -> None:
        super().__init__("Transforming")
        self.w = wizard
        self.report: TransformReport | None = None
        self.reports: list[TransformReport] = []

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        self.report = None
        self.reports = []
        specs = self.w.specs()
        self.w.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        what = specs[0].source if len(specs) == 1 else f"{len(specs)} datasets"
        self.progress.run(self.w.runner, api.transform.run_transforms, specs, text=f"Transforming {what} ...",
                          on_result=self._done, on_error=self._error, on_aborted=self._aborted)
        self.completeChanged.emit()

    def _done(self, reports: list[TransformReport]) -> None:
        self.reports = list(reports)
        self.report = reports[0] if reports else None
        lines = []
        for report in reports:
            stats = ", ".join(f"{k} {short_number(v)}" for k, v in report.stats.items()) if report.stats else ""
            lines.append(f"Wrote {report.dest}: {' x '.join(map(str, report.out_shape))} {report.out_dtype} "
                         f"({format_bytes(report.nbytes_out)}) in {report.seconds:.1f} s."
                         + (f"\nStatistics: {stats}" if stats else ""))
            lines += [f"warning: {w}" for w in report.warnings]
        self.result.setPlainText("\n".join(lines))
        self.progress.label.setText(f"Done: {len(reports)} dataset(s) written")
        self.completeChanged.emit()
        for report in reports:
            self.w.transformed.emit(report)

    def _error(self, err: H5GuiError) -> None:
        self.progress.label.setText("Failed")
        self.result.setPlainText(f"The transform failed: {err}\nThe partial output was removed; the file is as it was.")
        self.completeChanged.emit()

    def _aborted(self) -> None:
        self.progress.label.setText("Cancelled")
        self.result.setPlainText("Cancelled. The partial output was removed; the file is as it was.")
        self.completeChanged.emit()



def short_number(v: Any) -> str:
    """A statistic as a reader wants it: 6 significant digits (lists element by element); the exact
    values are stored as attributes of the output."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(short_number(x) for x in v) + "]"
    return str(v)


class TransformWizard(QWizard):
    """Operations -> output -> check (plan and a before/after sample) -> run. Emits ``transformed`` with
    the TransformReport when the new dataset is complete."""

    transformed = Signal(object)  # TransformReport

    def __init__(self, parent: QWidget, runner: JobRunner, file: str, source: str, shape: tuple[int, ...],
                 dtype_text: str, others: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.runner = runner
        self.file, self.source, self.shape = file, source, tuple(shape)
        self.others = tuple(o for o in others if o != source)  # more datasets of the file: the same operations
        self.dtype_text = dtype_text
        self.shape_text = shape_text(shape)
        self.setWindowTitle(f"Transform {source}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)  # the run page has its own Cancel
        self.ops_page = OperationsPage(self)
        self.storage_page = StoragePage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        for p in (self.ops_page, self.storage_page, self.preview_page, self.run_page):
            self.addPage(p)
        self.resize(760, 620)

    def spec(self) -> TransformSpec:
        spec = TransformSpec(file=self.file, source=self.source)
        return replace(spec, **self.ops_page.fields(), **self.storage_page.fields())

    def specs(self) -> list[TransformSpec]:
        """One spec per dataset: the selection's first, then the others (each with its own new name)."""
        first = self.spec()
        return [first, *(replace(first, source=o, dest=None) for o in self.others)]

    def reject(self) -> None:
        if self.run_page.progress.running():
            self.run_page.progress.cancel()
        # the pages' pending reads: their results would reach widgets deleted with the wizard
        for key in ("transform-defaults", "transform-dest", "transform-preview", *(f"transform-plan-{i}" for i in range(1 + len(self.others)))):
            self.runner.cancel(key)
        super().reject()

