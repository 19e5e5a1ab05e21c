"""Filters of a dataset's pipeline in words, whether each can be used here, and the one compression
builder every writer uses."""

from __future__ import annotations

from typing import Any, NamedTuple

import h5py

from h5gui.core import codecs
from h5gui.core.errors import BadRequestError, FilterUnavailableError
from h5gui.core.h5 import files
from h5gui.core.paths import decode

KNOWN_FILTERS = {
    1: "gzip",
    2: "shuffle",
    3: "fletcher32",
    4: "szip",
    5: "nbit",
    6: "scaleoffset",
    307: "bzip2",
    32000: "lzf",
    32001: "blosc",
    32004: "lz4",
    32008: "bitshuffle",
    32013: "zfp",
    32015: "zstd",
    32017: "sz",
    32018: "fcidecomp",
    32024: "sz3",
    32026: "blosc2",
}

_BLOSC_CODECS = {0: "blosclz", 1: "lz4", 2: "lz4hc", 3: "snappy", 4: "zlib", 5: "zstd"}


class Filter(NamedTuple):
    """One filter of a pipeline (the nodes layer turns it into its ``FilterInfo`` record)."""

    code: int
    name: str
    params: tuple[int, ...]
    available: bool
    settings: str
    optional: bool


def pipeline(dcpl: h5py.h5p.PropDCID) -> tuple[Filter, ...]:
    out = []
    for i in range(dcpl.get_nfilters()):
        code, flags, values, raw_name = dcpl.get_filter(i)
        name = KNOWN_FILTERS.get(code) or decode(raw_name) or f"filter {code}"
        try:
            available = bool(h5py.h5z.filter_avail(code))
        except Exception:
            available = False
        settings = ""
        if code == 1 and values:
            settings = f"level {values[0]}"
        elif code == 6 and len(values) >= 2:
            settings = f"scale type {values[0]}, factor {values[1]}"
        elif code == 32015 and values:
            settings = f"level {values[0]}"
        elif code == 32001 and len(values) >= 7:
            settings = f"{_BLOSC_CODECS.get(values[6], f'codec {values[6]}')}, level {values[4]}" + (
                ", shuffle" if values[5] == 1 else ", bitshuffle" if values[5] == 2 else ""
            )
        optional = bool(flags & h5py.h5z.FLAG_OPTIONAL)
        out.append(Filter(code, name, tuple(int(v) for v in values), available, settings, optional))
    return tuple(out)


def filter_applied(dsid: h5py.h5d.DatasetID, index: int, f: Any) -> bool:
    """Whether the stored chunks went through filter number ``index`` (judged by the first chunk).

    An optional filter that failed when a chunk was written is skipped for that chunk (its bit is
    set in the chunk's filter mask), so such data reads without the filter. h5py marks even gzip
    optional, so the flag alone says nothing: look at the chunk.
    """
    if not f.optional:
        return True
    try:
        if dsid.get_num_chunks() == 0:
            return False
        return not dsid.get_chunk_info(0).filter_mask & (1 << index)
    except Exception:  # pragma: no cover - defensive
        return True


def compression(name: str | None, level: int | None = None, shuffle: bool | None = None,
                itemsize: int = 1) -> tuple[dict[str, Any], str]:
    """``(create_dataset keyword arguments, description)`` for a codec choice (see
    :mod:`h5gui.core.codecs`): the one compression builder of every writer.

    ``shuffle=None`` byte-shuffles multi-byte data for gzip and lzf and inside blosc; ``True`` adds
    the shuffle filter before gzip, lzf, zstd and lz4 too. Refuses unknown names, bad levels and
    codecs whose filter is not available here (:class:`FilterUnavailableError`).
    """
    base, inner, lvl = codecs.check(name, level)
    if base is None:
        return ({"shuffle": True}, "shuffle") if shuffle else ({}, "none")
    default_shuffle = itemsize > 1 and base in ("gzip", "lzf", "blosc", "blosc2")
    shuf = default_shuffle if shuffle is None else bool(shuffle)
    kw: dict[str, Any] = {}
    if base == "gzip":
        kw.update(compression="gzip", compression_opts=lvl)
        text = f"gzip (level {lvl})"
    elif base == "lzf":
        kw.update(compression="lzf")
        text = "lzf"
    else:
        if not files.load_plugins():  # pragma: no cover - hdf5plugin is a dependency
            raise FilterUnavailableError(f"{base} compression needs the hdf5plugin package, which is not installed")
        import hdf5plugin

        filt: Any
        if base == "zstd":
            filt, text = hdf5plugin.Zstd(clevel=int(lvl or 0)), f"zstd (level {lvl})"
        elif base == "lz4":
            filt, text = hdf5plugin.LZ4(), "lz4"
        elif base == "bitshuffle":
            filt, text = hdf5plugin.Bitshuffle(cname="lz4"), "bitshuffle + lz4"
        else:
            cname = inner or "lz4"
            try:
                if base == "blosc":
                    mode = hdf5plugin.Blosc.SHUFFLE if shuf else hdf5plugin.Blosc.NOSHUFFLE
                    filt = hdf5plugin.Blosc(cname=cname, clevel=int(lvl or 0), shuffle=mode)  # type: ignore[arg-type]
                else:
                    mode = hdf5plugin.Blosc2.SHUFFLE if shuf else hdf5plugin.Blosc2.NOFILTER
                    filt = hdf5plugin.Blosc2(cname=cname, clevel=int(lvl or 0), filters=mode)  # type: ignore[arg-type]
            except ValueError as exc:
                raise BadRequestError(f"{name}: {exc}") from None
            text = f"{base} ({cname}, level {lvl}{', shuffle' if shuf else ''})"
            shuf = False  # done inside blosc
        code = int(filt["compression"])
        if not h5py.h5z.filter_avail(code):
            raise FilterUnavailableError(f"{base} compression (filter {code}) is not available")
        kw.update(filt)
    if shuf and base in ("gzip", "lzf", "zstd", "lz4"):
        kw["shuffle"] = True
        text += " + shuffle"
    return kw, text
