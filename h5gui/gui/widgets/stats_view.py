"""Statistics of a dataset (``h5gui-cli stats``): min, max, mean, std per channel, NaN and infinity
counts, a histogram, and for a labels dataset the count of each class with its name. Computed out of
core in the I/O process with progress and cancel; "Store as attributes" writes them on the dataset."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.errors import H5GuiError
from h5gui.core.stats.records import DatasetStats, StatsSpec
from h5gui.core.text import shape_text
from h5gui.gui.widgets.bar_chart import BarChart
from h5gui.gui.widgets.progress_panel import ProgressPanel
from h5gui.gui.workers import JobRunner

COLOUR_NAMES = ("red", "green", "blue", "alpha")  # of 3 or 4 channels, as the image view shows them
CHANNEL_COLOURS = ("#d32f2f", "#388e3c", "#1976d2", "#616161")


def _num(v: float) -> str:
    return f"{v:.6g}"


class StatsDialog(QDialog):
    """Statistics of ``path`` in ``file``. ``ensure_writable(file, then)`` runs ``then`` once the file
    is open for editing (asking the user first); ``stored`` is emitted when the attributes are written."""

    stored = Signal(str, str)  # file, path
    computed = Signal(object)  # DatasetStats

    def __init__(self, parent: QWidget, runner: JobRunner, file: str, path: str, shape: tuple[int, ...],
                 ensure_writable: Callable[[str, Callable[[], None]], None]) -> None:
        super().__init__(parent)
        self.runner, self.file, self.path, self.shape = runner, file, path, tuple(shape)
        self.ensure_writable = ensure_writable
        self.stats: DatasetStats | None = None
        self.error = ""
        self.setWindowTitle(f"Statistics of {path}")
        layout = QVBoxLayout(self)
        opts = QHBoxLayout()
        self.per_channel = QCheckBox("per channel, along", self)
        self.per_channel.setChecked(True)
        self.axis = QComboBox(self)
        self.axis.addItem("the data's channel axis", None)
        for k in range(len(self.shape)):
            self.axis.addItem(f"axis {k} ({self.shape[k]:,})", k)
        self.bins = QSpinBox(self)
        self.bins.setRange(1, 65536)
        self.bins.setValue(64)
        self.bins.setPrefix("bins ")
        self.compute_button = QPushButton("Compute", self)
        self.compute_button.clicked.connect(lambda: self.compute())
        for w in (self.per_channel, self.axis, self.bins, self.compute_button):
            opts.addWidget(w)
        opts.addStretch(1)
        layout.addLayout(opts)
        self.progress = ProgressPanel(self)
        layout.addWidget(self.progress)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget(self)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(["channel", "min", "max", "mean", "std"])
        self.table.verticalHeader().hide()
        self.tabs.addTab(self.table, "Per channel")
        hist_box = QWidget(self)
        hl = QVBoxLayout(hist_box)
        hl.setContentsMargins(0, 4, 0, 0)
        self.hist_channel = QComboBox(hist_box)  # all channels together, or one of them
        self.hist_channel.setToolTip("The histogram of every channel together, or of one channel (same bins)")
        self.hist_channel.currentIndexChanged.connect(self._show_histogram)
        row = QHBoxLayout()
        row.addWidget(self.hist_channel)
        row.addStretch(1)
        hl.addLayout(row)
        self.histogram = BarChart(hist_box)
        hl.addWidget(self.histogram, 1)
        self.tabs.addTab(hist_box, "Histogram")
        self.classes = BarChart(self)
        self.class_table = QTableWidget(0, 3, self)
        self.class_table.setHorizontalHeaderLabels(["label", "name", "count"])
        self.class_table.verticalHeader().hide()
        box = QWidget(self)
        cl = QHBoxLayout(box)
        cl.addWidget(self.classes, 2)
        cl.addWidget(self.class_table, 1)
        self.class_tab = self.tabs.addTab(box, "Classes")
        layout.addWidget(self.tabs, 1)
        buttons = QHBoxLayout()
        self.log_scale = QCheckBox("log counts", self)
        self.log_scale.toggled.connect(self._log)
        self.store_button = QPushButton("Store as attributes", self)
        self.store_button.setToolTip("Write min, max, mean, std, counts and the histogram as attributes of the dataset "
                                     "(the loader snippets then normalize with them); needs editing")
        self.store_button.clicked.connect(self.store)
        self.copy_button = QPushButton("Copy as text", self)
        self.copy_button.clicked.connect(self.copy_text)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        for w in (self.log_scale, self.store_button, self.copy_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.per_channel.toggled.connect(lambda on: self.axis.setEnabled(on))
        self._busy(False)
        self.store_button.setEnabled(False)
        self.resize(720, 520)

    def spec(self, store: bool = False) -> StatsSpec:
        return StatsSpec(self.file, self.path, channel_axis=self.axis.currentData(),
                         per_channel=self.per_channel.isChecked(), bins=self.bins.value(), store=store)

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.compute_button.setEnabled(not on)
        self.store_button.setEnabled(not on and self.stats is not None)

    def compute(self, store: bool = False) -> None:
        """Run the statistics job (``store``: and write them as attributes)."""
        self.error = ""
        self._busy(True)
        self.progress.run(self.runner, api.stats.compute_stats, self.spec(store),
                          text=("Storing the statistics of " if store else "Statistics of ") + self.path + "...",
                          on_result=self._show, on_error=self._error, on_aborted=self._aborted,
                          on_finished=lambda: self._busy(False))

    def store(self) -> None:
        self.ensure_writable(self.file, lambda: self.compute(store=True))

    def _aborted(self) -> None:
        self.summary.setText("Cancelled.")

    def _error(self, err: H5GuiError) -> None:
        self.error = str(err)
        self.summary.setText(f"<span style='color:#c62828'>{err}</span>")

    def _log(self, on: bool) -> None:
        for chart in (self.histogram, self.classes):
            chart.log = on
            chart.update()

    def _show(self, s: DatasetStats) -> None:
        self.stats = s
        axis = "all values together" if s.channel_axis is None else f"{s.channels} channel(s) along axis {s.channel_axis}"
        self.summary.setText(
            f"{shape_text(s.shape)} {s.dtype}: {s.count:,} finite values, <b>{s.nan:,} NaN</b>, <b>{s.inf:,} inf</b>; "
            f"{axis}; {s.seconds:.2f} s." + (" <b>Stored as attributes.</b>" if s.stored else ""))
        self.table.setRowCount(s.channels)
        for i in range(s.channels):
            cells = ["all" if s.channel_axis is None else str(i), _num(s.min[i]), _num(s.max[i]), _num(s.mean[i]),
                     _num(s.std[i])]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.hist_channel.blockSignals(True)
        self.hist_channel.clear()
        self.hist_channel.addItem("all values" if s.channel_axis is None else f"all {s.channels} channels together")
        for c in range(len(s.channel_histograms)):
            self.hist_channel.addItem(f"channel {c}" + (f" ({COLOUR_NAMES[c]})" if s.channels in (3, 4) else ""))
        self.hist_channel.setEnabled(bool(s.channel_histograms))
        self.hist_channel.blockSignals(False)
        self._show_histogram()
        rows = s.class_rows() if s.labels else []
        self.tabs.setTabVisible(self.class_tab, bool(rows))
        if rows:
            self.classes.set_data([c for _, _, c in rows], [n for _, n, _ in rows], f"{len(rows)} classes")
            self.class_table.setRowCount(len(rows))
            for i, (label, name, count) in enumerate(rows):
                for j, text in enumerate((str(label), name, f"{count:,}")):
                    self.class_table.setItem(i, j, QTableWidgetItem(text))
            self.class_table.resizeColumnsToContents()
            self.tabs.setCurrentIndex(self.class_tab)
        if s.stored:
            self.stored.emit(self.file, self.path)
        self.computed.emit(s)

    def _show_histogram(self) -> None:
        """The histogram the channel box names: every channel together, or one (in its colour)."""
        s = self.stats
        if s is None:
            return
        c = self.hist_channel.currentIndex() - 1
        one = 0 <= c < len(s.channel_histograms)
        counts = s.channel_histograms[c] if one else s.histogram
        edges = s.bin_edges
        title = f"{len(s.histogram)} bins from {_num(edges[0])} to {_num(edges[-1])}" if edges else ""
        if title and s.channel_axis is not None:
            title += f", channel {c}" if one else f", all {s.channels} channels together"
        self.histogram.color = QColor(CHANNEL_COLOURS[c] if one and s.channels in (3, 4) else "#1976d2")
        self.histogram.set_data(counts, [_num(e) for e in edges[:-1]], title)

    def text(self) -> str:
        """The statistics as ``h5gui-cli stats`` would print them (for the clipboard)."""
        s = self.stats
        if s is None:
            return ""
        lines = [f"{s.file}:{s.path}  {shape_text(s.shape)} {s.dtype}",
                 f"count {s.count}  nan {s.nan}  inf {s.inf}"]
        for i in range(s.channels):
            lines.append(f"{'all' if s.channel_axis is None else f'channel {i}'}: min {_num(s.min[i])}  "
                         f"max {_num(s.max[i])}  mean {_num(s.mean[i])}  std {_num(s.std[i])}")
        lines += [f"class {label} {name}: {count}" for label, name, count in (s.class_rows() if s.labels else [])]
        return "\n".join(lines)

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.progress.running():
            self.progress.cancel()
        super().closeEvent(event)
