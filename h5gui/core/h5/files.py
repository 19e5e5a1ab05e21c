"""How h5gui opens files: checks with clear messages, read-only without locking, a handle pool.

Rules (DESIGN.md section 2):

* files open read-only and without HDF5 file locking, so a program writing the file is not blocked;
* ``hdf5plugin`` is imported once so that blosc/zstd/lz4/bitshuffle data can be read;
* a :class:`HandlePool` keeps handles open on the one I/O thread that uses it (installed with
  :func:`pool_scope`); without a pool (CLI, tests) every :func:`open_file` opens and closes.

Edit mode: a pooled file becomes writable only when the user enables editing
(:func:`enable_editing`, a job on the I/O thread): the read handle is closed and the file reopened
``r+`` *with* HDF5 file locking, so that a program already writing (or reading with locking) is
detected and named in one line instead of both corrupting the file. Writes then ask
``open_file(path, write=True)``; without edit mode they get :class:`ReadOnlyError`. Without a pool
(the CLI) ``write=True`` opens ``r+`` with locking for that one block.

Note that HDF5 writes the superblock's "open for writing" flag when it opens a file ``r+`` and clears
it at close: the bytes come back as they were, the modification time does not. While a file is open
for writing, other programs that use HDF5 file locking (the default) cannot open it; readers without
locking (like h5gui itself) can.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import h5py

from h5gui.core.errors import BadRequestError, FileAccessError, OpenMarkError, ReadOnlyError
from h5gui.core.h5 import journal, locks, recovery
from h5gui.core.h5.messages import hdf5_reason, truncation
from h5gui.core.h5.messages import write_refusal as write_refusal  # re-exported: the words of a refusal
from h5gui.core.sources import Source

log = logging.getLogger(__name__)

_plugins_loaded = False


def load_plugins() -> bool:
    """Import ``hdf5plugin`` once (registers blosc, zstd, lz4, bitshuffle...). Returns success."""
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        try:
            import hdf5plugin  # noqa: F401
        except Exception as exc:  # pragma: no cover - depends on the installation
            log.warning("hdf5plugin not available: %s", exc)
            return False
    return True


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Return the absolute path of an HDF5 file, or raise :class:`FileAccessError` saying why not."""
    try:
        p = Path(path).expanduser()
    except RuntimeError as exc:  # '~nouser/x.h5'
        raise FileAccessError(f"No such file: {path} (no home folder for {str(path).split('/')[0]})") from exc
    if not p.exists():
        raise FileAccessError(f"No such file: {p}")
    if p.is_dir():
        raise FileAccessError(f"{p} is a folder, not an HDF5 file")
    if not p.is_file():
        what = "a device" if (p.is_char_device() or p.is_block_device()) else "a pipe" if p.is_fifo() \
            else "a socket" if p.is_socket() else "not a regular file"
        raise FileAccessError(f"{p} is {what}, not an HDF5 file" if what.startswith("a ") else f"{p} is {what}")
    if not os.access(p, os.R_OK):
        raise FileAccessError(f"Permission denied: cannot read {p}")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise FileAccessError(f"Cannot read {p}: {exc.strerror or exc}") from exc
    if size == 0:
        raise FileAccessError(f"{p} is empty (0 bytes), not an HDF5 file")
    try:
        ok = h5py.is_hdf5(str(p))
    except OSError as exc:
        raise FileAccessError(f"Cannot read {p}: {exc}") from exc
    if not ok:
        raise FileAccessError(f"{p} is not an HDF5 file (no HDF5 signature found)")
    return p.absolute()


def _open(p: Path, mode: str) -> h5py.File:
    load_plugins()
    _recover(p)
    try:
        return h5py.File(str(p), mode, locking=False)
    except OSError as exc:
        text = str(exc)
        if mode == "r" and "already open for write" in text:
            return _open_marked(p, exc)
        if "truncated" in text:
            raise FileAccessError(f"{p} is truncated or incomplete: {truncation(text)}") from exc
        if "ermission" in text:
            raise FileAccessError(f"Permission denied: cannot open {p}") from exc
        raise FileAccessError(f"Cannot open {p} as HDF5: {hdf5_reason(text)}") from exc


