"""Starting an I/O process: the multiprocessing context and the handle the supervisor keeps of it."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

from h5gui.core.ioproc import codec
from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.procinfo import ChildConfig

log = logging.getLogger(__name__)

_SERVE = FuncRef("h5gui.core.ioproc.child", "serve")  # named, so this process never imports the child side


class Child:
    """One I/O process as the supervisor sees it."""

    def __init__(self, seq: int, process: Any, conn: Any, prefix: str, threshold: int, launched_at: float,
                 on_free: Callable[[str], None] | None = None) -> None:
        self.seq = seq
        self.process = process
        self.conn = conn
        self.prefix = prefix  # of every shared memory segment of this process (both directions)
        self.encoder = codec.Encoder(prefix + "a", threshold)  # one-shot segments for job arguments
        self.decoder = codec.Decoder(on_free, watch_h5py=True)
        self.launched_at = launched_at
        self.ready = False
        self.info: dict[str, Any] = {}
        self.kill_reason: str | None = None
        self.quarantine_on_kill = False


def context(method: str | None, preload: tuple[str, ...]) -> Any:
    """The multiprocessing context: ``method``, or a fork server where there is one, else spawn.

    The fork server is one per process and its preload list is global: whoever starts it first sets
    what it imports.
    """
    methods = multiprocessing.get_all_start_methods()
    method = method or ("forkserver" if "forkserver" in methods else "spawn")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(preload))
    return ctx


def start(ctx: Any, seq: int, config: ChildConfig, name: str, on_free: Callable[[str], None] | None = None) -> Child:
    """Start I/O process number ``seq`` (blocks while a cold fork server boots). Raises what
    ``Process.start`` raises. Call it from a thread that outlives the process: under spawn, Linux's
    ``PR_SET_PDEATHSIG`` fires when the *thread* that started the process ends."""
    parent_conn, child_conn = ctx.Pipe(duplex=True)
    process = ctx.Process(target=_SERVE, args=(child_conn, config), name=f"{name}-{seq}")
    launched_at = time.monotonic()
    try:
        process.start()
    except BaseException:
        parent_conn.close()
        raise
    finally:
        child_conn.close()
    return Child(seq, process, parent_conn, config.prefix, config.shm_threshold, launched_at, on_free)


def prefix(seq: int) -> str:
    """Shared memory prefix of I/O process ``seq`` of this process: ``h5g<pid>_<seq>_``."""
    return f"h5g{os.getpid()}_{seq}_"
