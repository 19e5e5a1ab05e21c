"""Drag and drop in the tree: the objects being dragged travel as JSON under one MIME type."""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QMimeData

from h5gui.gui.models.tree_nodes import Node

MIME_NODES = "application/x-h5gui-nodes"
MIME_TYPES = [MIME_NODES, "text/uri-list"]


def encode_nodes(nodes: Iterable[Node]) -> QMimeData:
    """Mime data for dragged rows: (file, path) of each real object (file rows cannot be dragged)."""
    items = [{"file": n.file, "path": n.path} for n in nodes if n.is_real and n.kind != "file"]
    data = QMimeData()
    data.setData(MIME_NODES, QByteArray(json.dumps(items).encode()))
    data.setText("\n".join(i["path"] for i in items))
    return data


def decode_nodes(data: QMimeData) -> list[tuple[str, str]]:
    """(file, path) of each object in mime data made by :func:`encode_nodes`."""
    items = json.loads(bytes(data.data(MIME_NODES).data()).decode() or "[]")
    return [(item["file"], item["path"]) for item in items]


REMOTE_SCHEMES = ("s3", "http", "https", "hdf5")  # addresses that open as remote files when dropped


def dropped_files(data: QMimeData) -> list[str]:
    """Local files and s3://, http(s)://, hdf5:// addresses in dropped mime data (a drop opens them)."""
    return [u.toLocalFile() if u.isLocalFile() else u.toString() for u in data.urls()
            if u.isLocalFile() or u.scheme().lower() in REMOTE_SCHEMES]