@contextlib.contextmanager
def _edit(p: Path) -> Iterator[h5py.File]:
    """``p`` open read-write for one block, through the undo journal (:mod:`h5gui.core.h5.journal`):
    leaving the block commits; an error, a cancel or Ctrl-C rolls the file back; a killed process
    leaves a journal that the next open rolls back. The file is held (HDF5's lock) for the block only."""
    load_plugins()
    _recover(p)
    cm = journal.open_for_edit(p)
    try:
        f = cm.__enter__()
    except FileAccessError as exc:
        raise FileAccessError(f"Cannot open {p} for writing: {_edit_refusal(str(exc))}") from exc
    token = _ACTIVE.set({**(_ACTIVE.get() or {}), str(p): f})
    try:
        yield f
    except BaseException as exc:
        _ACTIVE.reset(token)
        if not cm.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        _ACTIVE.reset(token)
        cm.__exit__(None, None, None)


def _edit_refusal(text: str) -> str:
    """Why an edit could not start, in the words :func:`write_refusal` uses."""
    low = text.lower()
    if "permission denied" in low:
        return "permission denied"
    if "read-only file system" in low:
        return "read-only file system"
    if "in use by another process" in low:
        return "it is open in another program"
    if "marks it as open for writing" in low:
        return ("HDF5 marks it as open for writing in another program (or in one that crashed: that mark "
                "can be cleared)")
    return hdf5_reason(text.split(": ", 1)[-1]) if text.startswith("Cannot open") else text


# files being edited in this context: reads of the same file inside the edit see its writes
_ACTIVE: contextvars.ContextVar[dict[str, h5py.File] | None] = contextvars.ContextVar("h5gui_active_edits",
                                                                                     default=None)

NOTICES: list[str] = []  # one line per interrupted edit rolled back on open (the GUI and CLI show them)


def _recover(p: Path) -> None:
    """Roll back an edit that a killed h5gui left unfinished (its journal beside the file), saying so."""
    if not recovery.journal_path(p).exists():
        return
    outcome = recovery.recover_file(p)
    if outcome is not None and outcome.kind != "in_use":
        log.warning("%s", outcome.message)
        NOTICES.append(outcome.message)


def take_notices() -> list[str]:
    """Job: the notices gathered since the last call (interrupted edits rolled back)."""
    out = list(NOTICES)
    NOTICES.clear()
    return out


def lock_held(p: str | os.PathLike[str]) -> bool:
    """Whether a live process holds HDF5's file lock on ``p`` (a writer that uses HDF5 file locking,
    the default: h5py, HDFView, h5gui's own edits). SWMR writers release it once they are set up."""
    return locks.held(p)


def _open_marked(p: Path, exc: OSError) -> h5py.File:
    """Open a file whose superblock says "open for writing" (superblock v3 files: written with
    ``libver="latest"``, SWMR files).

    A SWMR writer (live, or one that died) allows readers in SWMR mode: the file opens so, and every
    job reopens it to see what was appended. Otherwise a live writer holds HDF5's lock, and reading
    under it is not safe; with no writer alive, the mark was left by a program that crashed.
    """
    try:
        return h5py.File(str(p), "r", locking=False, swmr=True)
    except OSError:
        pass
    if lock_held(p):
        raise FileAccessError(f"{p} is open for writing in another program; h5gui can read it once that "
                              "program closes it") from exc
    if str(p) in PAST_MARK:  # the user said: read it anyway (nothing is written)
        from h5gui.core.h5 import marked

        return marked.open_read_only(p)
    raise OpenMarkError(
        f"{p} was not closed properly by the program that last wrote it (HDF5's 'open for writing' mark "
        "is still set, and no program holds the file)", str(p)) from exc


PAST_MARK: set[str] = set()  # files the user chose to read past a crashed writer's mark


def read_past_mark(file: str | os.PathLike[str]) -> None:
    """Job: read ``file`` although a crashed writer left it marked "open for writing" (the mark stays)."""
    PAST_MARK.add(str(check_readable(file)))


def clear_mark(file: str | os.PathLike[str], *, force: bool = False) -> bool:
    """Job: clear a crashed writer's "open for writing" mark (what ``h5clear -s`` does), through the
    journal; True when there was one. Refused while a program holds the file."""
    p = check_readable(file)
    release(p)
    return journal.clear_consistency_flag(p, force=force)


def is_swmr(f: h5py.File) -> bool:
    """Whether ``f`` was opened in SWMR read mode (a file being written, or left by a SWMR writer)."""
    try:
        return bool(f.swmr_mode) and f.mode == "r"
    except (AttributeError, ValueError):
        return False


