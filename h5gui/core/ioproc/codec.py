"""Messages between the supervisor and the I/O process; large arrays travel through shared memory.

A message is one small header frame ``(kind, job_id, extra, has_payload, segment)`` and, when it
carries a payload (job arguments, a result, a progress record, an error), a second frame with the
payload pickled with protocol 5. Buffers of at least ``threshold`` bytes (numpy arrays anywhere inside
dataclasses, tuples, dicts...) are taken *out of band* (``buffer_callback``) and copied into one shared
memory segment per message instead of through the pipe. The receiver maps the segment and unpickles
with ``buffers=`` over the mapping: its arrays live in the shared pages, not in a copy.

Two kinds of segment:

* *pooled* (the I/O process's results and progress, up to :data:`POOL_SEGMENT_MAX`): a few segments the
  sender keeps and reuses, so that their pages are allocated once. A pooled segment is *lent*: the
  receiver sends ``free`` back when the last array over it is gone (a ``weakref.finalize`` on the
  mapping), and only then is it written again.
* *one-shot* (bigger payloads, all lent, and job arguments): created for the message and unlinked by
  the receiver as soon as it is mapped; its memory goes when the receiver's arrays do.

Segment names start with a prefix unique to one I/O process (``h5g<parent pid>_<child number>_``) so
that whatever a dead process left behind is swept by name. When ``/dev/shm`` lacks room, or there is
no POSIX shared memory, the payload goes through the pipe. No h5py, no numpy here.
"""

from __future__ import annotations

import io
import itertools
import logging
import mmap
import pickle
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from h5gui.core.ioproc import shm

log = logging.getLogger(__name__)

THRESHOLD = 64 * 1024  # buffers from this size go through shared memory
POOL_SEGMENTS = 3  # pooled segments an I/O process keeps
POOL_SEGMENT_MAX = 32 * 1024 * 1024  # bigger payloads get one-shot segments
_MIB = 1024 * 1024
_ALIGN = 64

