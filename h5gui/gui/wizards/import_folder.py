"""File > Import image folder...: scan a folder tree of images, choose a layout and options, write it
into a new HDF5 file or a new group of an open writable file, with progress and cancel."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from h5gui.core import api, codecs
from h5gui.core.errors import H5GuiError
from h5gui.core.importer.records import ImportPlan, ImportReport, ImportSpec, ScanResult
from h5gui.core.text import format_bytes
from h5gui.gui.session import Session
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.wizards import RunPageBase
from h5gui.gui.wizards.import_training import (
    ResizeModeRow,
    TrainingBox,
    beside,
    counted,
    plan_lines,
    report_lines,
    suggested_fix,
)
from h5gui.gui.workers import JobRunner

LAYOUTS = (
    ("stack", "Arrays, stacked per folder",
     "Each folder becomes a group with one (N, H, W[, C]) dataset 'images' plus 'filenames'. Needs images "
     "of one size and mode per folder (or a resize)."),
    ("per-image", "Arrays, one dataset per image", "Each image becomes a dataset named after its file (mixed sizes)."),
    ("encoded", "Encoded bytes (PNG/JPEG as stored)",
     "The original file bytes, untouched: the HDF5 file is about the folder's size and decodes back bit-exactly."),
    ("classes", "Class folders (machine learning)",
     "First-level sub-folders are classes: writes 'images', 'labels', 'filenames' and a 'class_names' attribute; "
     "train/val/test folders become groups."),
)
COMPRESSIONS = (("none", None), *((name, name) for name in codecs.MENU))


class SourcePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Source folder")
        self.setSubTitle("Choose the folder of images. Its sub-folders become groups. Files are recognised by "
                         "their content, not their extension; anything skipped is listed.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("/path/to/images")
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        self.browse = browse
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.hidden = QCheckBox("Include hidden files and folders", self)
        layout.addWidget(self.hidden)
        self.progress = ProgressPanel(self)
        self.progress.hide()
        self.progress.done.connect(self.completeChanged)
        layout.addWidget(self.progress)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.folder.textChanged.connect(self._changed)
        self.hidden.toggled.connect(self._changed)
        self.registerField("source*", self.folder)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of images", self.folder.text() or os.getcwd())
        if path:
            self.folder.setText(path)

    def _changed(self) -> None:
        self.w.scan = None
        self.summary.setText("")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return os.path.isdir(self.folder.text()) and not self.progress.running()

    def validatePage(self) -> bool:  # noqa: N802
        """Scan in the background; Next moves on when the scan is done."""
        if self.w.scan is not None and self.w.scan.source == os.path.abspath(self.folder.text()):
            return True
        self.progress.show()
        self.progress.run(self.w.runner, api.importer.scan, os.path.abspath(self.folder.text()),
                          include_hidden=self.hidden.isChecked(), text="Scanning...", on_result=self._on_scan,
                          on_error=self._on_error, on_finished=self._scanned)
        self.completeChanged.emit()
        return False

    def _on_scan(self, scan: ScanResult) -> None:
        self.w.scan = scan

    def _scanned(self) -> None:
        """The scan's job is over (after its result or error): move on when it found something."""
        self.progress.hide()
        self.completeChanged.emit()
        if self.w.scan is not None and self.w.currentPage() is self:
            self.w.next()

    def _on_error(self, err: H5GuiError) -> None:
        self.progress.hide()
        self.summary.setText(f"<span style='color:#c62828'>{err}</span>")
        self.completeChanged.emit()


class OptionsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("What was found, and how to store it")
        layout = QVBoxLayout(self)
        self.found = QLabel("", self)
        self.found.setWordWrap(True)
        layout.addWidget(self.found)
        self.skipped = QTreeWidget(self)
        self.skipped.setHeaderLabels(["Skipped file", "Reason"])
        self.skipped.setRootIsDecorated(False)
        self.skipped.setMaximumHeight(110)
        layout.addWidget(self.skipped)
        self.layout_group = QButtonGroup(self)
        self.layout_buttons: dict[str, QRadioButton] = {}
        for key, text, tip in LAYOUTS:
            b = QRadioButton(text, self)
            b.setToolTip(tip)
            self.layout_group.addButton(b)
            self.layout_buttons[key] = b
            layout.addWidget(b)
        self.recommendation = QLabel("", self)
        self.recommendation.setStyleSheet("color: #555;")
        self.recommendation.setWordWrap(True)
        layout.addWidget(self.recommendation)
        form = QFormLayout()
        self.mode = QComboBox(self)
        for text, key in (("keep as stored", "keep"), ("grey (L)", "L"), ("RGB", "RGB"), ("RGBA", "RGBA")):
            self.mode.addItem(text, key)
        form.addRow("Colour mode", self.mode)
        resize_row = QHBoxLayout()
        self.resize_check = QCheckBox("resize to", self)
        self.width_spin = QSpinBox(self)
        self.height_spin = QSpinBox(self)
        for s in (self.width_spin, self.height_spin):
            s.setRange(1, 65535)
            s.setValue(224)
        self.resample = QComboBox(self)
        self.resample.addItems(["bilinear", "bicubic", "lanczos", "nearest"])
        self.resize_mode = ResizeModeRow(self)
        for wdg in (self.resize_check, self.width_spin, QLabel("x"), self.height_spin, self.resize_mode, self.resample):
            resize_row.addWidget(wdg)
        resize_row.addStretch(1)
        form.addRow("Size", resize_row)
        self.exif = QCheckBox("apply EXIF orientation", self)
        self.exif.setChecked(True)
        form.addRow("", self.exif)
        comp_row = QHBoxLayout()
        self.compression = QComboBox(self)
        for label, codec in COMPRESSIONS:
            self.compression.addItem(label, codec)
        self.compression.setToolTip("Off by default: natural images shrink 0-4 % at 1.2-1.7x the time")
        self.level = QSpinBox(self)
        self.level.setRange(0, 9)
        self.level.setValue(4)
        self.level.setToolTip("gzip level")
        comp_row.addWidget(self.compression)
        comp_row.addWidget(self.level)
        comp_row.addStretch(1)
        form.addRow("Compression", comp_row)
        self.workers = QSpinBox(self)
        self.workers.setRange(0, 64)
        self.workers.setSpecialValueText("automatic")
        form.addRow("Decoder processes", self.workers)
        layout.addLayout(form)
        self.training = TrainingBox(self)
        layout.addWidget(self.training)
        self.layout_group.buttonToggled.connect(self._sync)
        self.resize_check.toggled.connect(self._sync)
        self.compression.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        for w in (self.width_spin, self.height_spin, self.resample, self.resize_mode):
            w.setEnabled(self.resize_check.isChecked())
        self.training.set_classes_layout(self.layout_buttons["classes"].isChecked())
        self.level.setVisible(self.compression.currentData() == "gzip")

    def initializePage(self) -> None:  # noqa: N802
        scan = self.w.scan
        if scan is None:
            return
        formats: dict[str, int] = {}
        for f in scan.folders:
            for k, v in f.formats.items():
                formats[k] = formats.get(k, 0) + v
        fmt = ", ".join(f"{n:,} {k}" for k, n in sorted(formats.items(), key=lambda kv: -kv[1]))
        sizes = {s for f in scan.folders for s in f.sizes}
        size_text = (f"all {next(iter(sizes))[0]}x{next(iter(sizes))[1]} {next(iter(sizes))[2]}" if len(sizes) == 1
                     else f"{len(sizes)} different sizes/modes")
        self.found.setText(
            f"<b>{scan.n_images:,} images</b> in {len(scan.folders):,} folder{'s' if len(scan.folders) != 1 else ''} "
            f"({format_bytes(scan.nbytes)}): {fmt or 'none'}; {size_text}."
            + (f" {counted(len(scan.skipped), 'file')} will be skipped:" if scan.skipped else " Nothing to skip.")
        )
        self.skipped.clear()
        for rel, reason in scan.skipped[:2000]:
            QTreeWidgetItem(self.skipped, [rel, reason])
        self.skipped.setVisible(bool(scan.skipped))
        self.skipped.resizeColumnToContents(0)
        rec = scan.recommended_layout if scan.recommended_layout in self.layout_buttons else "stack"
        self.layout_buttons[rec].setChecked(True)
        self.recommendation.setText(f"Recommended: {dict((k, t) for k, t, _ in LAYOUTS)[rec]}. {scan.recommendation}")

    def options(self) -> dict[str, Any]:
        layout = next((k for k, b in self.layout_buttons.items() if b.isChecked()), "auto")
        compression = self.compression.currentData()
        return {
            "layout": layout,
            "mode": self.mode.currentData(),
            "resize": (self.width_spin.value(), self.height_spin.value()) if self.resize_check.isChecked() else None,
            "resample": self.resample.currentText(),
            "exif_transpose": self.exif.isChecked(),
            "compression": compression,
            "compression_opts": self.level.value() if compression == "gzip" else None,
            "workers": self.workers.value(),
            "resize_mode": self.resize_mode.mode.currentData(),
            "pad": self.resize_mode.pad.value(),
            **self.training.options(layout == "classes"),
        }

    def use_resize(self, size: tuple[int, int]) -> None:
        """Resize to ``size`` (the plan's suggestion), keeping the aspect ratio by a centre crop unless a mode was chosen."""
        self.resize_check.setChecked(True)
        self.width_spin.setValue(size[0])
        self.height_spin.setValue(size[1])
        if self.resize_mode.mode.currentData() == "stretch":
            self.resize_mode.mode.setCurrentIndex(self.resize_mode.mode.findData("crop"))


class TargetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Where to write")
        layout = QVBoxLayout(self)
        self.new_file = QRadioButton("A new HDF5 file", self)
        self.into_open = QRadioButton("A new group in an open file (editing enabled)", self)
        self.new_file.setChecked(True)
        row = QHBoxLayout()
        self.file_edit = QLineEdit(self)
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        self.browse = browse
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.open_files = QComboBox(self)
        self.group_edit = QLineEdit(self)
        self.group_edit.setPlaceholderText("/images")
        layout.addWidget(self.new_file)
        layout.addLayout(row)
        layout.addWidget(self.into_open)
        form = QFormLayout()
        form.addRow("File", self.open_files)
        form.addRow("New group", self.group_edit)
        layout.addLayout(form)
        self.plan_text = QPlainTextEdit(self)
        self.plan_text.setReadOnly(True)
        self.plan_text.setPlaceholderText("The datasets to be written appear here")
        layout.addWidget(self.plan_text, 1)
        self.use_suggested = QPushButton("Use the suggested resize", self)
        self.use_suggested.hide()
        self.use_suggested.clicked.connect(self._use_suggested)
        layout.addWidget(self.use_suggested)
        self.plan: ImportPlan | None = None
        self._planning = False
        for wdg in (self.file_edit, self.group_edit):
            wdg.textChanged.connect(self._invalidate)
        self.open_files.currentIndexChanged.connect(self._invalidate)
        self.new_file.toggled.connect(self._invalidate)
        self.new_file.toggled.connect(self._sync_enabled)
        self._sync_enabled()

    def _sync_enabled(self) -> None:
        """Only the fields of the chosen target can be edited (the other one is not used)."""
        new = self.new_file.isChecked()
        self.file_edit.setEnabled(new)
        self.browse.setEnabled(new)
        self.open_files.setEnabled(not new)
        self.group_edit.setEnabled(not new)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New HDF5 file", self.file_edit.text(), "HDF5 (*.h5 *.hdf5)")
        if path:
            self.file_edit.setText(path)

    def initializePage(self) -> None:  # noqa: N802
        scan = self.w.scan
        if scan is not None and not self.file_edit.text():
            src = scan.source.rstrip(os.sep)
            self.file_edit.setText(beside(src))  # beside the folder, never inside it (issue 12 defect 16)
            self.group_edit.setText("/" + (os.path.basename(src) or "images"))
        self.open_files.clear()
        for f in self.w.session.files:
            writable = self.w.session.is_writable(f)
            self.open_files.addItem(os.path.basename(f) + ("" if writable else "  (read-only: enable editing first)"), f)
        self.into_open.setEnabled(self.open_files.count() > 0)
        self._invalidate()

    def spec(self) -> ImportSpec:
        assert self.w.scan is not None
        opts = self.w.options_page.options()
        if self.new_file.isChecked():
            target, group = os.path.abspath(self.file_edit.text()), "/"
        else:
            target, group = str(self.open_files.currentData() or ""), self.group_edit.text() or "/"
        return ImportSpec(source=self.w.scan.source, target=target, group=group, **opts)

    def _invalidate(self) -> None:
        self.plan = None
        self.use_suggested.hide()
        self.completeChanged.emit()
        if self.w.scan is None:
            return
        try:
            spec = self.spec()
        except H5GuiError as exc:
            self.plan_text.setPlainText(str(exc))
            return
        if self.into_open.isChecked() and not self.w.session.is_writable(spec.target):
            self.plan_text.setPlainText("That file is open read-only: enable editing (Ctrl+E) for it first.")
            return
        self._planning = True
        self.w.runner.submit(api.importer.plan_import, spec, self.w.scan, key="import-plan",
                             on_result=self._on_plan, on_error=self._on_plan_error,
                             on_finished=self._planned)

    def _planned(self) -> None:
        self._planning = False
        if not self.w.closed:  # after a Cancel the page may be deleted already
            self.completeChanged.emit()

    def _on_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        assert self.w.scan is not None
        self.plan_text.setPlainText("\n".join(plan_lines(self.w.scan, plan)))
        fix = suggested_fix(plan)  # what the plan still misses: a resize, then a colour mode
        self.use_suggested.setVisible(fix is not None)
        if fix == "resize" and plan.suggested_resize is not None:
            self.use_suggested.setText("Use the suggested resize: {} x {}".format(*plan.suggested_resize))
        elif fix == "mode":
            self.use_suggested.setText("Use the suggested colour mode: RGB")
        self.completeChanged.emit()

    def _use_suggested(self) -> None:
        fix = suggested_fix(self.plan) if self.plan is not None else None
        if fix == "resize" and self.plan is not None and self.plan.suggested_resize is not None:
            self.w.options_page.use_resize(self.plan.suggested_resize)
        elif fix == "mode":
            mode = self.w.options_page.mode
            mode.setCurrentIndex(mode.findData("RGB"))
        else:
            return
        self._invalidate()

    def _on_plan_error(self, err: H5GuiError) -> None:
        self.plan = None
        self.plan_text.setPlainText(f"Cannot import like this: {err}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.plan is not None and self.plan.ok and not self._planning


class RunPage(RunPageBase):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__("Importing")
        self.w = wizard
        self.report: ImportReport | None = None
        self.failed = ""

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        self.report = None
        self.failed = ""
        self.result.clear()
        self.setTitle("Importing")
        spec = self.w.target_page.spec()
        self.w.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        self.progress.run(self.w.runner, api.importer.run_import, spec, self.w.scan, text=f"Importing {spec.source} ...",
                          on_result=self._done, on_error=self._error, on_aborted=self._aborted)
        self.completeChanged.emit()

    def _done(self, report: ImportReport) -> None:
        self.report = report
        plan = self.w.target_page.plan
        self.result.setPlainText("\n".join(report_lines(report, plan.n_skipped if plan is not None else 0)))
        failed = report.n_skipped - (plan.n_skipped if plan is not None else 0)
        self.progress.label.setText(f"Done: {report.n_imported:,} imported" + (f", {failed:,} failed" if failed else ""))
        self.setTitle("Imported" if report.n_imported else "Nothing imported")
        self.completeChanged.emit()
        self.w.imported.emit(report)

    def _error(self, err: H5GuiError) -> None:
        self.failed = str(err)
        self.progress.label.setText("Failed")
        self.setTitle("The import failed")
        self.result.setPlainText(f"The import failed: {err}\nNothing was left behind; the target is as it was.")
        self.completeChanged.emit()

    def _aborted(self) -> None:
        self.failed = "cancelled"
        self.progress.label.setText("Cancelled")  # not "Cancelling..." forever (issue 12 defect 16)
        self.setTitle("Import cancelled")
        self.result.setPlainText("Cancelled. Nothing was left behind; the target is as it was.")
        self.completeChanged.emit()



class ImportWizard(QWizard):
    """Source folder -> what was found and how to store it -> where -> run. Emits ``imported`` with the
    ImportReport when the import is complete."""

    imported = Signal(object)  # ImportReport

    def __init__(self, parent: QWidget, session: Session, runner: JobRunner, source: str = "") -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.scan: ScanResult | None = None
        self.closed = False
        self.setWindowTitle("Import image folder")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)  # the run page has its own Cancel
        self.source_page = SourcePage(self)
        self.options_page = OptionsPage(self)
        self.target_page = TargetPage(self)
        self.run_page = RunPage(self)
        for p in (self.source_page, self.options_page, self.target_page, self.run_page):
            self.addPage(p)
        if source:
            self.source_page.folder.setText(source)
        self.resize(720, 600)

    def reject(self) -> None:
        for panel in (self.source_page.progress, self.run_page.progress):
            if panel.running():
                panel.cancel()
        self.closed = True
        self.runner.cancel("import-plan")  # its result would reach widgets deleted with the wizard
        super().reject()
