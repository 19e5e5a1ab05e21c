"""Messages between the supervisor and the I/O process; large arrays travel through shared memory.

A message is one small header frame ``(kind, job_id, extra, has_payload, segment)`` and, when it
carries a payload (job arguments, a result, a progress record, an error), a second frame with the
payload pickled with protocol 5. Buffers of at least ``threshold`` bytes (numpy arrays anywhere
inside dataclasses, tuples, dicts...) are taken *out of band* (``buffer_callback``) and copied into
one :class:`~multiprocessing.shared_memory.SharedMemory` segment per message instead of through the
pipe; the receiver copies them out, unlinks the segment and unpickles with ``buffers=``.

Segments are named ``<prefix><n>`` with a prefix unique to one I/O process (``h5g<parent pid>_<child
number>_``), so that everything a dead child left behind can be swept from ``/dev/shm`` by name
(:func:`sweep`). When ``/dev/shm`` lacks room for a payload, it goes through the pipe instead (a full
tmpfs would turn the copy into a SIGBUS).

This module is shared by both sides and imports neither h5py nor numpy.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from typing import Any

log = logging.getLogger(__name__)

SHM_DIR = "/dev/shm"
THRESHOLD = 64 * 1024  # buffers from this size go through shared memory
_ALIGN = 64
_SHM_RESERVE = 16 * 1024 * 1024  # leave this much of /dev/shm free

# message kinds, parent -> child
JOB = "job"
CANCEL = "cancel"
CLOSE = "close"
# child -> parent
READY = "ready"
PROGRESS = "progress"
ALIVE = "alive"
RESULT = "result"
ERROR = "error"
ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class Segment:
    """Where the out-of-band buffers of one payload are: a shared memory name and (offset, size) spans."""

    name: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded message. ``payload_error`` is set (and ``payload`` None) when the payload could
    not be unpickled here (e.g. its class cannot be imported in this process)."""

    kind: str
    job_id: int
    extra: Any = None
    payload: Any = None
    payload_error: str | None = None


class Encoder:
    """Pickles payloads, moving big buffers into shared memory segments named ``prefix + n``."""

    def __init__(self, prefix: str, threshold: int = THRESHOLD) -> None:
        self.prefix = prefix
        self.threshold = max(1, threshold)
        self._count = itertools.count()

    def dumps(self, obj: Any) -> tuple[bytes, Segment | None]:
        """``(pickle bytes, segment or None)``; the segment holds the buffers ``pickle.loads`` needs."""
        big: list[memoryview] = []

        def keep_in_band(buf: pickle.PickleBuffer) -> bool:
            raw = buf.raw()
            if raw.nbytes < self.threshold:
                return True
            big.append(raw)
            return False

        data = pickle.dumps(obj, protocol=5, buffer_callback=keep_in_band)
        if not big:
            return data, None
        spans: list[tuple[int, int]] = []
        offset = 0
        for raw in big:
            spans.append((offset, raw.nbytes))
            offset += -(-raw.nbytes // _ALIGN) * _ALIGN
        if not _has_room(offset):
            log.warning("no room for %d bytes in %s: sending them through the pipe", offset, SHM_DIR)
            return pickle.dumps(obj, protocol=5), None
        name = f"{self.prefix}{next(self._count)}"
        shm = SharedMemory(name=name, create=True, size=offset)
        try:
            for (start, n), raw in zip(spans, big, strict=True):
                shm.buf[start : start + n] = raw
        except BaseException:
            shm.close()
            shm.unlink()
            raise
        shm.close()
        return data, Segment(name, tuple(spans))


def loads(data: bytes, segment: Segment | None, *, watch_h5py: bool = False) -> Any:
    """Unpickle a payload; its segment (if any) is copied out and unlinked, whatever happens next.

    With ``watch_h5py`` a warning is logged (once per class) when unpickling imports h5py into this
    process: the GUI process must stay free of it, so result classes must live in modules that do not
    import h5py.
    """
    buffers: list[bytearray] = []
    if segment is not None:
        shm = SharedMemory(name=segment.name)
        try:
            buffers = [bytearray(shm.buf[start : start + n]) for start, n in segment.spans]
        finally:
            shm.close()
            shm.unlink()
    if watch_h5py and "h5py" not in sys.modules:
        import io

        return _WatchingUnpickler(io.BytesIO(data), buffers=buffers).load()
    return pickle.loads(data, buffers=buffers)


_warned: set[tuple[str, str]] = set()


class _WatchingUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        before = "h5py" in sys.modules
        cls = super().find_class(module, name)
        if not before and "h5py" in sys.modules and (module, name) not in _warned:
            _warned.add((module, name))
            log.warning("unpickling %s.%s imported h5py into this process: move that class to a module "
                        "that does not import h5py", module, name)
        return cls


_NO_PAYLOAD = object()


def send(conn: Connection, encoder: Encoder, kind: str, job_id: int, payload: Any = _NO_PAYLOAD,
         extra: Any = None) -> None:
    """Send one message (header frame, then the payload frame when there is a payload).

    Pickling errors are raised before anything is written; OSError/EOFError mean the peer is gone.
    """
    if payload is _NO_PAYLOAD:
        conn.send_bytes(pickle.dumps((kind, job_id, extra, False, None), protocol=5))
        return
    data, segment = encoder.dumps(payload)
    send_encoded(conn, kind, job_id, data, segment, extra)


def send_encoded(conn: Connection, kind: str, job_id: int, data: bytes, segment: Segment | None,
                 extra: Any = None) -> None:
    """Send a payload already encoded with :meth:`Encoder.dumps` (its segment is unlinked if sending fails)."""
    try:
        conn.send_bytes(pickle.dumps((kind, job_id, extra, True, segment), protocol=5))
        conn.send_bytes(data)
    except BaseException:
        if segment is not None:
            unlink(segment.name)  # the receiver may never learn its name
        raise


def recv(conn: Connection, *, watch_h5py: bool = False) -> Message:
    """Receive one message. Raises EOFError / ConnectionResetError / OSError when the peer is gone."""
    kind, job_id, extra, has_payload, segment = pickle.loads(conn.recv_bytes())
    if not has_payload:
        return Message(kind, job_id, extra)
    try:
        data = conn.recv_bytes()
    except BaseException:
        if segment is not None:
            unlink(segment.name)
        raise
    try:
        payload = loads(data, segment, watch_h5py=watch_h5py)
    except Exception as exc:  # a class missing here, a corrupt stream: the job gets a one-line error
        log.exception("cannot unpickle the %s of job %d", kind, job_id)
        return Message(kind, job_id, extra, None, f"{type(exc).__name__}: {exc}")
    return Message(kind, job_id, extra, payload)


def _has_room(nbytes: int) -> bool:
    try:
        st = os.statvfs(SHM_DIR)
    except OSError:  # no /dev/shm (not Linux): nothing to check against
        return True
    return st.f_bavail * st.f_frsize >= nbytes + _SHM_RESERVE


def unlink(name: str) -> bool:
    """Remove the segment ``name`` if it exists; True when it did."""
    try:
        shm = SharedMemory(name=name)
    except FileNotFoundError:
        return False
    shm.close()
    try:
        shm.unlink()
    except FileNotFoundError:  # someone else was quicker
        return False
    return True


def sweep(prefix: str) -> list[str]:
    """Unlink every segment whose name starts with ``prefix`` (what a dead I/O process left behind)."""
    try:
        names = [n for n in os.listdir(SHM_DIR) if n.startswith(prefix)]
    except OSError:
        return []
    return [n for n in names if unlink(n)]
