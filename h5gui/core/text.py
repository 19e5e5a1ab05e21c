"""Shared words: shapes, sizes and durations written the same way by the GUI, the CLI and core messages.

Pure Python (no numpy, no h5py): the GUI process imports it.
"""

from __future__ import annotations

from collections.abc import Sequence


def _count(n: int) -> str:
    """``512``, ``2000``, ``60,000``: digits grouped from five digits on."""
    return f"{n:,}" if abs(n) >= 10000 else str(n)


def shape_text(shape: Sequence[int] | None, maxshape: Sequence[int | None] | None = None) -> str:
    """The one way a shape is written: ``'60,000 x 28 x 28'``, ``'scalar'``, ``'empty (no dataspace)'``;
    unlimited axes as ``'10 (max unlimited)'``."""
    if shape is None:
        return "empty (no dataspace)"
    shape = tuple(int(n) for n in shape)
    if shape == ():
        return "scalar"
    text = " x ".join(_count(n) for n in shape)
    if maxshape is not None and tuple(maxshape) != shape:
        text += " (max " + " x ".join("unlimited" if m is None else _count(int(m)) for m in maxshape) + ")"
    return text


def format_bytes(n: float | None) -> str:
    """``'1,234 bytes'``, ``'12.3 MiB'``; ``'unknown'`` for None."""
    if n is None:
        return "unknown"
    units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    value = float(n)
    for unit in units:
        if abs(value) < 1024 or unit == units[-1]:
            if unit == "bytes":
                return f"{int(value):,} bytes"
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} EiB"  # pragma: no cover


def format_duration(seconds: float) -> str:
    """``'42 s'``, ``'3 min 05 s'``, ``'2 h 10 min'``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``'1 member'``, ``'2,000 members'``."""
    return f"{n:,} " + (word if n == 1 else (many or word + "s"))
