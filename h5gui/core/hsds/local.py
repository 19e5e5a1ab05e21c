"""A throwaway HSDS on unix sockets, for tests, benchmarks and trying h5gui without a server.

No TCP port is opened: the service node and the data nodes listen on unix sockets in a folder of
their own (HSDS refuses socket paths of 64 characters or more). The launcher (``hsds``) starts one
process per node; it is started in a session of its own and stopped with SIGINT (its handler stops
the nodes), then the whole process group is killed, because SIGTERM to the launcher alone leaves its
nodes serving.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from h5gui.core.errors import FileAccessError

log = logging.getLogger(__name__)

MAX_SOCKET_DIR = 63  # HSDS's own limit (bpo-32958)
# variables that would point the launcher or its nodes elsewhere (a config folder, another user)
_SCRUB = ("HS_ENDPOINT", "HS_USERNAME", "HS_PASSWORD", "CONFIG_DIR", "CONFIG_OVERRIDE_PATH", "AWS_S3_GATEWAY",
          "AZURE_CONNECTION_STRING", "BUCKET_NAME", "ROOT_DIR", "SN_PORT", "DN_PORT")


def hsds_command() -> str | None:
    """Path of the ``hsds`` launcher installed beside this Python, or on ``PATH``; None when absent."""
    beside = Path(sys.executable).parent / "hsds"
    if beside.exists():
        return str(beside)
    return shutil.which("hsds")


@dataclass
class LocalHsds:
    """A running HSDS (see :func:`start`). ``endpoint`` is ``http+unix://<quoted socket path>``."""

    process: subprocess.Popen[bytes]
    root: Path
    socket_dir: Path
    endpoint: str
    username: str
    password: str = field(repr=False)
    started_in: float = 0.0
    stopped_in: float | None = None

    @property
    def logfile(self) -> Path:
        return self.root / "hs.log"

    def stop(self, timeout: float = 10.0) -> float:
        """Stop every node: SIGINT to the launcher, then SIGKILL to its process group. Returns seconds."""
        t0 = time.monotonic()
        pgid = self.process.pid  # start_new_session: the launcher leads its own group
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("hsds launcher did not stop on SIGINT within %.0f s", timeout)
        try:
            os.killpg(pgid, signal.SIGKILL)  # nodes that outlived the launcher
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=timeout)
        shutil.rmtree(self.socket_dir.parent, ignore_errors=True)  # the folder start() made
        self.stopped_in = time.monotonic() - t0
        return self.stopped_in


def start(
    root: str | os.PathLike[str], *, username: str = "admin", password: str = "admin", nodes: int = 1,
    timeout: float = 60.0, loglevel: str = "ERROR", users: dict[str, str] | None = None,
    config: dict[str, object] | None = None,
) -> LocalHsds:
    """Start HSDS storing its data under ``root`` and wait until it answers.

    ``config``: HSDS settings (keys of its ``config.yml``, e.g. ``{"scan_sleep_time": 1}``), given to its
    nodes as environment variables.

    The socket folder is made under the system's temporary folder (a short path). Raises
    :class:`FileAccessError` when ``hsds`` is not installed or the service does not come up.
    """
    cmd = hsds_command()
    if cmd is None:
        raise FileAccessError("HSDS is not installed (pip install hsds)")
    root = Path(root).absolute()
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    socket_dir = Path(tempfile.mkdtemp(prefix="h5hs", dir="/tmp" if os.path.isdir("/tmp") else None)) / "s"
    socket_dir.mkdir()
    if len(str(socket_dir)) > MAX_SOCKET_DIR:
        raise FileAccessError(f"socket folder path too long for HSDS: {socket_dir}")
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["HOME"] = str(root)  # the launcher reads ~/.hscfg: not the user's
    env.update({k.upper(): str(v) for k, v in (config or {}).items()})
    args = [
        cmd, "--root_dir", str(data), "--socket_dir", str(socket_dir), "--hs_username", username,
        "--hs_password", password, "--count", str(nodes), "--logfile", str(root / "hs.log"),
        "--loglevel", loglevel,
    ]
    if users:  # more users (tests: one who may read but not write): a password file under root instead
        passwd = root / "passwd.txt"
        passwd.write_text("".join(f"{u}:{p}\n" for u, p in {username: password, **users}.items()), encoding="utf-8")
        at = args.index("--hs_username")
        args[at:at + 4] = ["--password_file", str(passwd)]
    t0 = time.monotonic()
    out = open(root / "launcher.out", "wb")  # noqa: SIM115 - owned by the child
    try:
        proc = subprocess.Popen(args, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        out.close()
    endpoint = "http+unix://" + quote(str(socket_dir / "sn_1.sock"), safe="")
    server = LocalHsds(proc, root, socket_dir, endpoint, username, password)
    try:
        _wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    server.started_in = time.monotonic() - t0
    log.info("HSDS ready in %.1f s at %s", server.started_in, endpoint)
    return server


def _wait_ready(server: LocalHsds, timeout: float) -> None:
    import requests

    from h5gui.core.hsds import unixconn

    deadline = time.monotonic() + timeout
    sock = server.socket_dir / "sn_1.sock"
    with unixconn.session() as session:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                tail = (server.root / "launcher.out").read_text(errors="replace")[-500:]
                raise FileAccessError(f"HSDS exited with code {server.process.returncode}: {tail}")
            if sock.exists():
                try:
                    r = session.get(server.endpoint + "/about", timeout=2)
                    if r.status_code == 200 and r.json().get("state") == "READY":
                        return
                except (requests.ConnectionError, requests.Timeout, ValueError):
                    pass
            time.sleep(0.1)
    raise FileAccessError(f"HSDS did not become ready within {timeout:.0f} s (log: {server.logfile})")


def make_home(server: LocalHsds, attempts: int = 40) -> None:
    """Make the folders ``/home/`` and ``/home/<user>/`` (owned by the user), as ``hstouch`` does.

    The first writes after start may meet a data node still settling (HSDS answers 500): retried.
    """
    from h5gui.core.hsds.client import HsdsClient, load_config

    c = HsdsClient(load_config(server.endpoint, server.username, server.password))
    try:
        for folder, body in (("/home", {"folder": True}),
                             (f"/home/{server.username}", {"folder": True, "owner": server.username})):
            for attempt in range(attempts):
                try:
                    c.request("PUT", "/", where=folder, domain=folder, body=body, write=True)
                    break
                except FileAccessError as exc:
                    if "(500)" not in str(exc) or attempt == attempts - 1:
                        raise
                    time.sleep(0.25)
    finally:
        c.close()
