"""The big-group helper process: listing and sorting the names of big groups outside this process.

h5py holds the GIL through every HDF5 call, so listing 100,000 names from a cold disk in the GUI's
process froze the GUI thread for 0.3-0.7 s; in another process it cannot. One helper process
(spawned: the GUI process has threads) runs :func:`open_group_listing`, :func:`list_names` and
:func:`describe_children` for big groups. (Temporary: the I/O process will take this over.)
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from h5gui.core.nodes.listing import describe_children, list_names, open_group_listing
from h5gui.core.nodes.records import ChildInfo, GroupListing

__all__ = ["describe_children_isolated", "list_names_isolated", "names_worker_ready", "open_group_listing_isolated",
    "shutdown_names_worker", "warm_names_worker"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_names_pool: Any = None
_names_pool_lock = threading.Lock()
_warm = False


def _names_worker() -> Any:
    """The helper process's pool (one worker), started on first use."""
    global _names_pool
    with _names_pool_lock:
        if _names_pool is None:
            _names_pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _names_pool


def _ping() -> int:
    return os.getpid()


def warm_names_worker() -> bool:
    """Start the helper process and wait until it answers (call from a thread of its own: the spawn
    takes a moment and holds no lock of ours)."""
    global _warm
    _names_worker().submit(_ping).result(timeout=120)
    _warm = True
    return True


def names_worker_ready() -> bool:
    """Whether the helper process has been started and has answered."""
    return _warm and _names_pool is not None


def _in_helper(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` computed in the helper process; in this one when no helper can be started."""
    try:
        future = _names_worker().submit(fn, *args)
    except Exception:  # pragma: no cover - e.g. no multiprocessing on this platform
        log.debug("no helper process: %s runs in this one", fn.__name__, exc_info=True)
        return fn(*args)
    return future.result()  # waits without holding the GIL


def open_group_listing_isolated(file: str, path: str = "/", first: int = 256) -> GroupListing:
    """:func:`open_group_listing` in the helper process (big groups, once the helper is running)."""
    return _in_helper(open_group_listing, str(file), path, first)


def list_names_isolated(file: str, path: str = "/") -> list[str]:
    """:func:`list_names` (naturally sorted) computed in the helper process."""
    return _in_helper(list_names, str(file), path)


def describe_children_isolated(file: str, path: str, names: Sequence[str]) -> list[ChildInfo]:
    """:func:`describe_children` in the helper process (rows of big groups, read while scrolling)."""
    return _in_helper(describe_children, str(file), path, list(names))


def shutdown_names_worker() -> None:
    """Stop the helper process (it is started again on the next use)."""
    global _names_pool, _warm
    _warm = False
    with _names_pool_lock:
        if _names_pool is not None:
            _names_pool.shutdown(wait=False, cancel_futures=True)
            _names_pool = None
