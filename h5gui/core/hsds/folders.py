"""The folders of an HSDS server: what File > Open on HSDS... browses and ``h5gui-cli domains`` lists."""

from __future__ import annotations

import posixpath
from typing import Any

from h5gui.core.hsds.client import HsdsClient
from h5gui.core.hsds.session import default_client


def folder_path(folder: str) -> str:
    """``hdf5://home/u/`` or ``/home/u`` -> ``/home/u/``."""
    text = folder.strip()
    if text.lower().startswith("hdf5:"):
        text = text.split(":", 1)[1]
    return "/" + text.strip("/") + "/" if text.strip("/") else "/"


def list_folder(folder: str, client: HsdsClient | None = None) -> list[dict[str, Any]]:
    """The domains and subfolders of ``folder``, folders first, by name: each a plain dict
    (``uri``, ``name``, ``folder``, ``owner``, ``modified``) so that any front end can hold it."""
    c = client or default_client()
    path = folder_path(folder)
    js = c.get_json("/domains", where=f"hdf5:/{path}", domain=path, missing=f"no folder {path}")
    out = []
    for item in js.get("domains", []):
        name = str(item.get("name", "")).rstrip("/")
        if not name:
            continue
        is_folder = item.get("class") == "folder"
        out.append({"uri": "hdf5:/" + name + ("/" if is_folder else ""), "name": posixpath.basename(name),
                    "folder": is_folder, "owner": str(item.get("owner", "")), "modified": item.get("lastModified")})
    return sorted(out, key=lambda e: (not e["folder"], e["name"]))
