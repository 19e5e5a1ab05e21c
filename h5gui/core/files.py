"""How h5gui opens files: checks with clear messages, read-only without locking, a handle pool.

Rules (DESIGN.md section 2):

* files open read-only and without HDF5 file locking, so a program writing the file is not blocked;
* ``hdf5plugin`` is imported once so that blosc/zstd/lz4/bitshuffle data can be read;
* a :class:`HandlePool` keeps handles open on the one I/O thread that uses it (installed with
  :func:`pool_scope`); without a pool (CLI, tests) every :func:`open_file` opens and closes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import h5py

from h5gui.core.errors import FileAccessError

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
    p = Path(path).expanduser()
    if not p.exists():
        raise FileAccessError(f"No such file: {p}")
    if p.is_dir():
        raise FileAccessError(f"{p} is a folder, not an HDF5 file")
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
    try:
        return h5py.File(str(p), mode, locking=False)
    except OSError as exc:
        text = str(exc)
        if "truncated" in text:
            raise FileAccessError(f"{p} is truncated or incomplete: {_truncation(text)}") from exc
        if "ermission" in text:
            raise FileAccessError(f"Permission denied: cannot open {p}") from exc
        raise FileAccessError(f"Cannot open {p} as HDF5: {_hdf5_reason(text)}") from exc


def _truncation(text: str) -> str:
    """``'truncated file: eof = 10, sblock->base_addr = 0, stored_eof = 20'`` -> ``'10 of 20 bytes present'``."""
    m = re.search(r"\beof = (\d+).*stored_eof = (\d+)", text)
    if m:
        return f"{int(m.group(1)):,} of {int(m.group(2)):,} bytes present"
    return _hdf5_reason(text)


def _hdf5_reason(text: str) -> str:
    """The innermost reason of an h5py error message: ``'... (truncated file: eof = 1)'``."""
    if "(" in text and text.endswith(")"):
        return text[text.index("(") + 1 : -1]
    return text


class HandlePool:
    """Open files kept by the I/O thread: one read-only handle per path.

    Only the thread that runs the jobs may use it; :meth:`close_all` runs there too.
    """

    def __init__(self) -> None:
        self._handles: dict[str, h5py.File] = {}

    def get(self, p: Path) -> h5py.File:
        key = str(p)
        f = self._handles.get(key)
        if f is not None and f.id.valid:
            return f
        f = _open(p, "r")
        self._handles[key] = f
        return f

    def release(self, path: str | os.PathLike[str]) -> None:
        f = self._handles.pop(str(Path(path).absolute()), None)
        if f is not None:
            with contextlib.suppress(Exception):
                f.close()

    def close_all(self) -> None:
        for key in list(self._handles):
            self.release(key)

    def __len__(self) -> int:
        return len(self._handles)


_POOL: contextvars.ContextVar[HandlePool | None] = contextvars.ContextVar("h5gui_pool", default=None)


@contextlib.contextmanager
def pool_scope(pool: HandlePool) -> Iterator[HandlePool]:
    """Make :func:`open_file` reuse ``pool``'s handles within this block (on this thread)."""
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)


@contextlib.contextmanager
def open_file(path: str | os.PathLike[str]) -> Iterator[h5py.File]:
    """Open ``path`` read-only (checked, no locking); reuse the pool's handle when one is installed."""
    p = check_readable(path)
    pool = _POOL.get()
    if pool is not None:
        yield pool.get(p)
        return
    f = _open(p, "r")
    try:
        yield f
    finally:
        f.close()


def release(path: str | os.PathLike[str]) -> None:
    """Close the pooled handle of ``path`` (so that the next job sees the file as it is now)."""
    pool = _POOL.get()
    if pool is not None:
        pool.release(path)


def is_inside(folder: str | os.PathLike[str], target: str | os.PathLike[str]) -> bool:
    """True when ``target`` (after resolving symlinks and ``..``) lies within ``folder``."""
    base = os.path.realpath(folder)
    real = os.path.realpath(target)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def resolve_external(file_path: str | os.PathLike[str], target_file: str) -> Path:
    """Where an external link's or external storage's file name points, seen from ``file_path``.

    Relative names are taken relative to the folder of the file that holds the link (HDF5's own
    rule for links; we open the target ourselves, so no environment prefix is consulted).
    """
    t = Path(target_file)
    if not t.is_absolute():
        t = Path(file_path).absolute().parent / t
    return Path(os.path.normpath(t))


def atomic_write_path(final: str | os.PathLike[str]) -> Path:
    """The temporary name a new file is written under before it is moved to ``final``."""
    final = Path(final)
    return final.with_name(final.name + ".partial")
