"""Import pyqtgraph once, configured for h5gui (PySide6 binding, row-major images)."""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph must pick PySide6, whatever else is installed

import pyqtgraph as pg  # noqa: E402

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#333")

from h5gui.core.colormaps import COLORMAPS  # noqa: E402 - after pyqtgraph's configuration


def colormap(name: str) -> pg.ColorMap:
    if name == "grey":
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
    try:
        return pg.colormap.get(name)
    except Exception:  # pragma: no cover - a missing map falls back to grey
        return colormap("grey")


__all__ = ["COLORMAPS", "colormap", "pg"]
