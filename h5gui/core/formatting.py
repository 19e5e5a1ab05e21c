"""Values in words: one rendering for attributes, Info and the HSDS backend (numpy, no h5py)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def value_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" or value.dtype.kind == "S":
            value = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value.ravel()],
                             dtype=object).reshape(value.shape)
        try:
            with np.printoptions(threshold=100, edgeitems=5, linewidth=10_000):
                return np.array2string(value, separator=", ")
        except RecursionError:  # a datatype nested hundreds of levels deep (a crafted file)
            return "(nested too deeply to show)"
    return str(value)


def short_value(value: Any) -> str:
    """A short, single-line rendering of a small value (strings decoded): what Info shows."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" and value.size and isinstance(value.flat[0], bytes):
            value = np.array([v.decode("utf-8", "replace") for v in value.flat], dtype=object).reshape(value.shape)
        elif value.dtype.kind == "S":
            value = np.char.decode(value, "utf-8", "replace").astype(object)
        try:
            with np.printoptions(threshold=64, edgeitems=4, linewidth=100_000):
                text = np.array2string(value, separator=", ")
        except RecursionError:  # a datatype nested hundreds of levels deep (a crafted file)
            return "(nested too deeply to show)"
        text = " ".join(text.split())
    else:
        text = str(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 400 else text[:400] + "..."


def pretty(text: str) -> str:
    """``text`` indented as JSON when it is a JSON list or object, else unchanged."""
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] in "[{" and stripped[-1] in "]}":
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def value_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogateescape"))
    if isinstance(value, bytes):
        return len(value)
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        total = 0
        for v in arr.flat:
            if isinstance(v, str):
                total += len(v.encode("utf-8", "surrogateescape"))
            elif isinstance(v, bytes | np.ndarray):
                total += len(v) if isinstance(v, bytes) else v.nbytes
            else:
                total += 8
        return total
    return int(arr.nbytes)
