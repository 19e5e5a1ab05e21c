"""``requests`` sessions that speak HTTP over a unix socket (``http+unix://<quoted path>/...``).

requests-unixsocket's connection (0.4.1) leaves its socket open when ``connect`` fails (the socket file
is missing, or exists but nobody listens yet, as while HSDS starts): the socket stays alive in the
exception's traceback until the garbage collector finds it and warns (``ResourceWarning``). Here the
socket of a failed connect is closed at once; everything else is requests-unixsocket's.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import unquote, urlparse

import requests
from requests_unixsocket.adapters import UnixAdapter, UnixHTTPConnection, UnixHTTPConnectionPool

SCHEME = "http+unix://"


class _Connection(UnixHTTPConnection):
    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(unquote(urlparse(self.unix_socket_url).netloc))
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _Pool(UnixHTTPConnectionPool):
    def _new_conn(self) -> _Connection:
        return _Connection(self.socket_path, self.timeout)


class _Adapter(UnixAdapter):
    def get_connection(self, url: str, proxies: Any = None) -> _Pool:
        if (proxies or {}).get(urlparse(url.lower()).scheme):
            raise ValueError(f"{type(self).__name__} does not support specifying proxies")
        with self.pools.lock:
            pool = self.pools.get(url)
            if pool is None:
                pool = self.pools[url] = _Pool(url, self.timeout)
            return pool


def session() -> requests.Session:
    """A session for ``http+unix://`` (and plain ``http(s)://``) addresses."""
    s = requests.Session()
    s.mount(SCHEME, _Adapter())
    return s
