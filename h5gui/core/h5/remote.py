"""Read remote HDF5 files (``s3://``, ``https://``) through fsspec, with a bounded cache, timeouts and budgets.

The PyPI h5py wheels have no ROS3 driver, so a remote file is opened as a Python file object:
``h5py.File(open_remote(source), "r")``. Caching is everything (DESIGN.md section 8): without a cache
HDF5's many small metadata reads each become a request. :func:`open_remote` therefore gives a
:class:`RemoteFile` that reads through fsspec's ``blockcache`` (1 MiB blocks, at most 32 of them,
LRU), with connect/read timeouts in seconds and one retry of transient failures.

Counting. Every request goes through one function per file (the cache's fetcher, wrapped here, and the
size lookup at open), and the libraries' own retries are switched off (s3fs ``retries=1``, botocore
``total_max_attempts=1``), so :attr:`RemoteFile.stats` is the true count of requests the server
answered and of body bytes received, not an estimate. The HTTP tests check it against the server's log.

Budgets. ``with budget(max_bytes=16 * MB, max_requests=32):`` limits the remote fetches of one
operation; a fetch that would pass a limit is not made (:mod:`h5gui.core.h5.remote_budget`).

Errors. Every failure becomes one line, ``s3://bucket/key.h5: access denied (403)``
(:class:`h5gui.core.errors.RemoteError`, see :mod:`h5gui.core.h5.remote_errors`). The file object also
keeps its :attr:`~RemoteFile.last_error`; :func:`reporting` replaces any error h5py raises while a
remote read had failed by that one line (h5py 3.16 re-raises the original exception itself; older
versions wrapped it in ``OSError``).

Credentials come only from the standard places (AWS environment variables, ``~/.aws`` profiles via
``--profile``, or anonymous access with ``--anon``); nothing here writes them anywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeVar

from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError, RemoteError
from h5gui.core.h5.remote_budget import MB, Budget, BudgetExceededError, budget, current_budget
from h5gui.core.h5.remote_errors import classify
from h5gui.core.sources import Source

log = logging.getLogger(__name__)

MiB = 1 << 20
T = TypeVar("T")
__all__ = [
    "MB", "MiB", "Budget", "BudgetExceededError", "RemoteFile", "RemoteOptions", "TransferStats", "budget",
    "close_filesystems", "h5py_kwargs_for", "open_h5", "open_remote", "reporting",
]


@dataclasses.dataclass(frozen=True)
class RemoteOptions:
    """How remote files are read. The defaults suit a 20 ms round trip.

    Attributes
    ----------
    block_size
        Bytes per request and per cache block (1 MiB).
    max_blocks
        Blocks kept per open file (LRU); memory is bounded by ``block_size * max_blocks`` (32 MiB).
    cache_type
        fsspec cache: ``"blockcache"`` (default), ``"none"``, ``"readahead"``, ``"bytes"``...
    connect_timeout, read_timeout
        Seconds to wait for a connection and between bytes of an answer.
    retries
        How many times a transient failure (timeout, dropped connection, 5xx) is tried again.
    direct_read_bytes
        Reads at least this large (chunk data, typically) are fetched for exactly their range, past the
        cache: a 512 KiB frame straddling two blocks then costs one request and 512 KiB, not two and
        2 MiB. 0 sends every read through the cache.
    chunk_cache_bytes, page_buffer_bytes
        Suggested ``rdcc_nbytes`` and ``page_buf_size`` for ``h5py.File`` (see :func:`h5py_kwargs_for`).
    """

    block_size: int = 1 * MiB
    max_blocks: int = 32
    cache_type: str = "blockcache"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 1
    direct_read_bytes: int = 256 * 1024
    chunk_cache_bytes: int = 32 * MiB
    page_buffer_bytes: int = 16 * MiB

    def __post_init__(self) -> None:
        if self.block_size < 4096 or self.max_blocks < 1 or self.retries < 0:
            raise BadRequestError("block_size must be >= 4096, max_blocks >= 1 and retries >= 0")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise BadRequestError("timeouts must be positive (seconds)")


_DEFAULTS = [RemoteOptions()]  # what files opened without explicit options use (set by the front end)


def set_default_options(**settings: Any) -> RemoteOptions:
    """Job: the user's block size, cache blocks and timeouts for every remote file opened from now on
    (``block_size``, ``max_blocks``, ``connect_timeout``, ``read_timeout``, ``retries``...); the rest
    keep their defaults. Files already open keep theirs until they are opened again (F5)."""
    _DEFAULTS[0] = dataclasses.replace(RemoteOptions(), **settings)
    return _DEFAULTS[0]


class TransferStats(NamedTuple):
    """Requests the server answered and body bytes received, so far."""

    requests: int
    bytes: int


class _Counter:
    """Thread-safe request and byte counts of one open file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = TransferStats(0, 0)

    def add(self, requests: int, nbytes: int) -> None:
        with self._lock:
            self._value = TransferStats(self._value.requests + requests, self._value.bytes + nbytes)

    @property
    def value(self) -> TransferStats:
        return self._value


