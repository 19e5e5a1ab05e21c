"""A small REST client for HSDS: timeouts, one retry for idempotent reads, basic auth, counters.

Settings come from explicit arguments, else the ``HS_ENDPOINT``, ``HS_USERNAME`` and ``HS_PASSWORD``
variables, else ``~/.hscfg`` (the file h5pyd's ``hsconfigure`` writes: ``hs_endpoint = ...`` lines).
The password is kept in memory only: it is never written anywhere by this module and never shows in
the ``repr`` or ``str`` of any object.

Every failure becomes one line naming what was asked (``hdf5://home/admin/x.h5: access denied
(403)``) as an :mod:`h5gui.core.errors` class: :class:`FileAccessError` for the server or the domain,
:class:`NodeNotFoundError` for a missing path, :class:`ReadOnlyError` for a write that is refused,
:class:`BadRequestError` for a request the server rejects (400, 409, 413).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from h5gui.core.errors import (
    BadRequestError,
    FileAccessError,
    H5GuiError,
    NodeNotFoundError,
    ReadOnlyError,
)
from h5gui.core.hsds import unixconn

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT = 30.0  # seconds to wait for an answer
CONNECT_TIMEOUT = 5.0  # seconds to wait for a connection
POOL_SIZE = 4  # value reads in flight at once (8 drew 503s from a one-data-node HSDS; metadata GETs
# go one at a time: 3 in flight left HSDS 1.0.2 answering 503 for good, see Domain.objects)
RETRY_STATUS = (502, 503, 504)


@dataclass(frozen=True)
class HsdsConfig:
    """Where the server is and who asks. ``password`` never shows in ``repr``/``str``."""

    endpoint: str
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = CONNECT_TIMEOUT

    def __str__(self) -> str:
        return f"{self.username or 'anonymous'} at {self.endpoint}"


def read_hscfg(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The ``key = value`` settings of ``~/.hscfg`` (lower-case keys); empty when there is none."""
    p = Path(path) if path is not None else Path.home() / ".hscfg"
    out: dict[str, str] = {}
    try:
        text = p.read_text(encoding="utf-8")
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if value and value.upper() != "NONE":
            out[key.strip().lower()] = value
    return out


