"""Colormaps: one list for the preview, image export and the CLI, and their colours as 256-entry tables.

The colours come from pyqtgraph's own colour tables (read as files, without importing pyqtgraph), so
an exported picture has exactly the colours the preview shows.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from h5gui.core.errors import BadRequestError

COLORMAPS = ("grey", "viridis", "magma", "inferno", "plasma", "cividis", "turbo")


@lru_cache(maxsize=16)
def lut(name: str) -> np.ndarray:
    """256 RGB colours of a colormap (the same data the GUI shows, read from pyqtgraph's files
    without importing it)."""
    if name in ("grey", "gray"):
        v = np.arange(256, dtype=np.uint8)
        return np.stack([v, v, v], axis=1)
    if name not in COLORMAPS:
        raise BadRequestError(f"unknown colormap {name!r}: use {', '.join(COLORMAPS)}")
    spec = importlib.util.find_spec("pyqtgraph")
    if spec is None or not spec.submodule_search_locations:
        raise BadRequestError(f"colormap {name} needs pyqtgraph's colour tables (pyqtgraph is not installed)")
    table = Path(next(iter(spec.submodule_search_locations))) / "colors" / "maps" / f"{name}.csv"
    rows = []
    for line in table.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        rows.append([float(x) for x in line.split(",")[:3]])
    colours = np.asarray(rows, dtype=np.float64)
    if colours.max() > 1.0:
        colours /= 255.0
    pos = np.linspace(0.0, 1.0, len(colours))
    x = np.linspace(0.0, 1.0, 256)
    lut = np.stack([np.interp(x, pos, colours[:, c]) for c in range(3)], axis=1)
    return np.clip(np.rint(lut * 255), 0, 255).astype(np.uint8)


def apply_colormap(grey8: np.ndarray, name: str) -> np.ndarray:
    """``(h, w)`` uint8 -> ``(h, w, 3)`` uint8 through colormap ``name`` (one of :data:`COLORMAPS`)."""
    return lut(name)[grey8]
