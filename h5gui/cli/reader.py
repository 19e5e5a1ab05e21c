"""Where the CLI's reads run: in the supervised I/O process (the default), so that a file that crashes
or hangs libhdf5 costs one line for the object that did it, exit code 5, and the rest goes on; or in
this process with ``--in-process`` (faster to start, for files known to be healthy).

    describe = reader.read("h5gui.core.nodes", "describe", file, path, subject=(file, path), operation="describing")
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib
import logging
import os
from collections.abc import Callable
from typing import Any

from h5gui.core.errors import ReaderCrashedError
from h5gui.core.progress import Progress

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 15.0


class Reader:
    """Runs core functions for the CLI (see the module notes)."""

    def __init__(self, in_process: bool = False, deadline: float = DEFAULT_DEADLINE, past_mark: bool = False) -> None:
        self.in_process = in_process
        self.past_mark = past_mark  # --read-past-mark
        self.deadline = deadline
        self.crashes = 0  # objects that crashed or hung the reader (exit code 5 at the end)
        self._checked: set[str] = set()  # files whose interrupted edits were looked for
        self._applied: dict[str, Any] = {}

    def read(self, module: str, name: str, *args: Any, subject: tuple[str, str | None] | None = None,
             operation: str = "reading", on_progress: Callable[[Progress], None] | None = None,
             **kwargs: Any) -> Any:
        """``module.name(*args, **kwargs)`` driven to its result (progress passed to ``on_progress``).

        An edit of the subject's file that a killed h5gui left unfinished is rolled back first, and
        the command says so (one warning line)."""
        if subject is not None and str(subject[0]).startswith("hdf5://"):
            module, name = hsds_function(name)
        elif subject is not None and subject[0] not in self._checked:
            self._checked.add(subject[0])
            from h5gui.core.maintenance import recover_interrupted

            note = recover_interrupted(subject[0])
            if note:
                log.warning("%s", note)
            if self.past_mark:
                self._call_plain("h5gui.core.h5.files", "read_past_mark", subject[0])
        if self.in_process:
            from h5gui.core import progress
            from h5gui.core.errors import UnreadableError, damaged_text, libhdf5_reason
            from h5gui.core.ioproc import FuncRef
            from h5gui.core.ioproc.jobs import describe

            fn = getattr(importlib.import_module(module), name)
            try:
                return progress.run(fn(*args, **kwargs), on_progress)
            except (RuntimeError, OSError, KeyError, ValueError) as exc:  # as the reader process says it
                reason = libhdf5_reason(exc)
                if not reason:
                    raise
                what = describe(FuncRef(module, name), subject, operation)
                raise UnreadableError(damaged_text(what, reason)) from exc
        from h5gui.core.ioproc import FuncRef

        sup = self._supervisor()
        try:
            return sup.submit(FuncRef("h5gui.core.h5.files", "unpooled"), module, name, *args, subject=subject,
                              operation=operation, on_error=lambda _e: None, on_progress=on_progress,
                              **kwargs).result()
        except ReaderCrashedError:
            self.crashes += 1
            raise

    def _call_plain(self, module: str, name: str, *args: Any) -> Any:
        """A setup call where this run's reads go."""
        if self.in_process:
            return getattr(importlib.import_module(module), name)(*args)
        from h5gui.core.ioproc import FuncRef

        return self._supervisor().call(FuncRef(module, name), *args)

    def _supervisor(self) -> Any:
        global _shared
        key = self.deadline
        if _shared is None or _shared[0] != key:
            from h5gui.core.ioproc import Supervisor

            if _shared is not None:
                _shared[1].shutdown()
            # the reader's own log (tracebacks of failed jobs) only with --debug: the command says what failed
            level = logging.DEBUG if logging.getLogger("h5gui").isEnabledFor(logging.DEBUG) else logging.CRITICAL
            sup = Supervisor(deadline=self.deadline, log_level=level)
            sup.start()
            _shared = (key, sup)
        sup = _shared[1]
        from h5gui.core import sources
        from h5gui.core.ioproc import FuncRef

        chosen = {b: dataclasses.asdict(o) for b, o in sources.remembered_options().items()}
        env = dict(_environment())
        if env != _shared_env.get(id(sup)):  # servers and credentials: the reader process takes this process's
            ref = FuncRef("h5gui.cli.reader", "apply_environment")
            sup.add_setup_job("environment", ref, env)
            sup.call(ref, env)
            _shared_env[id(sup)] = env
        if chosen != self._applied:  # --endpoint-url, --profile, --anon reach the reader process too
            ref = FuncRef("h5gui.core.sources", "restore_options")
            sup.add_setup_job("s3-options", ref, chosen)  # into every new reader process
            sup.call(ref, chosen)  # and the running one
            self._applied = chosen
        return sup

    def close(self) -> None:
        """Nothing to do: the reader process serves every command of this process and ends at exit."""


