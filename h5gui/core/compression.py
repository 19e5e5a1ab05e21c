"""Compression settings for new datasets, shared by every writer (structure edits, image import)."""

from __future__ import annotations

from typing import Any

from h5gui.core import files
from h5gui.core.errors import BadRequestError

# names a user can choose; the hdf5plugin ones need the plugin (imported by files.load_plugins)
COMPRESSIONS = ("gzip", "lzf", "zstd", "blosc", "lz4", "bitshuffle")


def compression_kwargs(compression: str | None, level: int | None, shuffle: bool | None,
                       itemsize: int) -> dict[str, Any]:
    """``create_dataset`` keyword arguments for a compression name and level (``None``: the codec's
    default); ``shuffle=None`` shuffles multi-byte types. Refuses unknown names and bad levels."""
    if compression is None or compression == "none":
        if level is not None:
            raise BadRequestError("a compression level needs a compression")
        return {"shuffle": True} if shuffle else {}
    if compression not in COMPRESSIONS:
        raise BadRequestError(f"unknown compression {compression!r}: choose none, {', '.join(COMPRESSIONS)}")
    shuf = (itemsize > 1) if shuffle is None else bool(shuffle)
    if compression == "gzip":
        lvl = 4 if level is None else int(level)
        if not 0 <= lvl <= 9:
            raise BadRequestError(f"gzip level must be 0 to 9, not {lvl}")
        return {"compression": "gzip", "compression_opts": lvl, "shuffle": shuf}
    if compression == "lzf":
        if level is not None:
            raise BadRequestError("lzf takes no level")
        return {"compression": "lzf", "shuffle": shuf}
    if not files.load_plugins():  # pragma: no cover - hdf5plugin is a dependency
        raise BadRequestError(f"compression {compression} needs the hdf5plugin package")
    import hdf5plugin

    if compression == "zstd":
        lvl = 3 if level is None else int(level)
        if not 1 <= lvl <= 22:
            raise BadRequestError(f"zstd level must be 1 to 22, not {lvl}")
        return dict(hdf5plugin.Zstd(clevel=lvl))
    if compression == "blosc":
        lvl = 5 if level is None else int(level)
        if not 0 <= lvl <= 9:
            raise BadRequestError(f"blosc level must be 0 to 9, not {lvl}")
        mode = hdf5plugin.Blosc.SHUFFLE if shuf else hdf5plugin.Blosc.NOSHUFFLE
        return dict(hdf5plugin.Blosc(cname="lz4", clevel=lvl, shuffle=mode))
    if level is not None:
        raise BadRequestError(f"{compression} takes no level")
    if compression == "lz4":
        return dict(hdf5plugin.LZ4())
    return dict(hdf5plugin.Bitshuffle(cname="lz4"))