class HandlePool:
    """Open files kept by the I/O thread: one handle per path, read-only unless editing is enabled.

    Only the thread that runs the jobs may use it; :meth:`close_all` runs there too.
    """

    def __init__(self) -> None:
        self._handles: dict[str, h5py.File] = {}
        self._remote: dict[str, tuple[Any, h5py.File]] = {}
        self._writable: set[str] = set()

    def get(self, p: Path) -> h5py.File:
        """The read handle of ``p`` (opened on first use; writes open their own, journaled, per job)."""
        key = str(p)
        f = self._handles.get(key)
        if f is not None and f.id.valid:
            return f
        f = _open(p, "r")
        if is_swmr(f):
            return f  # not kept: each job reopens a file being written, to see what was appended
        self._handles[key] = f
        return f

    def get_remote(self, src: Source) -> tuple[Any, h5py.File]:
        """The (remote file object, h5py file) of a remote source, opened on first use."""
        from h5gui.core.h5 import remote

        pair = self._remote.get(src.url)
        if pair is not None and pair[1].id.valid:
            return pair
        rf = remote.open_remote(src)
        try:
            with remote.reporting(rf):
                try:
                    f = h5py.File(rf, "r", **remote.h5py_kwargs_for(src))
                except OSError as exc:
                    if rf.last_error is not None:
                        raise
                    raise FileAccessError(f"{src}: not an HDF5 file ({hdf5_reason(str(exc))})") from exc
        except BaseException:
            rf.close()
            raise
        self._remote[src.url] = (rf, f)
        return rf, f

    def transfer_stats(self) -> dict[str, tuple[int, int]]:
        """Requests and bytes read so far from each open remote source (url -> (requests, bytes))."""
        return {url: (rf.stats.requests, rf.stats.bytes) for url, (rf, _f) in self._remote.items()}

    def set_writable(self, path: str | os.PathLike[str], on: bool) -> bool:
        """Allow (``on``) or stop writes to ``path``; return whether it is writable now.

        Allowing checks that the file can be edited now (an edit is opened and closed: permission,
        read-only file system, another program writing it, HDF5's "open for writing" mark) and says
        why not in one line (:class:`FileAccessError`). No handle is held: each write job opens the
        file for its own duration.
        """
        p = check_readable(path)
        key = str(p)
        if not on:
            self._writable.discard(key)
            return False
        with _edit(p):
            pass
        self._writable.add(key)
        return True

    def before_write(self, p: Path) -> None:
        """A write job is about to edit ``p``: refused unless writes are allowed; the read handle is
        closed (its cached metadata would not see the edit)."""
        if str(p) not in self._writable:
            raise ReadOnlyError(f"{p} is open read-only: enable editing first")
        self._close(str(p))

    def is_writable(self, path: str | os.PathLike[str]) -> bool:
        return _key(path) in self._writable

    def _close(self, key: str) -> None:
        f = self._handles.pop(key, None)
        if f is not None:
            with contextlib.suppress(Exception):
                if f.id.valid and f.mode == "r+":
                    f.flush()
            with contextlib.suppress(Exception):
                f.close()

    def _close_remote(self, key: str) -> None:
        pair = self._remote.pop(key, None)
        if pair is not None:
            rf, f = pair
            with contextlib.suppress(Exception):
                f.close()
            with contextlib.suppress(Exception):
                rf.close()

    def release(self, path: str | os.PathLike[str]) -> None:
        """Close the handle of ``path``; a writable file goes back to read-only (its lock is dropped)."""
        key = _key(path)
        self._writable.discard(key)
        self._close(key)
        self._close_remote(key)

    def close_all(self) -> None:
        for key in list(self._handles) + list(self._remote):
            self.release(key)
        self._writable.clear()

    def __len__(self) -> int:
        return len(self._handles) + len(self._remote)


_POOL: contextvars.ContextVar[HandlePool | None] = contextvars.ContextVar("h5gui_pool", default=None)


@contextlib.contextmanager
def pool_scope(pool: HandlePool) -> Iterator[HandlePool]:
    """Make :func:`open_file` reuse ``pool``'s handles within this block (on this thread)."""
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)


def remote_source(path: str | os.PathLike[str] | Source) -> Source | None:
    """The remote :class:`Source` that ``path`` names (``s3://``, ``http(s)://``), or None for a local file."""
    if isinstance(path, Source):
        return path if path.is_remote else None
    text = os.fspath(path)
    if "://" not in text:
        return None
    src = Source.parse(text)
    return src if src.is_remote else None