_shared: tuple[Any, Any] | None = None  # ((deadline, environment), Supervisor): one reader process


_PREFIXES = ("AWS_", "HS_", "HDF5_")
_shared_env: dict[int, dict[str, str]] = {}


def _environment() -> tuple[tuple[str, str], ...]:
    """The settings a reader process takes from the environment: where servers and credentials are."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_PREFIXES)))


def apply_environment(env: dict[str, str]) -> None:
    """Job (in the reader process): the CLI's current AWS_*, HS_* and HDF5_* settings (a fork server
    started earlier has its own); nothing is written anywhere."""
    for k in [k for k in os.environ if k.startswith(_PREFIXES) and k not in env]:
        del os.environ[k]
    os.environ.update(env)


def _shutdown() -> None:
    global _shared
    if _shared is not None:
        sup, _shared = _shared[1], None
        sup.shutdown()


atexit.register(_shutdown)


# the core functions that have an HSDS twin (same records, from the REST API: h5gui.core.hsds)
HSDS_FUNCTIONS = frozenset({"child_info", "count_children", "describe", "describe_children", "list_children",
                            "list_names", "open_group_listing", "list_attrs", "preview_info", "read_image",
                            "read_plot", "read_table", "search", "read_encoded"})


def hsds_function(name: str) -> tuple[str, str]:
    """Where ``name`` is read from for an ``hdf5://`` domain, or a one-line refusal."""
    from h5gui.core.errors import BadRequestError

    if name not in HSDS_FUNCTIONS:
        raise BadRequestError(f"{name.replace('_', ' ')} is not available for HSDS domains yet")
    return "h5gui.core.hsds", name


_reader = Reader(in_process=True)


def configure(in_process: bool, deadline: float = DEFAULT_DEADLINE, past_mark: bool = False) -> Reader:
    """Set how this run's reads go (from the command line); returns the reader."""
    global _reader
    _reader = Reader(in_process=in_process, deadline=deadline, past_mark=past_mark)
    return _reader


def reader() -> Reader:
    return _reader


def read(module: str, name: str, *args: Any, **kwargs: Any) -> Any:
    """:meth:`Reader.read` of this run's reader."""
    return _reader.read(module, name, *args, **kwargs)


def run_routed(ref: Any, *args: Any, **kwargs: Any) -> Any:
    """An edit (or a read tied to one) in this process, ``ref(*args, **kwargs)`` as the GUI's job runner routes
    it (:func:`h5gui.core.routes.route`): the local core for a file or a URL, its HSDS twin for an ``hdf5://``
    domain, else the one-line refusal. A job (generator) is returned for the caller to drive."""
    from h5gui.core import routes

    fn, routed = routes.route(ref, args)
    return fn(*routed, **kwargs)


def refuse_unrouted(ref: Any, file: str) -> None:
    """Raise :func:`run_routed`'s refusal now when ``file`` is an ``hdf5://`` domain that ``ref`` has no twin
    for (before any other request to the server)."""
    from h5gui.core import routes

    fn, routed = routes.route(ref, (file,))
    if fn == routes.NOT_FOR_HSDS:
        fn(*routed)
