"""An attribute's value summarized for the attribute table (shared by local files and HSDS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from h5gui.core.attrs.formatting import format_value
from h5gui.core.attrs.records import AttrInfo
from h5gui.core.formatting import pretty, value_bytes, value_text

MAX_EDIT_ELEMENTS = 100_000  # larger ones are not offered as text (copy/paste still works)
SUMMARY_CHARS = 300
BIG_BYTES = 64 * 1024  # HDF5 stores attributes this large densely (they need the newer object header)


def summarize(name: str, dtype: str, shape: tuple[int, ...] | None, value: Any, dt: np.dtype, n: int, reason: str,
              common: dict[str, Any], deref: Callable[[Any], str] | None = None) -> AttrInfo:
    """The :class:`AttrInfo` of a value read: one-line summary, full text, edit text, or why not editable."""
    text = value_text(value, deref)
    one_line = " ".join(text.split())
    summary = one_line if len(one_line) <= SUMMARY_CHARS else one_line[:SUMMARY_CHARS] + "..."
    full = pretty(text) if len(text) > 60 or "\n" in text or text.lstrip()[:1] in "[{" else ""
    big = value_bytes(value) >= BIG_BYTES
    edit_text = ""
    if not reason and n > MAX_EDIT_ELEMENTS:
        reason = f"too large to edit as text ({n:,} elements)"
    if not reason:
        try:
            edit_text = format_value(value, dt)
        except UnicodeError:
            reason = "it holds bytes that are not UTF-8 text"
        except ValueError as exc:
            reason = str(exc)
    return AttrInfo(name, dtype, shape, summary, full_text=full, editable=not reason, reason=reason,
                    edit_text=edit_text, big=big, **common)
