"""HDF5's error messages turned into one line a user can act on."""

from __future__ import annotations

import re

from h5gui.core.errors import innermost_reason

hdf5_reason = innermost_reason  # the innermost reason of an h5py error message: '... (truncated file: eof = 1)'


def reason_of(exc: BaseException) -> str:
    """:func:`hdf5_reason` of an exception, or its type's name when it says nothing."""
    return hdf5_reason(str(exc)) or type(exc).__name__


def truncation(text: str) -> str:
    """``'truncated file: eof = 10, sblock->base_addr = 0, stored_eof = 20'`` -> ``'10 of 20 bytes present'``."""
    m = re.search(r"\beof = (\d+).*stored_eof = (\d+)", text)
    if m:
        return f"{int(m.group(1)):,} of {int(m.group(2)):,} bytes present"
    return hdf5_reason(text)


def write_refusal(text: str) -> str:
    """Why HDF5 refused to open a file ``r+``, in words (from its error message)."""
    low = text.lower()
    if "errno = 13" in low or "permission denied" in low or "errno = 1," in low or "not permitted" in low:
        return "permission denied"
    if "errno = 30" in low or "read-only file system" in low:
        return "read-only file system"
    if "unable to lock file" in low or "errno = 11" in low:
        return "it is open in another program"
    if "already open for write" in low:
        return ("it is open in another program (or a program writing it crashed: "
                "'h5clear -s FILE' clears that mark)")
    if "already open for read-only" in low or "locking flag values don't match" in low:
        return "it is open read-only elsewhere in this program"
    return hdf5_reason(text)