def load_config(
    endpoint: str | None = None, username: str | None = None, password: str | None = None, *,
    hscfg: str | os.PathLike[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
) -> HsdsConfig:
    """Settings from the arguments, else the environment, else ``~/.hscfg``.

    Raises :class:`FileAccessError` when no endpoint is known.
    """
    cfg = read_hscfg(hscfg)

    def pick(arg: str | None, env: str) -> str:
        if arg is not None:
            return arg
        return os.environ.get(env.upper()) or cfg.get(env.lower(), "")

    ep = pick(endpoint, "hs_endpoint")
    if not ep:
        raise FileAccessError("no HSDS endpoint: set HS_ENDPOINT, run hsconfigure, or give the endpoint")
    return HsdsConfig(ep.rstrip("/"), pick(username, "hs_username"), pick(password, "hs_password"), timeout)


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Counters of a client since it was made (or since :meth:`HsdsClient.reset_stats`)."""

    requests: int
    retries: int
    bytes_in: int
    bytes_out: int
    seconds: float  # time spent waiting for answers, summed over requests


class HsdsClient:
    """Talks to one HSDS endpoint as one user. Thread-safe; one ``requests`` session per thread."""

    def __init__(self, config: HsdsConfig, *, pool_size: int = POOL_SIZE) -> None:
        self.config = config
        self.pool_size = max(1, pool_size)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._sessions: list[requests.Session] = []
        self._counts = [0, 0, 0, 0]
        self._seconds = 0.0

    def __repr__(self) -> str:
        return f"HsdsClient({self.config.endpoint!r}, user={self.config.username or 'anonymous'!r})"

    __str__ = __repr__

    # -- plumbing ------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = unixconn.session() if self.config.endpoint.startswith(unixconn.SCHEME) else requests.Session()
            if self.config.username:
                s.auth = (self.config.username, self.config.password)
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def stats(self) -> ClientStats:
        with self._lock:
            r, retries, bi, bo = self._counts
            return ClientStats(r, retries, bi, bo, self._seconds)

    def reset_stats(self) -> None:
        with self._lock:
            self._counts = [0, 0, 0, 0]
            self._seconds = 0.0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
        self._local = threading.local()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` with up to ``pool_size`` requests in flight; results in order."""
        items = list(items)
        if len(items) <= 1 or self.pool_size == 1:
            return [fn(x) for x in items]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.pool_size, thread_name_prefix="hsds")
            pool = self._pool
        return list(pool.map(fn, items))

    def request(
        self, method: str, path: str, *, where: str, domain: str | None = None,
        params: Mapping[str, Any] | None = None, body: Any = None, data: bytes | None = None,
        binary: bool = False, missing: str = "", write: bool = False, timeout: float | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request; raises an :class:`H5GuiError` (one line, starting with ``where``) on failure.

        ``missing`` is the message for a 404 (a :class:`NodeNotFoundError`; empty: the domain is
        missing, a :class:`FileAccessError`). ``write`` turns a 403 into :class:`ReadOnlyError`.
        GETs are retried once after a dropped connection, a timeout or a 502/503/504. ``stream``: the
        body is left unread (the caller reads or closes it; it is counted by its ``Content-Length``).
        """
        q: dict[str, Any] = dict(params or {})
        if domain is not None:
            q["domain"] = domain
        headers = {"Accept": "application/octet-stream" if binary else "application/json"}
        payload: bytes | None = data
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif data is not None:
            headers["Content-Type"] = "application/octet-stream"
        url = self.config.endpoint + path
        tries = 2 if method == "GET" else 1
        wait = (self.config.connect_timeout, timeout if timeout is not None else self.config.timeout)
        for attempt in range(tries):
            t0 = time.monotonic()
            try:
                resp = self._session().request(method, url, params=q, data=payload, headers=headers, timeout=wait,
                                               stream=stream)
            except requests.Timeout as exc:
                self._count(payload, 0, time.monotonic() - t0, attempt)
                if attempt + 1 < tries:
                    continue
                raise FileAccessError(f"{where}: no answer from HSDS within {wait[1]:g} s (timeout)") from exc
            except requests.ConnectionError as exc:
                self._count(payload, 0, time.monotonic() - t0, attempt)
                if attempt + 1 < tries:
                    time.sleep(0.2)
                    continue
                raise FileAccessError(f"{where}: HSDS not reachable at {self.config.endpoint} (server down?)") from exc
            got = int(resp.headers.get("Content-Length") or 0) if stream else len(resp.content)
            self._count(payload, got, time.monotonic() - t0, attempt)
            if resp.status_code in RETRY_STATUS and attempt + 1 < tries:
                time.sleep(0.2)  # a busy server: let it breathe once
                continue
            if resp.status_code >= 400:
                raise status_error(resp.status_code, where, _reason(resp), missing=missing, write=write)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def _count(self, payload: bytes | None, nbytes: int, seconds: float, attempt: int) -> None:
        with self._lock:
            self._counts[0] += 1
            self._counts[1] += attempt > 0
            self._counts[2] += nbytes
            self._counts[3] += len(payload) if payload else 0
            self._seconds += seconds

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return json_of(self.request("GET", path, **kwargs))

    def get_json_capped(self, path: str, max_bytes: int, **kwargs: Any) -> Any | None:
        """The JSON answer of a GET, or None when it is longer than ``max_bytes`` (read no further)."""
        resp = self.request("GET", path, stream=True, **kwargs)
        try:
            if int(resp.headers.get("Content-Length") or 0) > max_bytes:
                return None
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_content(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    return None
                chunks.append(chunk)
            return json.loads(b"".join(chunks))
        finally:
            resp.close()


def _reason(resp: requests.Response) -> str:
    text = (resp.reason or "").strip()
    try:
        body = resp.text.strip()
    except (UnicodeDecodeError, requests.RequestException):  # pragma: no cover - defensive
        body = ""
    if body and len(body) < 200 and not body.startswith("<"):
        text = body.removeprefix(f"{resp.status_code}: ")
    return " ".join(text.split())


def status_error(status: int, where: str, reason: str = "", *, missing: str = "", write: bool = False) -> H5GuiError:
    """The :class:`H5GuiError` for an HTTP error status (one line, ending with the status)."""
    detail = f": {reason}" if reason and reason.lower() not in ("not found", "forbidden", "unauthorized") else ""
    if status == 401:
        return FileAccessError(f"{where}: wrong user name or password (401)")
    if status == 403:
        if write:
            return ReadOnlyError(f"{where}: no permission to change this domain (403)")
        return FileAccessError(f"{where}: access denied (403)")
    if status == 404:
        if missing:
            return NodeNotFoundError(f"{where}: {missing} (404)")
        return FileAccessError(f"{where}: no such domain or folder (404)")
    if status == 409:
        return BadRequestError(f"{where}: already exists or conflicts with the current state (409){detail}")
    if status == 410 and missing:  # a link or object that was deleted (HSDS keeps a tombstone)
        return NodeNotFoundError(f"{where}: {missing} (deleted, 410)")
    if status == 410:
        return FileAccessError(f"{where}: the domain was deleted (410)")
    if status == 413:
        return BadRequestError(f"{where}: request too large for the server (413)")
    if status == 400:
        return BadRequestError(f"{where}: bad request (400){detail}")
    if status >= 500:
        return FileAccessError(f"{where}: HSDS server error ({status}){detail}")
    return FileAccessError(f"{where}: HTTP {status}{detail}")


def json_of(resp: Any) -> Any:
    """The JSON body of a response, NaN and Infinity included (HSDS writes them for such values;
    ``requests`` decodes with simplejson when installed, which refuses them)."""
    return json.loads(resp.content)
