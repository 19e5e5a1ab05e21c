"""Real servers on 127.0.0.1 for the remote-source tests: an HTTP Range server and moto's S3 server.

Nothing is mocked and nothing leaves the machine: both servers listen on 127.0.0.1 on a random port,
AWS credentials are dummy values set in the environment (``~/.aws`` is pointed at an empty folder),
and the instance-metadata lookup that botocore would try without credentials is switched off.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from h5gui.core.demo import make_demo

FRAMES, HEIGHT, WIDTH = 8, 512, 512  # the per-frame-chunked stack: 4 MiB, small enough for moto
BUCKET = "h5gui-test"
PUBLIC_BUCKET = "h5gui-public"
log = logging.getLogger(__name__)


# -- test files ---------------------------------------------------------------------------------


def make_stack(path: Path, frames: int = FRAMES) -> Path:
    """A (frames, 512, 512) uint16 stack with one chunk per frame; frame i holds i*1000 + pixel index."""
    with h5py.File(path, "w", track_order=True) as f:
        ds = f.create_dataset("stack", shape=(frames, HEIGHT, WIDTH), dtype="u2", chunks=(1, HEIGHT, WIDTH))
        base = (np.arange(HEIGHT * WIDTH, dtype=np.uint32) % 50000).reshape(HEIGHT, WIDTH)
        for i in range(frames):
            ds[i] = (base + i * 1000).astype("u2")
        ds.attrs["unit"] = "counts"
        f.attrs["title"] = "per-frame chunks"
    return path


@dataclasses.dataclass(frozen=True)
class RemoteFiles:
    """The files every remote test reads, in one local folder (served as is over HTTP and S3)."""

    root: Path
    demo: Path
    stack: Path
    not_hdf5: Path
    empty: Path


@pytest.fixture(scope="session")
def remote_files(tmp_path_factory: pytest.TempPathFactory) -> RemoteFiles:
    root = tmp_path_factory.mktemp("served")
    demo = make_demo(root / "demo.h5")
    stack = make_stack(root / "stack.h5")
    not_hdf5 = root / "notes.h5"
    not_hdf5.write_text("plain text, not HDF5\n" * 50)
    empty = root / "empty.h5"
    empty.write_bytes(b"")
    return RemoteFiles(root, demo, stack, not_hdf5, empty)


# -- HTTP Range server ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Logged:
    """One request the server answered (or dropped)."""

    method: str
    path: str
    range: str | None
    status: int
    nbytes: int  # body bytes sent


@dataclasses.dataclass
class Fault:
    """A failure to inject: answer ``status``, or drop the connection after ``drop_after`` body bytes,
    or wait ``delay`` seconds first; for the next ``times`` matching requests (None: until cleared)."""

    status: int | None = None
    drop_after: int | None = None
    delay: float = 0.0
    times: int | None = 1
    methods: tuple[str, ...] = ("GET", "HEAD")


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    disable_nagle_algorithm = True  # else headers and body in two writes cost a 40 ms delayed ACK each
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        owner: RangeServer = self.server.owner
        fault = owner._take_fault(self.command)
        delay = owner.delay + (fault.delay if fault else 0.0)
        if delay:
            time.sleep(delay)
        rng = self.headers.get("Range")
        if fault is not None and fault.status is not None:
            return self._reply(fault.status, b"injected failure\n", rng, head)
        target = owner.resolve(self.path)
        if target is None:
            return self._reply(404, b"not found\n", rng, head)
        size = target.stat().st_size
        start, end, status, extra = 0, size - 1, 200, {}
        m = _RANGE.match(rng.strip()) if rng is not None else None
        if m and (m.group(1) or m.group(2)):  # other range syntax: the whole file, like most servers
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:  # suffix: the last N bytes
                start = max(size - int(m.group(2)), 0)
            if start >= size or start > end:
                return self._reply(416, b"", rng, head, {"Content-Range": f"bytes */{size}"})
            status, extra = 206, {"Content-Range": f"bytes {start}-{end}/{size}"}
        length = max(end - start + 1, 0)
        body = b""
        if not head:
            with target.open("rb") as fh:  # only the bytes asked for
                fh.seek(start)
                body = fh.read(length)
        self._reply(status, body, rng, head, extra, drop_after=fault.drop_after if fault else None, length=length)

    def _reply(
        self, status: int, body: bytes, rng: str | None, head: bool, extra: dict[str, str] | None = None,
        drop_after: int | None = None, length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/x-hdf5" if status < 300 else "text/plain")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        sent = 0 if head else len(body) if drop_after is None else min(drop_after, len(body))
        # logged before the answer goes out, so that a client that has its answer finds it in the log
        self.server.owner._record(Logged(self.command, self.path, rng, status, sent))
        self.end_headers()
        if head:
            return
        if drop_after is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:drop_after])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: RangeServer) -> None:
        self.owner = owner
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("range server: error while serving %s", client_address, exc_info=True)  # clients that hang up

    def track(self, conn: socket.socket, on: bool) -> None:
        with self._conns_lock:
            (self._conns.add if on else self._conns.discard)(conn)

    def drop_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


class RangeServer:
    """A static file server with HTTP Range support, a request log, delays and injected failures.

    ``url(name)`` gives a file's URL; ``log`` holds every answered request; ``delay`` (seconds) is added
    to every request; ``inject(Fault(...))`` fails the next requests; ``stop()`` closes the port and every
    open connection, ``start()`` serves again on the same port.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.delay = 0.0
        self.port = 0
        self._lock = threading.Lock()
        self._log: list[Logged] = []
        self._faults: list[Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> RangeServer:
        self._server = _Server(("127.0.0.1", self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="range-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            assert self._thread is not None
            self._thread.join(5)
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def resolve(self, url_path: str) -> Path | None:
        rel = urllib.request.url2pathname(url_path.split("?", 1)[0]).lstrip("/")
        p = (self.root / rel).resolve()
        if not p.is_file() or self.root not in p.parents:
            return None
        return p

    # observation and faults
    def _record(self, entry: Logged) -> None:
        with self._lock:
            self._log.append(entry)

    @property
    def log(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    @property
    def requests(self) -> int:
        return len(self.log)

    @property
    def bytes_sent(self) -> int:
        return sum(e.nbytes for e in self.log)

    def inject(self, **fault: Any) -> Fault:
        """Fail the next requests: ``inject(status=403)``, ``inject(drop_after=1000, times=None)`` (see Fault)."""
        f = Fault(**fault)
        with self._lock:
            self._faults.append(f)
        return f

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if method in f.methods:
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None

    def reset(self) -> None:
        """Clear the log, the faults and the delay (between tests)."""
        with self._lock:
            self._log.clear()
            self._faults.clear()
        self.delay = 0.0


@pytest.fixture(scope="session")
def _range_server_session(remote_files: RemoteFiles) -> Iterator[RangeServer]:
    server = RangeServer(remote_files.root).start()
    yield server
    server.stop()


@pytest.fixture
def http_server(_range_server_session: RangeServer) -> Iterator[RangeServer]:
    """The session's Range server, running, with an empty log and no faults or delay."""
    pytest.importorskip("fsspec", reason="fsspec is not installed (a test extra)")
    pytest.importorskip("aiohttp", reason="aiohttp is not installed (fsspec[http], a test extra)")
    s = _range_server_session
    if not s.running:
        s.start()
    s.reset()
    yield s
    s.reset()
    if not s.running:
        s.start()


# -- S3 through moto's server -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str
    public_bucket: str
    aws_config: Path  # a config file with the profile "h5gui-test" (dummy keys)

    def set_auth(self, on: bool) -> None:
        """Make moto check signatures and IAM permissions (``on``), or accept every request again."""
        req = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()


@pytest.fixture(scope="session")
def _aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Dummy AWS credentials in the environment; the real ~/.aws is never read; no metadata lookups."""
    folder = tmp_path_factory.mktemp("aws")
    config = folder / "config"
    config.write_text(
        "[profile h5gui-test]\naws_access_key_id = profilekey\naws_secret_access_key = profilesecret\n"
        "region = us-east-1\n"
    )
    (folder / "credentials").write_text("")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                     "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(config))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "credentials"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # never send the local server's traffic to a proxy
        yield config


@pytest.fixture(scope="session")
def s3_server(_aws_env: Path, remote_files: RemoteFiles) -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1: a private bucket and a public-read one, each with the test files."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed (a test extra)")
    pytest.importorskip("s3fs", reason="s3fs is not installed (a test extra)")
    boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (comes with moto)")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for bucket in (BUCKET, PUBLIC_BUCKET):
            client.create_bucket(Bucket=bucket)
            acl = {"ACL": "public-read"} if bucket == PUBLIC_BUCKET else {}  # anonymous reads allowed
            for p in (remote_files.demo, remote_files.stack, remote_files.not_hdf5, remote_files.empty):
                client.put_object(Bucket=bucket, Key=f"data/{p.name}", Body=p.read_bytes(), **acl)
        client.close()
        yield S3Server(endpoint, BUCKET, PUBLIC_BUCKET, _aws_env)
    finally:
        server.stop()


@pytest.fixture(autouse=True, scope="module")
def _close_sessions() -> Iterator[None]:
    """Close the network sessions that the module's tests opened (an open aiohttp session warns)."""
    yield
    from h5gui.core.h5.remote import close_filesystems

    close_filesystems()


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for connection-refused tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
