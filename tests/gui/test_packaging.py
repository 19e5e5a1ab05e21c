"""An installed wheel must carry the icons (package data), or the tree shows blank icons."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from h5gui.gui.icons import ICON_DIR, icon

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_an_icon(qapp) -> None:
    for name in ["file", "group", "dataset_1d", "dataset_2d", "dataset_nd", "dataset_scalar", "soft_link",
                 "external_link", "dangling_link", "virtual", "datatype", "unreadable", "h5gui"]:
        assert (ICON_DIR / f"{name}.svg").exists(), name
        assert not icon(name).pixmap(16, 16).isNull(), name


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_contains_icons(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("h5gui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "h5gui/gui/icons/group.svg" in names
    assert "h5gui/gui/icons/__init__.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)