_GC_LOCK = threading.Lock()
_GC_PAUSES = 0
_GC_WAS_ENABLED = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a thread waits for the network (h5py issue #2019).

    h5py holds its global lock while it calls the file object, and the request runs on fsspec's I/O
    thread. If the garbage collector ran there and freed an h5py object, it would wait for h5py's lock
    held by the thread that waits for it: a deadlock (reproduced here after a dropped connection left
    h5py objects in reference cycles). Pauses nest across threads; collection resumes after the last.
    """
    global _GC_PAUSES, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_PAUSES == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_PAUSES += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES -= 1
            if _GC_PAUSES == 0 and _GC_WAS_ENABLED:
                gc.enable()


def _attempt(source: Source, opts: RemoteOptions, counter: _Counter, fn: Callable[[], T], size_of: Callable[[T], int]) -> T:
    """Call ``fn`` (one request) with ``opts.retries`` retries of transient failures; count what the server answered."""
    attempts = 0
    while True:
        attempts += 1
        try:
            with _gc_paused():
                out = fn()
        except Exception as exc:  # every failure is classified and re-raised as one line
            failure = classify(exc, source, connect_timeout=opts.connect_timeout, read_timeout=opts.read_timeout)
            if failure.answered:
                counter.add(1, 0)
            if failure.transient and attempts <= opts.retries:
                log.info("%s: %s; trying again", source, failure.reason)
                continue
            raise failure.error(source, attempts) from exc
        counter.add(1, size_of(out))
        return out


class RemoteFile(io.RawIOBase):
    """A seekable, read-only file object over a remote source, for ``h5py.File(remote_file, "r")``.

    Made by :func:`open_remote`. Reads go through the block cache; :attr:`stats` counts the requests
    and bytes that actually reached the server.
    """

    def __init__(self, source: Source, fsfile: Any, size: int, options: RemoteOptions, counter: _Counter) -> None:
        super().__init__()
        self.source = source
        self.options = options
        self.size = size
        self._f = fsfile
        self._counter = counter
        self.last_error: H5GuiError | None = None
        fetch = fsfile.cache.fetcher

        def counted_fetch(start: int, end: int) -> bytes:
            b = current_budget()
            if b is not None:
                try:
                    b.charge(source, end - start)
                except BudgetExceededError as err:
                    self.last_error = err
                    raise
            try:
                return _attempt(source, options, counter, lambda: fetch(start, end), len)
            except RemoteError as err:
                self.last_error = err
                raise

        fsfile.cache.fetcher = counted_fetch
        self._fetch = counted_fetch

    @property
    def stats(self) -> TransferStats:
        """``(requests, bytes)`` answered by the server for this file so far (the size lookup included)."""
        return self._counter.value

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._f.seek(offset, whence))

    def tell(self) -> int:
        return int(self._f.tell())

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        direct = self.options.direct_read_bytes
        if not direct or len(view) < direct:
            return int(self._f.readinto(view))
        start = self._f.tell()
        end = min(start + len(view), self.size)
        if end <= start:
            return 0
        data = self._fetch(start, end)
        view[: len(data)] = data
        self._f.seek(start + len(data))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()

    def __repr__(self) -> str:
        return f"<RemoteFile {self.source} {self.size:,} bytes, {self.stats.requests} requests>"


# -- file systems: one per kind, options and timeouts, shared by the files opened with them -------

_FS_LOCK = threading.Lock()
_FILESYSTEMS: dict[tuple[Any, ...], Any] = {}


def _filesystem(source: Source, opts: RemoteOptions) -> Any:
    key = (source.kind == "s3", source.options, opts.connect_timeout, opts.read_timeout)
    with _FS_LOCK:
        fs = _FILESYSTEMS.get(key)
        if fs is None:
            fs = _FILESYSTEMS[key] = _s3_filesystem(source, opts) if source.kind == "s3" else _http_filesystem(opts)
        return fs


def _http_filesystem(opts: RemoteOptions) -> Any:
    try:
        import aiohttp
        import fsspec
    except ImportError as exc:
        raise FileAccessError(f"reading http(s):// sources needs fsspec and aiohttp ({exc})") from exc
    timeout = aiohttp.ClientTimeout(total=None, connect=opts.connect_timeout, sock_read=opts.read_timeout)
    return fsspec.filesystem("http", skip_instance_cache=True, client_kwargs={"timeout": timeout})


def _s3_filesystem(source: Source, opts: RemoteOptions) -> Any:
    try:
        import s3fs
    except ImportError as exc:
        raise FileAccessError(f"reading s3:// sources needs s3fs ({exc})") from exc
    o = source.options
    kwargs: dict[str, Any] = {"anon": o.anon, "skip_instance_cache": True}
    if o.endpoint_url:
        kwargs["endpoint_url"] = o.endpoint_url
    if o.profile:
        kwargs["profile"] = o.profile
    config = {
        "connect_timeout": opts.connect_timeout,
        "read_timeout": opts.read_timeout,
        "retries": {"total_max_attempts": 1, "mode": "standard"},  # we retry (and count) ourselves
    }
    fs = s3fs.S3FileSystem(config_kwargs=config, **kwargs)
    fs.retries = 1  # s3fs's own retry loop: one attempt
    return fs


def close_filesystems() -> None:
    """Close the network sessions of every file system opened so far (at exit, and between tests)."""
    with _FS_LOCK:
        items = list(_FILESYSTEMS.values())
        _FILESYSTEMS.clear()
    for fs in items:
        session = getattr(fs, "_session", None) or getattr(fs, "_s3", None)
        if session is None:
            continue
        closer = getattr(type(fs), "close_session", None)
        if closer is not None:
            closer(fs.loop, session)


# -- opening --------------------------------------------------------------------------------------


def _http_size(fs: Any, url: str) -> int:
    """Size of an HTTP resource from one HEAD request; refuses servers without byte ranges."""
    from fsspec.asyn import sync

    async def head() -> tuple[str | None, str | None]:
        session = await fs.set_session()
        async with session.head(fs.encode_url(url), allow_redirects=True, headers={"Accept-Encoding": "identity"}) as r:
            r.raise_for_status()
            return r.headers.get("Content-Length"), r.headers.get("Accept-Ranges")

    length, ranges = sync(fs.loop, head)
    if (ranges or "").strip().lower() == "none":
        raise ValueError("server refuses byte range requests (Accept-Ranges: none)")
    if length is None:
        raise ValueError("the server does not tell the size (no Content-Length), so byte ranges cannot be read")
    return int(length)


def _s3_size(fs: Any, source: Source) -> int:
    out = fs.call_s3("head_object", Bucket=source.bucket, Key=source.key)
    return int(out["ContentLength"])


def open_remote(source: Source | str, options: RemoteOptions | None = None) -> RemoteFile:
    """Open a remote source for reading: one size request now, ranged reads through the cache later.

    Parameters
    ----------
    source
        An ``s3://`` or ``http(s)://`` :class:`~h5gui.core.sources.Source` (or text to parse).
    options
        Cache, timeouts and retries; :class:`RemoteOptions` defaults when None.

    Returns
    -------
    RemoteFile
        Pass it to ``h5py.File(f, "r", **h5py_kwargs_for(source))``; close it after the h5py file.

    Raises
    ------
    RemoteError
        One line: ``<source>: not found (404)``, ``access denied (403)``, ``host not found (...)``,
        ``cannot connect to HOST (connection refused)``, ``no answer ... (read timeout)``...
    FileAccessError
        The object is empty, or the library for this kind of source is not installed.
    BadRequestError
        ``source`` is local or an HSDS domain (not read through this module).
    """
    src = Source.coerce(source)
    if not src.is_remote:
        raise BadRequestError(f"{src}: a local file, not a remote source")
    if src.kind == "hsds":
        raise BadRequestError(f"{src}: HSDS domains cannot be opened yet")
    opts = options or _DEFAULTS[0]
    counter = _Counter()
    fs = _filesystem(src, opts)
    if src.kind == "s3":
        size = _attempt(src, opts, counter, lambda: _s3_size(fs, src), lambda _: 0)
        path = src.location
    else:
        size = _attempt(src, opts, counter, lambda: _http_size(fs, src.url), lambda _: 0)
        path = src.url
    if size == 0:
        raise FileAccessError(f"{src} is empty (0 bytes), not an HDF5 file")
    cache_options = {"maxblocks": opts.max_blocks} if opts.cache_type == "blockcache" else None
    fsfile = fs.open(path, "rb", block_size=opts.block_size, cache_type=opts.cache_type,
                     cache_options=cache_options, size=size)
    log.debug("opened %s (%d bytes, %s cache of %d x %d bytes)", src, size, opts.cache_type, opts.max_blocks,
              opts.block_size)
    return RemoteFile(src, fsfile, size, opts, counter)


def h5py_kwargs_for(source: Source | str, options: RemoteOptions | None = None) -> dict[str, Any]:
    """Keyword arguments for ``h5py.File`` suited to where ``source`` lives.

    Local files: none (h5py's defaults). Remote files: a larger chunk cache (``rdcc_nbytes``, 32 MiB, so
    that scrubbing through cube-shaped chunks hits it instead of the network) and a page buffer
    (``page_buf_size``, 16 MiB), which helps files written with paged aggregation and is ignored by others.
    """
    src = Source.coerce(source)
    if not src.is_remote:
        return {}
    opts = options or _DEFAULTS[0]
    return {"rdcc_nbytes": opts.chunk_cache_bytes, "rdcc_nslots": 10007, "page_buf_size": opts.page_buffer_bytes}


@contextlib.contextmanager
def reporting(remote_file: RemoteFile) -> Iterator[RemoteFile]:
    """Inside the block, an exception raised while the file's last remote read had failed becomes that
    read's one-line error (:class:`RemoteError` or :class:`BudgetExceededError`).

    h5py re-raises a file object's exception as it is (3.16) or wraps it in ``OSError`` (older versions);
    either way the caller sees what went wrong and where.
    """
    remote_file.last_error = None
    try:
        yield remote_file
    except H5GuiError:
        raise
    except Exception as exc:
        if remote_file.last_error is not None:
            raise remote_file.last_error from exc
        raise


@contextlib.contextmanager
def open_h5(source: Source | str, options: RemoteOptions | None = None, **h5py_kwargs: Any) -> Iterator[Any]:
    """``h5py.File`` over a remote source, read-only, with one-line errors; closes both at the end.

    For tests, benchmarks and the CLI until :func:`h5gui.core.h5.files.open_file` takes sources. The errors
    of reads made later inside the block are translated too (see :func:`reporting`).
    """
    import h5py

    src = Source.coerce(source)
    rf = open_remote(src, options)
    try:
        with reporting(rf):
            kwargs = {**h5py_kwargs_for(src, options), **h5py_kwargs}
            try:
                f = h5py.File(rf, "r", **kwargs)
            except OSError as exc:
                if rf.last_error is not None:
                    raise
                raise FileAccessError(f"{src}: not an HDF5 file ({' '.join(str(exc).split())})") from exc
            try:
                yield f
            finally:
                f.close()
    finally:
        rf.close()
