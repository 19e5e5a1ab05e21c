"""Formatting values: an attribute's value -> the text a user would type for it (:func:`format_value`)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from h5gui.core.attrs.targets import classify, target_for_dtype

__all__ = ["format_value"]


def _fmt_float(x: Any, ftype: type) -> str:
    return str(ftype(x))


def _fmt_complex(z: complex, ftype: type) -> str:
    re_text, im_text = _fmt_float(z.real, ftype), _fmt_float(z.imag, ftype)
    if im_text.startswith("-"):
        return f"{re_text}{im_text}j"
    return f"{re_text}+{im_text}j"


def _decode_text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8")  # strict: a caller turns the error into "not UTF-8 text"
    return str(v)


def _needs_quotes(text: str) -> bool:
    t = text.strip()
    return (len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'") or t.startswith("[")


def format_value(value: Any, dt: np.dtype) -> str:
    """The text a user would type for ``value`` (as h5py reads an attribute of dtype ``dt``).

    ``parse_value`` (or the keep-the-type parsing of :func:`~h5gui.core.attrs.write.set_attr`) turns it back into the
    identical value. Raises ``ValueError`` for values that have no such text (bytes that are not
    UTF-8, strings holding NUL, unsupported types).
    """
    type_name, reason = classify(dt)
    if reason:
        raise ValueError(reason)
    target = target_for_dtype(dt)
    arr = np.asarray(value, dtype=object if target.kind == "string" else None)
    k = target.kind
    if k == "string":
        def one(v: Any) -> str:
            s = _decode_text(v)
            if "\x00" in s:
                raise ValueError("the text holds NUL characters")
            s.encode("utf-8")  # surrogates (bytes that were not UTF-8) cannot be written back
            return s

        if arr.ndim == 0:
            s = one(arr[()])
            return f'"{s}"' if _needs_quotes(s) else s
        fmt = lambda v: json.dumps(one(v), ensure_ascii=False)  # noqa: E731
    elif k == "bool":
        fmt = lambda v: "true" if bool(v) else "false"  # noqa: E731
    elif k == "int":
        fmt = lambda v: str(int(v))  # noqa: E731
    elif k == "float":
        ftype = target.dtype.type
        fmt = lambda v: _fmt_float(v, ftype)  # noqa: E731
    elif k == "complex":
        ftype = np.dtype(f"f{target.dtype.itemsize // 2}").type
        fmt = lambda v: _fmt_complex(complex(v), ftype)  # noqa: E731
    else:  # enum
        names = {v: name for name, v in target.members}
        fmt = lambda v: names.get(int(v), str(int(v)))  # noqa: E731
    if arr.ndim == 0:
        return fmt(arr[()])
    return _nested(arr.tolist(), fmt)


def _nested(items: Any, fmt: Any) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_nested(i, fmt) for i in items) + "]"
    return fmt(items)
