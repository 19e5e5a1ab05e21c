"""Versions of h5gui and the libraries it reads files with, for bug reports: ``h5gui-cli versions`` and
Help > About (which asks the I/O process, where h5py is loaded)."""

from __future__ import annotations

import platform
from importlib import metadata

from h5gui import __version__

#: distributions whose versions a bug report needs, in the order they are shown
DISTRIBUTIONS = ("numpy", "h5py", "Pillow", "hdf5plugin", "fsspec")


def dist_version(name: str) -> str:
    """The installed version of distribution ``name``, or "not installed" (nothing is imported)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """{"h5gui": ..., "Python": ..., "numpy": ..., "h5py": ..., "HDF5": ..., ...} in this process."""
    out = {"h5gui": __version__, "Python": f"{platform.python_version()} ({platform.platform(terse=True)})"}
    for name in DISTRIBUTIONS:
        out[name] = dist_version(name)
        if name == "h5py":
            out["HDF5"] = hdf5_version()
    return out


def hdf5_version() -> str:
    """The HDF5 library h5py was built with (loads h5py)."""
    try:
        import h5py
    except ImportError:
        return "not available (h5py is not installed)"
    return str(h5py.version.hdf5_version)


def as_text(found: dict[str, str]) -> str:
    """One ``name: version`` line each, aligned."""
    width = max((len(k) for k in found), default=0)
    return "\n".join(f"{k + ':':{width + 1}} {v}" for k, v in found.items())
