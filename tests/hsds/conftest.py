"""A real HSDS for the tests: one per session, on unix sockets (no TCP port), stopped at the end.

Started with ``hsds --root_dir ... --socket_dir ... --count 1`` (see :mod:`h5gui.core.hsds.local`);
the folders ``/home/`` and ``/home/admin/`` are made before anything is loaded. Every test here is
marked ``hsds`` and skipped, with the reason, where the ``hsds`` package is not installed.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

HAVE_HSDS = importlib.util.find_spec("hsds") is not None and importlib.util.find_spec("requests_unixsocket") is not None
log = logging.getLogger(__name__)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.hsds)
            if not HAVE_HSDS:
                item.add_marker(pytest.mark.skip(reason="hsds is not installed (pip install -e '.[hsds]')"))


@pytest.fixture(scope="session")
def hsds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from h5gui.core.hsds import local

    if local.hsds_command() is None:
        pytest.skip("the hsds launcher is not installed")
    root = tmp_path_factory.mktemp("hsds")
    # reader: may read what admin grants, not write. scan_sleep_time: the data node looks for domains to
    # scan every second instead of every 10 s when idle, so a requested rescan (tests/hsds/
    # test_hsds_requests.py) waits ~1 s instead of up to 10; scans after a change still wait 10 s.
    server = local.start(root, users={"reader": "reader"}, config={"scan_sleep_time": 1})
    try:
        local.make_home(server)
        yield server
    finally:
        stopped = server.stop()
        log.info("HSDS started in %.1f s, stopped in %.1f s", server.started_in, stopped)
        shutil.rmtree(server.socket_dir.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def hsds_client(hsds_server: object) -> Iterator[object]:
    from h5gui.core.hsds import session
    from h5gui.core.hsds.client import HsdsClient, load_config

    c = HsdsClient(load_config(hsds_server.endpoint, hsds_server.username, hsds_server.password))  # type: ignore[attr-defined]
    session.use_client(c)
    yield c
    session.use_client(None)
    c.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from h5gui.core.demo import make_demo

    return make_demo(tmp_path_factory.mktemp("demo") / "demo.h5")


@pytest.fixture(scope="session")
def demo_domain(hsds_client: object, demo_file: Path) -> str:
    """The demo file uploaded by h5gui's uploader."""
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    uri = "hdf5://home/admin/demo.h5"
    run(transfer.upload(demo_file, uri, overwrite=True))
    return uri


@pytest.fixture
def hs_env(hsds_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server in the standard HSDS variables, as a user's shell would have them."""
    monkeypatch.setenv("HS_ENDPOINT", hsds_server.endpoint)  # type: ignore[attr-defined]
    monkeypatch.setenv("HS_USERNAME", hsds_server.username)  # type: ignore[attr-defined]
    monkeypatch.setenv("HS_PASSWORD", hsds_server.password)  # type: ignore[attr-defined]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    """``cli(*argv) -> (exit code, stdout, stderr)`` of ``h5gui-cli`` run in this process."""
    from clitools import run

    return lambda *argv: run(capsys, *argv)


_domains = itertools.count()


@pytest.fixture
def domain(hsds_client: object, demo_file: Path) -> str:
    """A domain of its own for a test that edits it: the demo file uploaded under a new name."""
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    uri = f"hdf5://home/admin/edit-{os.getpid()}-{next(_domains)}.h5"
    run(transfer.upload(demo_file, uri, overwrite=True))
    return uri
