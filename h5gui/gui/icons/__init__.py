"""Runtime SVG icons shipped inside the package (so an installed wheel finds them)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_DIR = Path(__file__).resolve().parent


@cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def kind_icon_name(kind: str, shape: tuple[int, ...] | None = None, *, virtual: bool = False,
                   external_storage: bool = False, link_kind: str = "") -> str:
    """Icon for a tree row: by kind, and for datasets by rank."""
    if link_kind in ("soft_link", "external_link", "dangling_link"):
        return link_kind
    if kind == "dataset":
        if virtual:
            return "virtual"
        if external_storage:
            return "external_storage"
        if shape is None:
            return "dataset_empty"
        return {0: "dataset_scalar", 1: "dataset_1d", 2: "dataset_2d"}.get(len(shape), "dataset_nd")
    return {
        "group": "group",
        "datatype": "datatype",
        "soft_link": "soft_link",
        "external_link": "external_link",
        "dangling_link": "dangling_link",
        "file": "file",
        "loading": "loading",
        "more": "loading",
        "message": "warning",
    }.get(kind, "unreadable")
