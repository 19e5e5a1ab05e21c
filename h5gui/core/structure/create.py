"""Creating groups, datasets (from a shape, from data, from a ``.npy``/``.npz``/CSV file) and links.

Nothing existing is overwritten (a dangling link counts as taken). A new dataset is written under a
temporary name in its group and moved into place when complete; an error or a cancel deletes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from h5gui.core import structure
from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError
from h5gui.core.h5 import filters, messages, objects, staging
from h5gui.core.nodes.records import ChildInfo
from h5gui.core.paths import encode, join, normalize_path
from h5gui.core.progress import Job, Progress
from h5gui.core.structure.paths import check_name, in_group, row, split

__all__ = [
    "create_dataset",
    "create_dataset_from_file",
    "create_external_link",
    "create_group",
    "create_soft_link",
    "load_array",
]

log = logging.getLogger(__name__)


def _where(file: str, path: str, what: str) -> tuple[str, str, str]:
    """``(file, parent, name)`` of a new object at ``path``, the name checked."""
    file = str(file)
    parent, name = split(path, file, f"new {what}")
    return file, parent, check_name(name)


def _create_link(file: str, parent: str, name: str, what: str, parents: bool,
                 make: Callable[[Any, bytes], object]) -> ChildInfo:
    """Make the ``what`` ``name`` in the group ``parent`` with ``make(group id, name)``; its tree row."""
    with in_group(file, parent, name, parents) as (f, phard):
        gid = h5py.h5o.open(f.id, encode(phard))
        try:
            make(gid, encode(name))
        except Exception as exc:
            raise H5GuiError(f"Cannot create {what} {join(parent, name)} in {file}: {messages.reason_of(exc)}") from exc
        return row(f, file, phard, parent, name)


def create_group(file: str, path: str, *, parents: bool = False) -> ChildInfo:
    """Create the group ``path`` (with creation order tracked); ``parents`` creates missing parents.

    Raises
    ------
    BadRequestError
        ``path`` exists (whatever it is), or a parent is not a group.
    NodeNotFoundError
        A parent is missing and ``parents`` is False.
    ReadOnlyError, FileAccessError
        The file is not writable.
    """
    file, parent, name = _where(file, path, "group")
    return _create_link(file, parent, name, "group", parents,
                        lambda gid, bname: h5py.h5g.create(gid, bname, gcpl=objects.tracked_gcpl()))


def _dtype_of(dtype: Any) -> np.dtype:
    if isinstance(dtype, str) and dtype in ("string", "str", "vlen-str", "text"):
        return h5py.string_dtype()
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise BadRequestError(f"unknown datatype {dtype!r}") from exc


def _creation_kwargs(
    shape: tuple[int, ...] | None, dt: np.dtype, chunks: Any, maxshape: Any, compression: str | None,
    compression_opts: int | None, shuffle: bool | None, fillvalue: Any,
) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    comp = filters.compression(compression, compression_opts, shuffle, dt.itemsize)[0]
    if comp and shape == ():
        raise BadRequestError("a scalar dataset cannot be compressed (compression needs chunks)")
    kw.update(comp)
    if chunks is not None and chunks is not False:
        if shape == ():
            raise BadRequestError("a scalar dataset cannot be chunked")
        if chunks is not True:
            chunks = tuple(int(c) for c in chunks)
            if shape is not None and len(chunks) != len(shape):
                raise BadRequestError(f"chunks {chunks} do not match the shape {shape}")
            if any(c <= 0 for c in chunks):
                raise BadRequestError(f"chunks {chunks} must be positive")
        kw["chunks"] = chunks
    if maxshape is not None:
        kw["maxshape"] = tuple(None if m in (None, -1) else int(m) for m in maxshape)
    if fillvalue is not None:
        kw["fillvalue"] = fillvalue
    return kw


@contextlib.contextmanager
def _staged(g: h5py.Group, name: str, shown: str, file: str) -> Iterator[str]:
    """A temporary name in ``g`` to write a new dataset under, moved to ``name`` when the block ends;
    the temporary dataset is deleted on an error or a cancel."""
    tmp = staging.temp_name("tmp")
    try:
        yield tmp
        g.move(tmp, name)
    except BaseException as exc:
        _discard_link(g, tmp)
        if isinstance(exc, H5GuiError | KeyboardInterrupt | GeneratorExit):
            raise
        raise BadRequestError(f"Cannot create dataset {shown} in {file}: {messages.reason_of(exc)}") from exc


def _discard_link(g: Any, name: str) -> None:
    try:
        if g.id.valid and name in g:
            del g[name]
    except Exception:  # pragma: no cover - best effort cleanup
        log.warning("cannot remove the temporary dataset %s", name, exc_info=True)


def create_dataset(
    file: str, path: str, *, shape: Sequence[int] | None = None, dtype: Any = None, data: Any = None,
    chunks: Sequence[int] | bool | None = None, maxshape: Sequence[int | None] | None = None,
    compression: str | None = None, compression_opts: int | None = None, shuffle: bool | None = None,
    fillvalue: Any = None, parents: bool = False,
) -> ChildInfo:
    """Create a dataset from ``shape`` and ``dtype`` (filled with ``fillvalue``) or from ``data``.

    ``dtype`` is a numpy dtype (name) or ``'string'`` (variable-length UTF-8); None: the data's, or
    float32 for a new empty dataset. ``chunks`` is a shape,
    True (h5py's guess) or None (contiguous unless compression or ``maxshape`` need chunks).
    ``compression`` is one of :data:`h5gui.core.codecs.NAMES` (``compression_opts``: its level). The dataset is
    written under a temporary name and moved into place when complete.
    """
    file, parent, name = _where(file, path, "dataset")
    if data is None and shape is None:
        raise BadRequestError("a new dataset needs a shape or data")
    dt = _dtype_of("float32" if dtype is None else dtype) if data is None else None
    arr = None
    if data is not None:
        arr = np.asarray(data)
        if arr.dtype.kind == "O":
            raise BadRequestError("data of Python objects cannot be stored: give numbers or strings")
        if arr.dtype.kind == "U":
            arr = arr.astype(h5py.string_dtype())
        if shape is not None and tuple(shape) != arr.shape:
            raise BadRequestError(f"data of shape {arr.shape} does not match the shape {tuple(shape)}")
        dt = arr.dtype if dtype is None else _dtype_of(dtype)
    assert dt is not None
    shp = tuple(int(n) for n in shape) if shape is not None else (arr.shape if arr is not None else None)
    if shp is not None and any(n < 0 for n in shp):
        raise BadRequestError(f"invalid shape {shp}")
    kw = _creation_kwargs(shp, dt, chunks, maxshape, compression, compression_opts, shuffle, fillvalue)
    with in_group(file, parent, name, parents) as (f, phard):
        g = f[phard]
        with _staged(g, name, join(parent, name), file) as tmp:
            if arr is not None:
                g.create_dataset(tmp, data=arr, dtype=dt, **kw)
            else:
                g.create_dataset(tmp, shape=shp, dtype=dt, **kw)
        return row(f, file, phard, parent, name)


def load_array(source: str | os.PathLike[str], *, key: str | None = None, delimiter: str | None = None) -> np.ndarray:
    """An array from a ``.npy`` (memory-mapped), ``.npz`` (``key`` picks the array when several) or a
    CSV/TSV/text file of numbers (a header line is skipped). Pickled objects are refused."""
    src = Path(source)
    if not src.is_file():
        raise FileAccessError(f"No such file: {src}")
    ext = src.suffix.lower()
    try:
        if ext == ".npy":
            arr = np.load(src, mmap_mode="r", allow_pickle=False)
        elif ext == ".npz":
            with np.load(src, allow_pickle=False) as z:
                keys = list(z.keys())
                if key is None:
                    if len(keys) != 1:
                        raise BadRequestError(f"{src} holds {len(keys)} arrays ({', '.join(keys[:8])}): pick one")
                    key = keys[0]
                if key not in keys:
                    raise BadRequestError(f"{src} holds no array {key!r} (it has {', '.join(keys[:8])})")
                arr = z[key]
        else:
            delim = delimiter if delimiter is not None else ("\t" if ext == ".tsv" else "," if ext == ".csv" else None)
            try:
                arr = np.loadtxt(src, delimiter=delim, ndmin=1)
            except ValueError:
                arr = np.loadtxt(src, delimiter=delim, ndmin=1, skiprows=1)  # a header line
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
    except H5GuiError:
        raise
    except ValueError as exc:
        raise BadRequestError(f"cannot read {src}: {' '.join(str(exc).split())}") from exc
    except OSError as exc:
        raise FileAccessError(f"cannot read {src}: {exc.strerror or exc}") from exc
    if arr.dtype.kind == "O":
        raise BadRequestError(f"{src} holds Python objects, which are not loaded")
    return arr


def create_dataset_from_file(
    file: str, path: str, source: str | os.PathLike[str], *, key: str | None = None, delimiter: str | None = None,
    chunks: Sequence[int] | bool | None = None, compression: str | None = None, compression_opts: int | None = None,
    shuffle: bool | None = None, parents: bool = False,
) -> Job[ChildInfo]:
    """Job: a new dataset holding the array of a ``.npy``/``.npz``/CSV file (see :func:`load_array`),
    written in blocks with progress under a temporary name, moved into place when complete."""
    file, parent, name = _where(file, path, "dataset")
    arr = load_array(source, key=key, delimiter=delimiter)
    dt = arr.dtype
    if dt.kind == "U":
        arr = np.asarray(arr).astype(h5py.string_dtype())
        dt = arr.dtype
    kw = _creation_kwargs(arr.shape, dt, chunks, None, compression, compression_opts, shuffle, None)
    total = int(arr.nbytes)
    with in_group(file, parent, name, parents) as (f, phard):
        g = f[phard]
        with _staged(g, name, join(parent, name), file) as tmp:
            ds = g.create_dataset(tmp, shape=arr.shape, dtype=dt, **kw)
            if arr.ndim == 0:
                ds[()] = arr[()]
            elif arr.size:
                row_bytes = max(1, arr[0].nbytes)
                step = max(1, structure.BLOCK_BYTES // row_bytes)
                for a in range(0, arr.shape[0], step):
                    b = min(arr.shape[0], a + step)
                    ds[a:b] = arr[a:b]
                    yield Progress(b * row_bytes, total, "bytes", f"writing {join(parent, name)}", nbytes=b * row_bytes)
        return row(f, file, phard, parent, name)


def _link_target_text(target: str) -> str:
    if not isinstance(target, str) or not target.strip():
        raise BadRequestError("a link needs a target path")
    if "\x00" in target:
        raise BadRequestError("a link target cannot contain NUL characters")
    return target


def create_soft_link(file: str, path: str, target: str, *, parents: bool = False) -> ChildInfo:
    """Create a soft link at ``path`` whose value is ``target`` (absolute, or relative to its group).

    The target need not exist (the row then says the link dangles).
    """
    file, parent, name = _where(file, path, "link")
    _link_target_text(target)
    return _create_link(file, parent, name, "link", parents,
                        lambda gid, bname: gid.links.create_soft(bname, encode(target)))


def create_external_link(file: str, path: str, target_file: str, target_path: str, *,
                         parents: bool = False) -> ChildInfo:
    """Create an external link at ``path`` to ``target_path`` in ``target_file`` (stored as given:
    a relative file name is taken relative to the folder of ``file`` by h5gui)."""
    file, parent, name = _where(file, path, "link")
    _link_target_text(str(target_file))
    target_path = normalize_path(_link_target_text(target_path))
    stored_file = encode(str(target_file))
    return _create_link(file, parent, name, "link", parents,
                        lambda gid, bname: gid.links.create_external(bname, stored_file, encode(target_path)))
