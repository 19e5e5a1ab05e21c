"""The compression codecs a user can choose, with their levels: one list for the GUI, the CLI and core.

Pure data (no h5py): :func:`h5gui.core.h5.filters.compression` turns a choice into ``create_dataset``
arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from h5gui.core.errors import BadRequestError


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    label: str  # what menus show
    levels: tuple[int, int] | None  # allowed range, None: no level
    default_level: int | None
    plugin: bool  # needs hdf5plugin


CODECS: tuple[Codec, ...] = (
    Codec("gzip", "gzip (deflate, everywhere)", (0, 9), 4, False),
    Codec("lzf", "lzf (fast, h5py only)", None, None, False),
    Codec("zstd", "zstd", (1, 22), 3, True),
    Codec("lz4", "lz4 (fastest)", None, None, True),
    Codec("blosc", "blosc (lz4, shuffle)", (0, 9), 5, True),
    Codec("blosc2", "blosc2", (0, 9), 5, True),
    Codec("bitshuffle", "bitshuffle + lz4", None, None, True),
)
BY_NAME = {c.name: c for c in CODECS}
NAMES = tuple(BY_NAME)
# the codecs menus offer (blosc2 and bitshuffle stay available by name in the CLI)
MENU = ("gzip", "lzf", "zstd", "blosc", "lz4")
BLOSC_INNER = ("blosclz", "lz4", "lz4hc", "zlib", "zstd")


def check(name: str | None, level: int | None) -> tuple[str | None, str, int | None]:
    """Validate a choice: ``(codec or None, blosc inner codec or '', level or None)``.

    ``name`` may carry a blosc inner codec (``'blosc:zstd'``). Raises :class:`BadRequestError`
    for unknown names and levels out of range.
    """
    text = (name or "").strip().lower()
    if text in ("", "none"):
        if level is not None:
            raise BadRequestError("a compression level needs a compression")
        return None, "", None
    base, _, inner = text.partition(":")
    codec = BY_NAME.get(base)
    if codec is None:
        raise BadRequestError(f"unknown compression {name!r}: choose none, {', '.join(NAMES)}")
    if inner and base not in ("blosc", "blosc2"):
        raise BadRequestError(f"{base} takes no inner codec (only blosc does: blosc:zstd)")
    if inner and inner not in BLOSC_INNER:
        raise BadRequestError(f"unknown blosc codec {inner!r}: choose {', '.join(BLOSC_INNER)}")
    if codec.levels is None:
        if level is not None:
            raise BadRequestError(f"{base} takes no level")
        return base, inner, None
    lvl = codec.default_level if level is None else int(level)
    lo, hi = codec.levels
    if lvl is None or not lo <= lvl <= hi:
        raise BadRequestError(f"{base} level must be {lo} to {hi}, not {lvl}")
    return base, inner, lvl


def parse(text: str) -> tuple[str | None, int | None]:
    """``'gzip:4'`` -> ``('gzip', 4)``; ``'blosc:zstd:5'`` -> ``('blosc:zstd', 5)``; ``'none'`` -> ``(None, None)``."""
    parts = [p.strip() for p in str(text).split(":")]
    level: int | None = None
    if len(parts) > 1 and parts[-1].lstrip("-").isdigit():
        level = int(parts.pop())
    name = ":".join(parts)
    base, inner, _ = check(name, level)
    return (None if base is None else base + (f":{inner}" if inner else "")), level