# message kinds, parent -> child
JOB = "job"
CANCEL = "cancel"
CLOSE = "close"
FREE = "free"  # extra: the name of a pooled segment the parent no longer uses
# child -> parent
READY = "ready"
PROGRESS = "progress"
ALIVE = "alive"
RESULT = "result"
ERROR = "error"
ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class Segment:
    """Where the out-of-band buffers of one payload are: a segment name, (offset, size) spans, and
    whether the sender reuses it (then the receiver must send ``free``) or not (the receiver unlinks it)."""

    name: str
    spans: tuple[tuple[int, int], ...]
    pooled: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded message. ``payload_error`` is set (and ``payload`` None) when the payload could not
    be unpickled here (e.g. its class cannot be imported in this process)."""

    kind: str
    job_id: int
    extra: Any = None
    payload: Any = None
    payload_error: str | None = None


class Encoder:
    """Pickles payloads, moving big buffers into shared memory segments named ``prefix + n``.

    With ``pool > 0`` it keeps up to that many segments and reuses those the receiver has freed
    (:meth:`release`, thread-safe); otherwise every segment is one-shot.
    """

    def __init__(self, prefix: str, threshold: int = THRESHOLD, pool: int = 0) -> None:
        self.prefix = prefix
        self.threshold = max(1, threshold)
        self.pool = pool if shm.AVAILABLE else 0
        self._count = itertools.count()
        self._lock = threading.Lock()
        self._idle: dict[str, mmap.mmap] = {}
        self._lent: dict[str, mmap.mmap] = {}

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
        total = 0
        for raw in big:
            spans.append((total, raw.nbytes))
            total += -(-raw.nbytes // _ALIGN) * _ALIGN
        name, mapping, pooled = self._segment(total)
        if mapping is None:
            return pickle.dumps(obj, protocol=5), None  # no shared memory for it: through the pipe
        try:
            for (start, n), raw in zip(spans, big, strict=True):
                mapping[start : start + n] = raw
        except BaseException:
            self._drop(name, mapping)
            raise
        if not pooled:
            mapping.close()
        return data, Segment(name, tuple(spans), pooled)

    def _segment(self, size: int) -> tuple[str, mmap.mmap | None, bool]:
        """A segment of at least ``size`` bytes: an idle pooled one, a new pooled one, or a one-shot one."""
        if not shm.AVAILABLE:
            return "", None, False
        with self._lock:
            fits = [n for n, m in self._idle.items() if len(m) >= size]
            if fits:
                name = min(fits, key=lambda n: len(self._idle[n]))
                mapping = self._lent[name] = self._idle.pop(name)
                return name, mapping, True
            pooled = size <= POOL_SEGMENT_MAX and self.pool > 0
            if pooled and len(self._idle) + len(self._lent) >= self.pool:
                if not self._idle:
                    pooled = False  # every pooled segment is lent: a one-shot one
                else:  # retire the smallest idle one, too small for this payload
                    old = min(self._idle, key=lambda n: len(self._idle[n]))
                    self._idle.pop(old).close()
                    shm.unlink(old)
        capacity = -(-size // _MIB) * _MIB if pooled else size
        if not shm.has_room(capacity):
            log.warning("no room for %d bytes in %s: sending them through the pipe", capacity, shm.SHM_DIR)
            return "", None, False
        name = f"{self.prefix}{next(self._count)}"
        mapping = shm.create(name, capacity)
        if pooled:
            with self._lock:
                self._lent[name] = mapping
        return name, mapping, pooled

    def _drop(self, name: str, mapping: mmap.mmap) -> None:
        with self._lock:
            self._lent.pop(name, None)
        mapping.close()
        shm.unlink(name)

    def release(self, name: str) -> None:
        """The receiver no longer uses pooled segment ``name``: it may be written again."""
        with self._lock:
            mapping = self._lent.pop(name, None)
            if mapping is not None:
                self._idle[name] = mapping

    def close(self) -> None:
        """Unlink every pooled segment (mappings the receiver still holds stay valid)."""
        with self._lock:
            segments = {**self._idle, **self._lent}
            self._idle.clear()
            self._lent.clear()
        for name, mapping in segments.items():
            mapping.close()
            shm.unlink(name)


class Decoder:
    """Unpickles payloads over the shared memory they arrived in.

    ``on_free(name)`` is called (from whatever thread drops the last array over it) when a pooled
    segment is no longer used here. With ``watch_h5py`` a warning is logged, once per class, when
    unpickling imports h5py into this process: result classes must live in modules that do not import
    it, or the GUI process would load h5py after all.
    """

    def __init__(self, on_free: Callable[[str], None] | None = None, watch_h5py: bool = False) -> None:
        self.on_free = on_free
        self.watch_h5py = watch_h5py
        self.received = {"pooled": 0, "one-shot": 0, "in-band": 0}  # payloads by how they came

    def loads(self, data: bytes, segment: Segment | None) -> Any:
        self.received["in-band" if segment is None else "pooled" if segment.pooled else "one-shot"] += 1
        if segment is None:
            return self._unpickle(data, [])
        try:
            mapping = shm.attach(segment.name)
        finally:
            if not segment.pooled:
                shm.unlink(segment.name)  # the mapping keeps the memory as long as arrays use it
        if segment.pooled and self.on_free is not None:
            done = weakref.finalize(mapping, self.on_free, segment.name)
            done.atexit = False
        view = memoryview(mapping)
        return self._unpickle(data, [view[start : start + n] for start, n in segment.spans])

    def _unpickle(self, data: bytes, buffers: list[memoryview]) -> Any:
        if self.watch_h5py and "h5py" not in sys.modules:
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
    send_encoded(conn, kind, job_id, data, segment, extra, encoder)


def send_encoded(conn: Connection, kind: str, job_id: int, data: bytes, segment: Segment | None,
                 extra: Any = None, encoder: Encoder | None = None) -> None:
    """Send a payload encoded with :meth:`Encoder.dumps` (its segment is given up if sending fails)."""
    try:
        conn.send_bytes(pickle.dumps((kind, job_id, extra, True, segment), protocol=5))
        conn.send_bytes(data)
    except BaseException:
        if segment is not None:
            if segment.pooled and encoder is not None:
                encoder.release(segment.name)
            else:
                shm.unlink(segment.name)
        raise


def recv(conn: Connection, decoder: Decoder) -> Message:
    """Receive one message. Raises EOFError / ConnectionResetError / OSError when the peer is gone."""
    kind, job_id, extra, has_payload, segment = pickle.loads(conn.recv_bytes())
    if not has_payload:
        return Message(kind, job_id, extra)
    try:
        data = conn.recv_bytes()
    except BaseException:
        if segment is not None and not segment.pooled:
            shm.unlink(segment.name)
        raise
    try:
        payload = decoder.loads(data, segment)
    except Exception as exc:  # a class missing here, a corrupt stream: the job gets a one-line error
        log.exception("cannot unpickle the %s of job %d", kind, job_id)
        return Message(kind, job_id, extra, None, f"{type(exc).__name__}: {exc}")
    return Message(kind, job_id, extra, payload)
