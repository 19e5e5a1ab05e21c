"""Job: requests and bytes transferred for each remote source open in the I/O process (the status bar)."""

from __future__ import annotations

import sys

from h5gui.core.h5 import files
from h5gui.core.remote_session import HSDS_KEY


def transfer_stats() -> dict[str, tuple[int, int]]:
    """Job: ``url -> (requests, bytes)`` read from each remote file open in the I/O process's pool, and
    under :data:`HSDS_KEY` the HSDS connection's counters (every domain shares it)."""
    out = files.transfer_stats()
    session = sys.modules.get("h5gui.core.hsds.session")
    client = getattr(session, "_default", None) if session is not None else None
    if client is not None:
        s = client.stats()
        out[HSDS_KEY] = (s.requests, s.bytes_in)
    return out
