"""Reading what people type: integer lists, shapes. One parser for the GUI's fields and the CLI's options.

Pure Python (no numpy, no h5py).
"""

from __future__ import annotations

import re
from typing import Any

from h5gui.core import codecs
from h5gui.core.errors import BadRequestError

_NUMBER = re.compile(r"[+-]?\d[\d_]*")


def parse_ints(text: str | None, what: str = "the value", *, allow_empty: bool = True) -> tuple[int, ...]:
    """``'1, 2,3'``, ``'(1, 2)'``, ``'[1,2]'`` or a shape as h5gui writes it (``'60,000 x 28 x 28'``,
    ``'2x3'``) -> a tuple of integers; ``''`` -> ``()`` (refused unless ``allow_empty``).

    Numbers are separated by commas, or by ``x`` in a shape (where commas group thousands). Anything
    else is refused in one line, never guessed: ``'1 2'`` is not read as 12 nor as (1, 2).
    """
    raw = "" if text is None else str(text)
    body = raw.strip().strip("()[]").strip()
    if not body:
        if allow_empty:
            return ()
        raise BadRequestError(f"{what} needs at least one integer")
    if re.search(r"\d\s*[x×]\s*[+-]?\d", body):
        parts = [p.strip().replace(",", "") for p in re.split(r"\s*[x×]\s*", body)]
    else:
        parts = [p.strip() for p in body.split(",")]
        if parts and parts[-1] == "":  # '(5,)' as Python writes a 1-tuple
            parts.pop()
    if not parts or not all(_NUMBER.fullmatch(p) for p in parts):
        raise BadRequestError(f"{what} must be integers separated by commas (such as 60000, 28, 28), not {raw!r}")
    return tuple(int(p) for p in parts)


def parse_shape(text: str | None, what: str = "the shape") -> tuple[int, ...] | None:
    """``''`` -> None (nothing typed), ``'scalar'`` or ``'()'`` -> ``()``, ``'2, 3'`` -> ``(2, 3)``;
    negative sizes are refused."""
    raw = "" if text is None else str(text).strip()
    if not raw:
        return None
    if raw.lower() == "scalar" or raw.replace(" ", "") == "()":
        return ()
    shape = parse_ints(raw, what)
    if any(n < 0 for n in shape):
        raise BadRequestError(f"{what} has no negative sizes: {raw!r}")
    return shape


def new_dataset_options(shape: str | None, dtype: str, chunks: str | None = None, compression: str | None = None,
                        fill: str | None = None) -> dict[str, Any]:
    """The keyword arguments of ``create_dataset`` for what New dataset... (and ``h5gui-cli mkdataset``)
    were given as text: ``shape`` (empty: a scalar), ``dtype`` (a numpy name or ``'string'``), ``chunks``
    (empty: automatic), ``compression`` (``none``, ``gzip``, ``gzip:4``...), ``fill`` (empty: 0; a number
    unless the type is ``string``)."""
    name, level = codecs.parse(compression or "none")
    out: dict[str, Any] = {"shape": parse_ints(shape, "the shape"), "dtype": dtype,
                           "chunks": parse_ints(chunks, "the chunk shape") or None, "compression": name}
    if level is not None:
        out["compression_opts"] = level
    text = (fill or "").strip()
    if text:
        out["fillvalue"] = fill if dtype == "string" else parse_fill(text, dtype)
    return out


_INT_TYPE = re.compile(r"(u?)int(8|16|32|64)")


def parse_fill(text: str, dtype: str) -> int | float | complex | bool:
    """A fill value typed for a dataset of ``dtype`` (a numpy name): integers whole and in range, bool as
    true/false/1/0, complex as ``1+2j``, floats (``nan``, ``inf`` too) otherwise; refused in one line."""
    m = _INT_TYPE.fullmatch(dtype)
    try:
        if m:
            value = int(text.replace("_", ""))
            bits = int(m.group(2))
            lo, hi = (0, (1 << bits) - 1) if m.group(1) else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            if not lo <= value <= hi:
                raise BadRequestError(f"the fill value {text} does not fit in {dtype} ({lo} .. {hi})")
            return value
        if dtype == "bool":
            word = text.lower()
            if word not in ("true", "false", "1", "0"):
                raise BadRequestError(f"the fill value of a bool dataset is true or false, not {text!r}")
            return word in ("true", "1")
        if dtype.startswith("complex"):
            return complex(text.replace(" ", ""))
        return float(text)
    except ValueError as exc:
        kind = "a whole number" if m else "a valid number"
        raise BadRequestError(f"the fill value {text!r} is not {kind} ({dtype})") from exc
