"""Imported once by the fork server that I/O processes are forked from (and at the start of a spawned one).

Every I/O process then starts with numpy, h5py, the compression plugins and the modules a click runs
(tree rows, Info, Attributes, choosing a preview, an image) already in memory (shared copy-on-write with
the server), so a restart after a crash takes tens of milliseconds instead of the second an import of
h5py takes, and the first job of a new process is as fast as any other.

:data:`WARM` are the modules of the other views and of edits (table, plot, text, encoded images and
Pillow, attribute and value writes): each I/O process imports them itself, one at a time, while it has
no job (:mod:`h5gui.core.ioproc.child`). They are not in the server's preload because the server boots
while the window is being built, and on a 2-core machine every 100 ms it spends there delays the first
tree rows. Rarer work (import, transform, structure edits, export) imports its modules on first use. A
module that fails to import is logged and skipped: a job imports what it needs anyway.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

MODULES = (
    "numpy",
    "h5py",
    "hdf5plugin",
    "h5gui.core.errors",
    "h5gui.core.progress",
    # the HDF5 layer
    "h5gui.core.h5.files",
    "h5gui.core.h5.links",
    "h5gui.core.h5.datasets",
    "h5gui.core.h5.safety",
    "h5gui.core.h5.filters",
    "h5gui.core.h5.attrs_raw",
    "h5gui.core.dtypes",
    # what a click runs: tree rows, Info, Attributes, choosing the preview, an image
    "h5gui.core.nodes.rows",
    "h5gui.core.nodes.listing",
    "h5gui.core.nodes.details",
    "h5gui.core.attrs.read",
    "h5gui.core.preview.choose",
    "h5gui.core.preview.image",
    "h5gui.core.ioproc.child",
)

WARM = (
    "h5gui.core.preview.table",
    "h5gui.core.preview.plot",
    "h5gui.core.preview.text",
    "h5gui.core.preview.encoded",
    "PIL.Image",  # decoding stored PNG/JPEG bytes
    "h5gui.core.values.table",
    "h5gui.core.attrs.codec",
    "h5gui.core.attrs.write",
    "h5gui.core.attr_edits",
    "h5gui.core.checks",
)


def preload(modules: tuple[str, ...] = MODULES) -> list[str]:
    """Import ``modules`` (and register the HDF5 compression plugins); return the ones that failed."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            log.warning("cannot preload %s", name, exc_info=True)
            failed.append(name)
    try:
        files = importlib.import_module("h5gui.core.h5.files")
        load = getattr(files, "load_plugins", None)
        if load is not None:
            load()
    except Exception:
        log.warning("cannot load the HDF5 plugins", exc_info=True)
    return failed


preload()