def _key(path: str | os.PathLike[str] | Source) -> str:
    if isinstance(path, Source):
        return path.url
    src = remote_source(path)
    return src.url if src is not None else str(Path(os.fspath(path)).expanduser().absolute())


@contextlib.contextmanager
def _open_remote(src: Source, write: bool) -> Iterator[h5py.File]:
    from h5gui.core.h5 import remote

    if src.kind == "hsds":
        raise BadRequestError(f"{src}: HSDS domains are read through h5gui's HSDS backend, not as files")
    if write:
        raise ReadOnlyError(f"{src} is a remote file: h5gui reads it but does not write it "
                            "(download a copy to edit it)")
    pool = _POOL.get()
    if pool is None:
        with remote.open_h5(src) as f:
            yield f
        return
    rf, f = pool.get_remote(src)
    with remote.reporting(rf):
        yield f


@contextlib.contextmanager
def open_file(path: str | os.PathLike[str] | Source, *, write: bool = False) -> Iterator[h5py.File]:
    """Open ``path`` (checked, with one-line errors); reuse the pool's handle when one is installed.

    ``path`` is a local file or a remote source (``s3://``, ``http(s)://``, read-only, through a bounded
    block cache: :mod:`h5gui.core.h5.remote`).

    Reads (``write=False``) open read-only without locking, or take the pool's handle whatever its
    mode. ``write=True`` with a pool needs the file made writable first (:func:`enable_editing`,
    else :class:`ReadOnlyError`) and flushes at the end of the block; without a pool it opens
    ``r+`` with HDF5 file locking for the block and closes the file afterwards.
    """
    src = remote_source(path)
    if src is not None:
        with _open_remote(src, write) as f:
            yield f
        return
    p = check_readable(path.url if isinstance(path, Source) else path)
    active = (_ACTIVE.get() or {}).get(str(p))
    if active is not None and active.id.valid:  # inside an edit of this file: its own handle
        yield active
        return
    pool = _POOL.get()
    if write:
        if pool is not None:
            pool.before_write(p)
        with _edit(p) as f:
            yield f
        return
    if pool is not None:
        f = pool.get(p)
        try:
            yield f
        finally:
            if is_swmr(f) and f.id.valid:
                f.close()
        return
    f = _open(p, "r")
    try:
        yield f
    finally:
        f.close()


def release(path: str | os.PathLike[str]) -> None:
    """Close the pooled handle of ``path`` (so that the next job sees the file as it is now).

    A writable file goes back to read-only: editing must be enabled again.
    """
    pool = _POOL.get()
    if pool is not None:
        pool.release(path)


def transfer_stats() -> dict[str, tuple[int, int]]:
    """Requests and bytes read so far from each remote file open in the current pool (url -> counts)."""
    pool = _POOL.get()
    return pool.transfer_stats() if pool is not None else {}


def _require_pool(what: str) -> HandlePool:
    pool = _POOL.get()
    if pool is None:
        raise BadRequestError(f"{what} runs as a job on the I/O thread (no handle pool installed)")
    return pool


def enable_editing(file: str | os.PathLike[str]) -> bool:
    """Job: reopen ``file`` read-write in the current pool. Returns True (it is writable now).

    Raises
    ------
    FileAccessError
        The file cannot be opened for writing (one line: permission denied, open in another
        program, read-only file system); it stays open read-only.
    """
    return _require_pool("enable_editing").set_writable(file, True)


def disable_editing(file: str | os.PathLike[str]) -> bool:
    """Job: flush and close ``file``'s writable handle; it reopens read-only. Returns False."""
    return _require_pool("disable_editing").set_writable(file, False)


def is_writable(file: str | os.PathLike[str]) -> bool:
    """Whether ``file`` is writable in the current pool (False without a pool)."""
    pool = _POOL.get()
    return pool is not None and pool.is_writable(file)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two names designate the same file (hard links and symlinks included)."""
    if not a or not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def unpooled(module: str, name: str, *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Job: ``module.name(*args, **kwargs)`` without the handle pool, so that every file it opens is
    read as it is now (the CLI's reader process, whose files other commands change in between)."""
    from h5gui.core import progress

    fn = getattr(importlib.import_module(module), name)
    token = _POOL.set(None)
    try:
        result = fn(*args, **kwargs)
        if isinstance(result, Generator):
            result = yield from progress.relay(result, lambda p: p)
        return result
    finally:
        _POOL.reset(token)
