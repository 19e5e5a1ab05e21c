"""What a front end tells its I/O process about remote sources, and what it asks back.

* :func:`environment` / :func:`apply_environment`: the ``AWS_*``, ``HS_*`` and ``HDF5_*`` settings
  (where servers are, which credentials) of the front end, replayed into the I/O process (a fork server
  started earlier has its own environment). They live in memory only; nothing is written anywhere.
* :func:`h5gui.core.remote_stats.transfer_stats` (a job): requests and bytes read so far from each
  remote source open in the I/O process, for the status bar.

Importing this module imports neither h5py nor a network library.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

PREFIXES = ("AWS_", "HS_", "HDF5_")
HSDS_KEY = "hdf5://"  # remote_stats.transfer_stats(): the key of the HSDS connection's counters


def environment(overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's AWS_*, HS_* and HDF5_* variables, with ``overrides`` (None removes one)."""
    env = {k: v for k, v in os.environ.items() if k.startswith(PREFIXES)}
    for k, v in (overrides or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def apply_environment(env: Mapping[str, str]) -> None:
    """Job (in the I/O process): take the front end's settings; an HSDS connection made with the old ones
    is dropped so that the next read uses the new endpoint and user."""
    old = {k: v for k, v in os.environ.items() if k.startswith(PREFIXES)}
    for k in [k for k in old if k not in env]:
        del os.environ[k]
    os.environ.update(env)
    hs_changed = {k: v for k, v in old.items() if k.startswith("HS_")} != {
        k: v for k, v in env.items() if k.startswith("HS_")}
    session = sys.modules.get("h5gui.core.hsds.session")
    if hs_changed and session is not None:
        session.use_client(None)


def hs_defaults(hscfg: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """HSDS endpoint and user name as h5pyd finds them (``HS_ENDPOINT``/``HS_USERNAME``, else ``~/.hscfg``),
    for a dialog's fields; the password is never returned."""
    path = os.fspath(hscfg) if hscfg is not None else os.path.join(os.path.expanduser("~"), ".hscfg")
    cfg: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, eq, value = line.strip().partition("=")
                if eq and not key.startswith("#") and value.strip() and value.strip().upper() != "NONE":
                    cfg[key.strip().lower()] = value.strip()
    except OSError:
        pass
    return {name: os.environ.get(name.upper()) or cfg.get(name, "") for name in ("hs_endpoint", "hs_username")}
