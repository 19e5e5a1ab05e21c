"""A small bar chart drawn with QPainter (a histogram, or class counts with their names): no plotting
library, so that it shows at once in a dialog."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget


class BarChart(QWidget):
    """Bars of ``counts``; ``labels`` under them when they fit (names of classes, or the bins' left
    edges), each bar's label and count in its tooltip; ``log`` draws log(1 + count) heights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: tuple[int, ...] = ()
        self.labels: tuple[str, ...] = ()
        self.title = ""
        self.log = False
        self.color = QColor("#1976d2")  # of the bars
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def set_data(self, counts: Sequence[int], labels: Sequence[str] = (), title: str = "") -> None:
        self.counts = tuple(int(c) for c in counts)
        self.labels = tuple(labels)
        self.title = title
        self.update()

    def _plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        return QRectF(8, fm.height() + 6, max(1, self.width() - 16), max(1, self.height() - 2 * fm.height() - 14))

    def _height(self, c: int) -> float:
        import math

        return math.log1p(c) if self.log else float(c)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        fm = QFontMetrics(self.font())
        p.setPen(self.palette().text().color())
        if self.title:
            p.drawText(QPointF(8, fm.ascent() + 2), self.title)
        if not self.counts:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no values")
            return
        r = self._plot_rect()
        top = 1.1 * max(self._height(c) for c in self.counts) or 1.0  # room for the counts above the bars
        w = r.width() / len(self.counts)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.color)
        for i, c in enumerate(self.counts):
            h = r.height() * self._height(c) / top
            p.drawRect(QRectF(r.left() + i * w + (1 if w > 4 else 0), r.bottom() - h, max(1.0, w - (2 if w > 4 else 0)), h))
        p.setPen(self.palette().text().color())
        if all(fm.horizontalAdvance(f"{c:,}") + 4 < w for c in self.counts):  # counts above the bars when they fit
            for i, c in enumerate(self.counts):
                h = r.height() * self._height(c) / top
                y = max(r.top() + fm.ascent(), r.bottom() - h - 2)
                p.drawText(QRectF(r.left() + i * w, y - fm.ascent(), w, fm.height()), Qt.AlignmentFlag.AlignHCenter,
                           f"{c:,}")
        if self.labels:
            widest = max(fm.horizontalAdvance(t) for t in self.labels)
            step = max(1, int((widest + 8) // w) + 1) if w > 0 else 1
            for i in range(0, len(self.labels), step):
                rect = QRectF(r.left() + i * w - 40 + w / 2, r.bottom() + 2, 80, fm.height())
                p.drawText(rect, Qt.AlignmentFlag.AlignHCenter, fm.elidedText(self.labels[i], Qt.TextElideMode.ElideRight, 80))

    def bar_at(self, x: float) -> int | None:
        r = self._plot_rect()
        if not self.counts or not r.left() <= x < r.right():
            return None
        return min(len(self.counts) - 1, int((x - r.left()) / (r.width() / len(self.counts))))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        i = self.bar_at(event.position().x())
        if i is None:
            QToolTip.hideText()
            return
        label = self.labels[i] if i < len(self.labels) else str(i)
        QToolTip.showText(event.globalPosition().toPoint(), f"{label}: {self.counts[i]:,}", self)
