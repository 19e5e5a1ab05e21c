"""Imported once by the fork server that I/O processes are forked from (and at the start of a spawned one).

Every I/O process then starts with numpy, h5py, the compression plugins and the core modules already
in memory (shared copy-on-write with the server), so a restart after a crash takes tens of
milliseconds instead of the second an import of h5py takes. A module that fails to import is logged
and skipped: the core is being reorganised, and a job imports what it needs anyway.
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
    "h5gui.core.h5.files",
    "h5gui.core.dtypes",
    "h5gui.core.values",
    "h5gui.core.nodes",
    "h5gui.core.attrs",
    "h5gui.core.preview",
    "h5gui.core.ioproc.child",
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
