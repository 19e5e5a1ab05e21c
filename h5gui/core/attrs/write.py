"""Writing attributes: set from typed text, rename, delete, duplicate, write raw values back.

Every write opens the file with ``files.open_file(file, write=True)`` (so in the GUI editing must be
enabled) and leaves the attribute as it was when it fails (:func:`h5gui.core.h5.attrs_raw.store`):
a value of the same stored type and shape is written in place, which keeps the attribute's
position; anything else replaces it, and where creation order is tracked it then moves to the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.attrs.codec import parse_for_target
from h5gui.core.attrs.read import present, read_attr, read_raw
from h5gui.core.attrs.records import ATTR_TYPES, AttrInfo, AttrValue
from h5gui.core.attrs.targets import Target, classify, target_for_dtype, target_for_type
from h5gui.core.errors import AttrValueError, BadRequestError, H5GuiError
from h5gui.core.h5 import attrs_raw, files, links, messages, staging
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job, Progress

__all__ = [
    "create_raw",
    "delete_attrs",
    "duplicate_attr",
    "has_refs",
    "prepare_raw",
    "put_attr_values",
    "rename_attr",
    "set_attr",
    "set_attr_on_many",
    "store_raw",
]

# the raw writers under the names the rest of core uses (see h5gui.core.h5.attrs_raw)
create_raw = attrs_raw.create
store_raw = attrs_raw.store
has_refs = attrs_raw.has_refs


def _check_name(name: str) -> str:
    if not isinstance(name, str | bytes) or not name:  # bytes: a name that is not UTF-8, copied exactly
        raise BadRequestError("an attribute name cannot be empty")
    if ("\x00" if isinstance(name, str) else b"\x00") in name:
        raise BadRequestError("an attribute name cannot contain a NUL character")
    return name


def _check_type(type_name: str | None) -> None:
    if type_name is not None and type_name not in ATTR_TYPES:
        raise AttrValueError(f"unknown type {type_name!r}: use one of {', '.join(ATTR_TYPES)}")


def _refuse_taken(oid: Any, name: str, path: str) -> None:
    if attrs_raw.exists(oid, name):
        raise BadRequestError(f"attribute {name} already exists on {path}")


@contextlib.contextmanager
def _writable(file: str, path: str) -> Iterator[tuple[h5py.File, Any]]:
    """The file opened for writing and the object at ``path`` in it."""
    with files.open_file(file, write=True) as f:
        yield f, links.open_object(f, path, str(file))


def prepare_raw(v: AttrValue) -> tuple[Any, Any, Any]:
    """``(data, file type, memory type)`` to write an :class:`AttrValue` back."""
    return attrs_raw.prepare(v.name, v.value, v.h5type)


def _plan(obj: Any, name: str, text: str, type_name: str | None, shape: tuple[int, ...] | None,
          fixed_length: bool | None) -> tuple[np.ndarray, Any, Any]:
    """Parse ``text`` for attribute ``name`` of ``obj``: ``(data, file type, memory type)``."""
    old_tid = None
    target: Target | None = None
    old = attrs_raw.stored(obj.id, name)
    if old is not None:
        old_shape, old_dt, tid = old
        old_name, reason = classify(old_dt) if old_dt is not None else ("", "unsupported datatype")
        if old_shape is None and not reason:
            reason = "an empty attribute has no value to edit"
        info = h5py.check_string_dtype(old_dt) if old_dt is not None else None
        old_fixed = info is not None and info.length is not None
        same_type = type_name is None or (
            bool(old_name) and type_name == old_name
            and (type_name != "string" or fixed_length is None or bool(fixed_length) == old_fixed)
        )
        if same_type:
            if reason:
                raise AttrValueError(f"{name} cannot be edited: {reason}; choose a type to replace it")
            assert old_dt is not None
            old_tid = tid
            target = target_for_dtype(old_dt)
            if type_name is None and shape is None:
                shape = old_shape
    if target is None:
        target = target_for_type(type_name or "string", bool(fixed_length))
    arr = parse_for_target(text, target, shape)
    if target.kind == "string":
        ftype = attrs_raw.string_ftype(arr, old_tid)
    elif old_tid is not None:
        ftype = old_tid
    else:
        ftype = h5py.h5t.py_create(arr.dtype, logical=True)
    return arr, ftype, h5py.h5t.py_create(arr.dtype)


def set_attr(
    file: str, path: str, name: str, text: str, type_name: str | None = None, *,
    shape: tuple[int, ...] | None = None, fixed_length: bool | None = None,
) -> AttrInfo:
    """Set attribute ``name`` of the object at ``path`` from typed ``text``.

    ``type_name=None`` keeps an existing attribute's stored type and shape exactly (byte order,
    string kind and charset, enum members); a fixed-length string grows when the new text is
    longer. Naming the attribute's own type keeps the stored type too, with the shape taken from
    ``shape`` or from the text. A new attribute is a ``'string'`` unless ``type_name`` says
    otherwise; ``fixed_length`` chooses fixed- or variable-length strings (``None``: keep, or
    variable-length for a new one).

    Raises
    ------
    AttrValueError
        The text does not fit (nothing is written).
    ReadOnlyError, FileAccessError
        The file is not writable.
    H5GuiError
        HDF5 refused the write; the attribute is as it was.
    """
    path = normalize_path(path)
    _check_name(name)
    _check_type(type_name)
    with _writable(file, path) as (f, obj):
        data, ftype, mtype = _plan(obj, name, text, type_name, None if shape is None else tuple(shape),
                                   fixed_length)
        attrs_raw.store(obj.id, name, data, ftype, mtype, path)
        f.flush()
        return read_attr(obj.attrs, name)


def rename_attr(file: str, path: str, old: str, new: str) -> AttrInfo:
    """Rename attribute ``old`` to ``new`` (its value, type and position stay)."""
    path = normalize_path(path)
    _check_name(new)
    with _writable(file, path) as (f, obj):
        present(obj.id, [old], path, str(file))
        if new != old:
            _refuse_taken(obj.id, new, path)
            try:
                attrs_raw.rename(obj.id, old, new)
            except Exception as exc:
                raise H5GuiError(f"Cannot rename attribute {old} on {path}: {messages.hdf5_reason(str(exc))}") from exc
            f.flush()
        return read_attr(obj.attrs, new)


def delete_attrs(file: str, path: str, names: Sequence[str], *, missing_ok: bool = False) -> None:
    """Delete the named attributes (all of them must exist, or none is deleted, unless ``missing_ok``)."""
    path = normalize_path(path)
    if isinstance(names, str):
        names = [names]
    with _writable(file, path) as (f, obj):
        for name in present(obj.id, names, path, str(file), missing_ok=missing_ok):
            try:
                attrs_raw.delete(obj.id, name)
            except Exception as exc:
                raise H5GuiError(f"Cannot delete attribute {name} on {path}: {messages.hdf5_reason(str(exc))}") from exc
        f.flush()


def duplicate_attr(file: str, path: str, name: str, new_name: str) -> AttrInfo:
    """Copy attribute ``name`` to ``new_name`` on the same object, with the identical type and value."""
    path = normalize_path(path)
    _check_name(new_name)
    with _writable(file, path) as (f, obj):
        present(obj.id, [name], path, str(file))
        _refuse_taken(obj.id, new_name, path)
        data, ftype, mtype = prepare_raw(read_raw(obj.id, name, str(file)))
        attrs_raw.store(obj.id, new_name, data, ftype, mtype, path)
        f.flush()
        return read_attr(obj.attrs, new_name)


def put_attr_values(
    file: str, path: str, values: Sequence[AttrValue], *, overwrite: bool = True
) -> list[AttrInfo]:
    """Write raw values back with their exact type and shape (undo, paste onto a node).

    Everything is checked before anything is written: with ``overwrite=False`` an existing name is
    refused; references are refused unless they come from this same file (they point into it).
    """
    path = normalize_path(path)
    prepared = []
    for v in values:
        _check_name(v.name)
        data, ftype, mtype = prepare_raw(v)
        if attrs_raw.has_refs(ftype) and not files.same_file(v.file, str(file)):
            source = f" from {v.file}" if v.file else ""
            raise BadRequestError(
                f"attribute {v.name}{source} holds references, which only point into their own file: not pasted"
            )
        if attrs_raw.has_refs(ftype) and v.file_id is not None and staging.file_id(file) != v.file_id:
            raise BadRequestError(f"attribute {v.name} holds references into {v.file} as it was when copied; the "
                                  "file has been rewritten since (compacted or replaced): not written back")
        prepared.append((v.name, data, ftype, mtype))
    with _writable(file, path) as (f, obj):
        if not overwrite:
            for name, *_ in prepared:
                _refuse_taken(obj.id, name, path)
        out = []
        for name, data, ftype, mtype in prepared:
            attrs_raw.store(obj.id, name, data, ftype, mtype, path)
            f.flush()
            out.append(read_attr(obj.attrs, name))
        return out


def set_attr_on_many(
    file: str, paths: Sequence[str], name: str, text: str, type_name: str | None = None, *,
    shape: tuple[int, ...] | None = None, fixed_length: bool | None = None,
) -> Job[int]:
    """Job: set one attribute on many objects of ``file``; returns how many were written.

    Every path is resolved and the text parsed for every object (``type_name=None`` keeps each
    existing attribute's type, else makes a string) before anything is written; then one object
    at a time, flushing after each.
    """
    _check_name(name)
    _check_type(type_name)
    norm = list(dict.fromkeys(normalize_path(p) for p in paths))
    want = None if shape is None else tuple(shape)
    if type_name is not None:  # fail fast, before opening anything
        parse_for_target(text, target_for_type(type_name, bool(fixed_length)), want)
    with files.open_file(file, write=True) as f:
        plans = []
        for p in norm:
            obj = links.open_object(f, p, str(file))
            plans.append((p, obj, *_plan(obj, name, text, type_name, want, fixed_length)))
        total = len(plans)
        yield Progress(0, total, "objects", f"setting {name}")
        for i, (p, obj, data, ftype, mtype) in enumerate(plans):
            attrs_raw.store(obj.id, name, data, ftype, mtype, p)
            f.flush()
            yield Progress(i + 1, total, "objects", f"setting {name}")
    return total
