"""A connection that fails (HSDS down, or its socket file there but nobody listening yet, as while it
starts) leaves no socket open behind: requests-unixsocket's own connection leaked it, and the garbage
collector's ResourceWarning surfaced later in whatever test was running (an error under -W error)."""

from __future__ import annotations

import gc
import socket
import tempfile
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest

from h5gui.core.errors import FileAccessError
from h5gui.core.hsds.client import HsdsClient, load_config


@pytest.mark.parametrize("listening", [False, None], ids=["file-not-listening", "no-file"])
def test_failed_connect_leaves_no_socket_open(listening: bool | None) -> None:
    with tempfile.TemporaryDirectory(prefix="h5s", dir="/tmp") as tmp:  # short: unix socket paths are limited
        path = Path(tmp) / "sn.sock"
        bound = None
        if listening is False:
            bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            bound.bind(str(path))  # the file exists, connect() is refused
        c = HsdsClient(load_config("http+unix://" + quote(str(path), safe=""), "admin", "admin"))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with pytest.raises(FileAccessError, match=r"^/: HSDS not reachable .* \(server down\?\)$"):
                    c.request("GET", "/about", where="/")
                gc.collect()
        finally:
            c.close()
            if bound is not None:
                bound.close()
    assert c.stats().retries == 1  # a GET is tried twice: two failed connects
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
