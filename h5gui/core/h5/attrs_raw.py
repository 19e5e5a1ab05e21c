"""Attributes at HDF5's level: read and write one attribute exactly as stored, whatever its datatype.

A raw value is a numpy array (0-d for a scalar) whose dtype keeps h5py's metadata (string encoding,
vlen, enum members), or ``h5py.Empty``, together with the HDF5 datatype serialized by ``H5Tencode``
(byte order, string padding and charset, enum names, complex layout). :func:`prepare` turns one back
into ``(data, file type, memory type)`` for :func:`create` or :func:`store`.

:func:`store` leaves the attribute as it was when it fails: a value of the same stored type and
shape is written in place (one ``H5Awrite``: HDF5 converts the whole buffer before it replaces the
stored value), anything else is created under a temporary name, the old attribute is renamed aside,
the new one renamed into place and only then the old one deleted (undone if a step fails).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import BadRequestError, H5GuiError, UnreadableError
from h5gui.core.h5 import limits, messages, staging
from h5gui.core.paths import decode, encode

__all__ = [
    "ArrayOfArrays",
    "create",
    "delete",
    "exists",
    "has_class",
    "has_refs",
    "names",
    "prepare",
    "read",
    "rename",
    "storage_size",
    "store",
    "stored",
    "string_ftype",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArrayOfArrays:
    """Data for an attribute of an HDF5 array datatype: ``data.shape == shape + element dims``."""

    data: np.ndarray
    shape: tuple[int, ...]


# ---------------------------------------------------------------------------------------------
# looking


def exists(oid: Any, name: str) -> bool:
    """Whether the object ``oid`` has an attribute ``name``."""
    return bool(h5py.h5a.exists(oid, encode(name)))


def names(oid: Any, *, creation_order: bool = True) -> list[str]:
    """The attribute names of ``oid``: in creation order where it is tracked (and ``creation_order``),
    else by name."""
    idx = h5py.h5.INDEX_NAME
    if creation_order:
        try:
            if oid.get_create_plist().get_attr_creation_order() & h5py.h5p.CRT_ORDER_INDEXED:
                idx = h5py.h5.INDEX_CRT_ORDER
        except Exception:  # pragma: no cover - defensive: by name
            log.debug("no attribute creation order", exc_info=True)
    out: list[str] = []
    h5py.h5a.iterate(oid, lambda name, *_: out.append(decode(name)), index_type=idx)
    return out


def stored(oid: Any, name: str) -> tuple[tuple[int, ...] | None, np.dtype | None, Any] | None:
    """``(shape, dtype, type id)`` of attribute ``name`` (dtype None: h5py cannot map the type), or None."""
    if not exists(oid, name):
        return None
    aid = h5py.h5a.open(oid, encode(name))
    try:
        dt: np.dtype | None = aid.dtype
    except Exception:  # no numpy equivalent: the caller says the type is unsupported
        dt = None
    return aid.shape, dt, aid.get_type()


def storage_size(oid: Any, name: str) -> int:
    """Bytes attribute ``name`` of ``oid`` takes in the file."""
    return int(h5py.h5a.open(oid, encode(name)).get_storage_size())


def has_class(tid: Any, cls: int, *, on_error: bool = True) -> bool:
    """Whether the datatype ``tid`` holds ``cls`` anywhere (compound members, arrays, vlen and enum
    bases; ``h5py.h5t.VLEN`` includes variable-length strings); ``on_error`` for types that cannot be
    inspected."""
    try:
        c = tid.get_class()
        if c == cls:
            return True
        if cls == h5py.h5t.VLEN and c == h5py.h5t.STRING and tid.is_variable_str():
            return True
        if c == h5py.h5t.COMPOUND:
            return any(has_class(tid.get_member_type(i), cls, on_error=on_error) for i in range(tid.get_nmembers()))
        if c in (h5py.h5t.ARRAY, h5py.h5t.VLEN, h5py.h5t.ENUM):
            return has_class(tid.get_super(), cls, on_error=on_error)
    except Exception:  # pragma: no cover - unusual types
        log.debug("cannot inspect a datatype", exc_info=True)
        return on_error
    return False


def has_refs(tid: Any) -> bool:
    """Whether values of the datatype ``tid`` hold object or region references."""
    return has_class(tid, h5py.h5t.REFERENCE, on_error=False)


# ---------------------------------------------------------------------------------------------
# reading


def read(oid: Any, name: str, *, refs_as_bytes: bool = False) -> tuple[Any, bytes]:
    """``(value, serialized datatype)`` of attribute ``name`` exactly as stored (types h5py cannot map
    are read as raw bytes). ``refs_as_bytes``: a value holding references (and no variable-length data)
    is read as its raw bytes too, which :func:`prepare` writes back unchanged into the same file: h5py's
    reference objects cannot leave the process that read them. Raises :class:`UnreadableError`."""
    try:
        aid = h5py.h5a.open(oid, encode(name))
        limits.check_attr(aid, f"attribute {name}")
        tid = aid.get_type()
        h5type = tid.encode()
        try:
            dt: np.dtype | None = aid.dtype
        except Exception:  # no numpy equivalent: read below as bytes
            dt = None
        shape = aid.shape
        if shape is None:
            return h5py.Empty(dt if dt is not None else np.dtype(f"V{tid.get_size()}")), h5type
        if refs_as_bytes and dt is not None and has_refs(tid) and not has_class(tid, h5py.h5t.VLEN):
            dt = None
        if dt is None:  # e.g. HDF5 time: carried as bytes, written back with the same type
            raw = np.zeros(shape, dtype=np.dtype(f"V{tid.get_size()}"))
            aid.read(raw, mtype=tid)
            return raw, h5type
        mtype = h5py.h5t.py_create(dt)
        base, full = dt, shape
        if dt.subdtype is not None:
            base, sub = dt.subdtype
            full = shape + sub
        arr = np.zeros(full, dtype=base)
        aid.read(arr, mtype=mtype)
        info = h5py.check_string_dtype(base)
        if info is not None and info.length is None and info.encoding == "utf-8":
            arr = np.array([v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v for v in arr.flat],
                           dtype=base).reshape(arr.shape)
        return arr, h5type
    except H5GuiError:
        raise
    except Exception as exc:
        raise UnreadableError(f"cannot read attribute {name}: {messages.hdf5_reason(str(exc))}") from exc


# ---------------------------------------------------------------------------------------------
# writing


def prepare(name: str, value: Any, h5type: bytes = b"") -> tuple[Any, Any, Any]:
    """``(data, file type, memory type)`` to write ``value`` as attribute ``name`` (the datatype
    ``h5type`` when given, else one that follows the value's dtype)."""
    if isinstance(value, h5py.Empty):
        ftype = h5py.h5t.decode(h5type) if h5type else h5py.h5t.py_create(value.dtype, logical=True)
        return value, ftype, None
    if isinstance(value, str) or (isinstance(value, list | tuple) and value and all(isinstance(x, str) for x in value)):
        arr = np.array(value, dtype=h5py.string_dtype())
    else:
        arr = np.asarray(value)
    if arr.dtype.kind == "U":
        arr = arr.astype(h5py.string_dtype())
    ftype = h5py.h5t.decode(h5type) if h5type else h5py.h5t.py_create(arr.dtype, logical=True)
    if arr.dtype.kind == "V" and arr.dtype.names is None and ftype.get_class() != h5py.h5t.OPAQUE:
        return arr, ftype, ftype  # raw bytes of a type h5py cannot map: no conversion
    if ftype.get_class() == h5py.h5t.ARRAY:
        sub = tuple(ftype.get_array_dims())
        if arr.shape[arr.ndim - len(sub):] != sub:
            raise BadRequestError(f"{name}: the value's shape {arr.shape} does not end with the array type's {sub}")
        mtype = h5py.h5t.py_create(np.dtype((arr.dtype, sub)))
        return ArrayOfArrays(arr, arr.shape[: arr.ndim - len(sub)]), ftype, mtype
    return arr, ftype, h5py.h5t.py_create(arr.dtype)


def string_ftype(arr: np.ndarray, old_tid: Any | None) -> Any:
    """The file type of a string value: the stored one (``old_tid``) when it fits, else one that does."""
    new = h5py.h5t.py_create(arr.dtype, logical=True)
    if old_tid is None or old_tid.get_class() != h5py.h5t.STRING:
        return new
    tid = old_tid.copy()
    info = h5py.check_string_dtype(arr.dtype)
    assert info is not None
    if info.encoding == "utf-8" and tid.get_cset() != h5py.h5t.CSET_UTF8:
        tid.set_cset(h5py.h5t.CSET_UTF8)
    if info.length is not None and not tid.is_variable_str():
        pad = 1 if tid.get_strpad() == h5py.h5t.STR_NULLTERM else 0  # room for the terminating NUL
        longest = max((len(v) for v in arr.flat), default=0)
        if longest + pad > tid.get_size():
            tid.set_size(longest + pad)
    return tid


def create(oid: Any, name: str, data: Any, ftype: Any, mtype: Any) -> None:
    """Create attribute ``name`` and write ``data`` (an array, ``h5py.Empty`` or :class:`ArrayOfArrays`)."""
    if isinstance(data, h5py.Empty):
        space = h5py.h5s.create(h5py.h5s.NULL)
    else:
        space = h5py.h5s.create_simple(data.shape)
    aid = h5py.h5a.create(oid, encode(name), ftype, space)
    try:
        if isinstance(data, ArrayOfArrays):
            aid.write(np.ascontiguousarray(data.data), mtype=mtype)
        elif not isinstance(data, h5py.Empty):
            aid.write(np.ascontiguousarray(data), mtype=mtype)
    finally:
        aid.close()


def _temp_name(oid: Any) -> str:
    return staging.temp_name("tmp", taken=lambda name: exists(oid, name))


def _discard(oid: Any, name: str) -> None:
    try:
        if exists(oid, name):
            h5py.h5a.delete(oid, encode(name))
    except Exception:  # pragma: no cover - best effort cleanup
        log.warning("cannot remove the temporary attribute %s", name, exc_info=True)


def _write_failed(name: str, path: str, exc: BaseException) -> H5GuiError:
    if isinstance(exc, H5GuiError):
        return exc
    text = str(exc)
    if "message is too large" in text or "unable to allocate space for object header" in text.lower():
        reason = ("the value is too large for this object (objects written in HDF5's oldest format "
                  "hold attributes of at most 64 KiB)")
    elif isinstance(exc, UnicodeEncodeError | UnicodeDecodeError | UnicodeTranslateError):
        reason = f"the text cannot be encoded ({exc.reason})"
    else:
        reason = messages.hdf5_reason(text)
    return H5GuiError(f"Cannot write attribute {name} on {path}: {reason}")


def store(oid: Any, name: str, data: Any, ftype: Any, mtype: Any, path: str) -> None:
    """Write attribute ``name`` of the object ``oid`` (shown as ``path``) so that a failure leaves the
    old one (or none) as it was (see the module's docstring)."""
    try:
        if exists(oid, name) and not isinstance(data, h5py.Empty | ArrayOfArrays):
            aid = h5py.h5a.open(oid, encode(name))
            # H5Tequal ignores a vlen string's charset: compare the serialized types instead
            try:
                same_type = aid.get_type().encode() == ftype.encode()
                if aid.shape is not None and tuple(aid.shape) == data.shape and same_type:
                    aid.write(np.ascontiguousarray(data), mtype=mtype)  # same type and shape: in place
                    return
            finally:
                aid.close()
    except Exception as exc:
        raise _write_failed(name, path, exc) from exc
    tmp = _temp_name(oid)
    try:
        create(oid, tmp, data, ftype, mtype)
    except Exception as exc:
        _discard(oid, tmp)
        raise _write_failed(name, path, exc) from exc
    old = ""
    try:
        if exists(oid, name):
            old = _temp_name(oid)
            h5py.h5a.rename(oid, encode(name), encode(old))
        h5py.h5a.rename(oid, encode(tmp), encode(name))
    except Exception as exc:
        if old and not exists(oid, name):
            try:
                h5py.h5a.rename(oid, encode(old), encode(name))
            except Exception:  # pragma: no cover - nothing more we can do
                log.warning("attribute %s of %s is left as %s", name, path, old, exc_info=True)
        _discard(oid, tmp)
        raise _write_failed(name, path, exc) from exc
    if old:
        try:
            h5py.h5a.delete(oid, encode(old))
        except Exception as exc:  # pragma: no cover - the new value is in place
            raise _write_failed(name, path, exc) from exc


def rename(oid: Any, old: str, new: str) -> None:
    """Rename attribute ``old`` of ``oid`` to ``new`` (its value, type and position stay)."""
    h5py.h5a.rename(oid, encode(old), encode(new))


def delete(oid: Any, name: str) -> None:
    """Delete attribute ``name`` of ``oid``."""
    h5py.h5a.delete(oid, encode(name))
