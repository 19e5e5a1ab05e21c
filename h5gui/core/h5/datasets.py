"""Datasets as the rest of core reads them: opened safely, their datatype, reads whose errors are one
line, the filters their data needs, whether anything is stored, references as text, and the
hard-linked neighbours a dataset is described by (``filenames``, ``labels``).

Previews, exports and snippets read datasets through these helpers, so that the low-level h5py calls
(dataset creation properties, chunk index, references) stay in the HDF5 layer.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
from collections.abc import Iterator, Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import h5t_class_name
from h5gui.core.errors import BadRequestError, FilterUnavailableError, UnreadableError
from h5gui.core.h5 import files, limits, links, messages, safety
from h5gui.core.h5.filters import filter_applied, pipeline
from h5gui.core.paths import decode, join, normalize_path

log = logging.getLogger(__name__)


def open_dataset(f: h5py.File, path: str, file: str, allow_external: bool = False) -> h5py.Dataset:
    """The dataset at ``path`` in the open file ``f`` (resolved without following external links),
    after the outside-data check.

    Raises
    ------
    NodeNotFoundError, DanglingLinkError, ExternalLinkError
        Nothing (reachable) at ``path``.
    BadRequestError
        ``path`` is not a dataset.
    UnsafeAccessError
        The data lives outside the file's folder and ``allow_external`` is False.
    """
    obj = links.open_object(f, path, file)
    if not isinstance(obj, h5py.Dataset):
        raise BadRequestError(f"{path} in {file} is not a dataset")
    safety.check_data_access(obj, file, allow_external)
    return obj


@contextlib.contextmanager
def dataset_at(file: str, path: str, allow_external: bool = False) -> Iterator[tuple[h5py.Dataset, str]]:
    """Open ``file`` and yield ``(dataset, normalized path)`` (see :func:`open_dataset`)."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        yield open_dataset(f, path, str(file), allow_external), path


def dataset_dtype(ds: h5py.Dataset, path: str) -> np.dtype:
    """``ds.dtype``, or :class:`UnreadableError` naming the HDF5 class h5py cannot map."""
    try:
        return ds.dtype
    except Exception as exc:  # h5py raises TypeError, ValueError or others for types numpy lacks
        cls = h5t_class_name(ds.id.get_type())
        raise UnreadableError(f"cannot read {path}: h5py cannot map its datatype ({cls})") from exc


def datatype_class(ds: h5py.Dataset) -> str:
    """The HDF5 class of ``ds``'s datatype in words (for a datatype h5py cannot map)."""
    return h5t_class_name(ds.id.get_type())


def read_selection(ds: Any, sel: Any, path: str) -> Any:
    """``ds[sel]`` with h5py's errors turned into one-line :class:`H5GuiError`\\ s, sized first
    (:func:`h5gui.core.h5.limits.check_read`: chunks that inflate past the limit, reads or
    variable-length claims larger than it are refused before anything is allocated)."""
    if isinstance(ds, h5py.Dataset):
        limits.check_read(ds, limits.selected(ds, sel), path, sel)
        if _nameless_member(ds):
            return _read_as_stored(ds, sel, path)
    try:
        return ds[sel]
    except (OSError, RuntimeError, TypeError) as exc:
        reason = messages.hdf5_reason(str(exc))
        if "filter" in reason.lower():
            raise FilterUnavailableError(f"cannot decompress {path}: {reason}") from exc
        raise UnreadableError(f"cannot read {path}: {reason}") from exc


def read_fields(ds: h5py.Dataset, names: Sequence[str], sel: Any, path: str) -> np.ndarray:
    """``ds.fields(names)[sel]`` as :func:`read_selection` reads it: records holding the fields
    ``names`` (in that order) of the compound dataset ``ds``."""
    if _nameless_member(ds):  # whole records as stored, then the fields
        return np.asarray(read_selection(ds, sel, path))[list(names)]
    return np.asarray(read_selection(ds.fields(list(names)), sel, path))


def _nameless_member(ds: h5py.Dataset) -> bool:
    """Whether ``ds``'s compound type has a member with an empty name, at any depth (a damaged type);
    False for a type h5py cannot map (its read says so)."""
    try:
        todo = [ds.dtype]
    except (TypeError, ValueError):
        return False
    seen = 0
    while todo and seen < 100_000:  # a walk, not a recursion: types can nest hundreds of levels deep
        dt = todo.pop()
        seen += 1
        if dt.subdtype is not None:
            todo.append(dt.subdtype[0])
        elif dt.names is not None:
            if "" in dt.names:
                return True
            todo.extend(dt[n] for n in dt.names)
    return False


def _read_as_stored(ds: h5py.Dataset, sel: Any, path: str) -> Any:
    """``ds[sel]`` of a compound dataset whose stored type has a member with an empty name (a damaged
    type): h5py cannot make a type with such a member, and HDF5 converts compound members by name (the
    member would come back as zeros), so the records are read as stored, without conversion. A type
    that holds variable-length or reference members is refused in one line instead."""
    ftype = ds.id.get_type()
    if ds.dtype.hasobject or ds.dtype.itemsize != ftype.get_size():
        raise UnreadableError(f"cannot read {path}: a member of its compound type has no name and its "
                              "values cannot be read as stored (the file may be damaged)")
    from h5py._hl import selections  # h5py's own reading of an index into a dataspace selection

    try:
        chosen = selections.select(ds.shape, sel if isinstance(sel, tuple) else (sel,), ds)
        out = np.empty(chosen.array_shape, dtype=ds.dtype)
        if chosen.nselect:
            ds.id.read(h5py.h5s.create_simple(chosen.mshape), chosen.id, out, mtype=ftype)
    except (OSError, RuntimeError, TypeError, ValueError) as exc:
        raise UnreadableError(f"cannot read {path}: {messages.hdf5_reason(str(exc))}") from exc
    return out[()] if out.ndim == 0 else out  # a scalar's record, as h5py gives it


def missing_filter(ds: h5py.Dataset, path: str) -> str:
    """The message for a filter the data needs and that is not available, or ``''``."""
    try:
        pipe = pipeline(ds.id.get_create_plist())
    except Exception:  # pragma: no cover - defensive: the read itself will say what is wrong
        log.debug("cannot list the filters of %s", path, exc_info=True)
        return ""
    for i, fi in enumerate(pipe):
        if not fi.available and filter_applied(ds.id, i, fi):
            named = f" ({fi.name})" if fi.name and fi.name != f"filter {fi.code}" else ""
            return f"cannot decompress {path}: filter {fi.code}{named} not available"
    return ""


def check_filters(ds: h5py.Dataset, path: str) -> None:
    """Raise :class:`FilterUnavailableError` when the data needs a filter that is not available."""
    if not isinstance(ds, h5py.Dataset):  # read through a server (an HSDS domain): the server decompresses
        return
    message = missing_filter(ds, path)
    if message:
        raise FilterUnavailableError(message)


def stored_bytes(ds: h5py.Dataset) -> int:
    """Bytes the dataset's data takes in the file (compressed chunks as stored)."""
    if not isinstance(ds, h5py.Dataset):  # read through a server: it says (or estimates) itself
        return int(ds.stored_bytes())
    try:
        return int(ds.id.get_storage_size())
    except (RuntimeError, OSError) as exc:  # a damaged chunk index: the data cannot be read either
        raise UnreadableError(f"cannot read the chunk index of {ds.name}: {messages.reason_of(exc)} "
                              "(the file may be damaged)") from exc


def nothing_stored(ds: h5py.Dataset) -> bool:
    """Nothing stored (chunked or contiguous data never written): every value is the fill value."""
    try:
        dcpl = ds.id.get_create_plist()
        layout = dcpl.get_layout()
        if layout not in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS) or dcpl.get_external_count():
            return False
        if layout == h5py.h5d.CHUNKED and hasattr(ds.id, "chunk_iter"):
            # stop at the first stored chunk: the size of everything stored walks the whole chunk index
            # (5 ms for 2,000 chunks not yet read from disk, on the way to a stack's first frame)
            return ds.id.chunk_iter(lambda _info: True) is None
        return stored_bytes(ds) == 0
    except Exception:  # pragma: no cover - defensive: then it is read
        log.debug("cannot tell whether %s stores anything", ds.name, exc_info=True)
        return False


def can_tell_chunks(ds: h5py.Dataset) -> bool:
    """Whether :func:`chunk_stored` can look chunks up (chunked data, an HDF5 with the chunk index API)."""
    return ds.chunks is not None and hasattr(ds.id, "get_chunk_info_by_coord")


def chunk_stored(ds: h5py.Dataset, coord: Sequence[int]) -> bool:
    """Whether the chunk at ``coord`` (its first element) is stored (True when that cannot be told)."""
    try:
        return ds.id.get_chunk_info_by_coord(tuple(coord)).byte_offset is not None
    except Exception:  # pragma: no cover - defensive: read it
        log.debug("cannot look up chunk %s of %s", tuple(coord), ds.name, exc_info=True)
        return True


def reference_text(ref: Any, ds: Any) -> str:
    """An object reference as its target's path; a region reference as ``/path[r0:r1, c0:c1] (region)``.

    ``ds`` is the dataset (or any object, or its id) that holds the reference."""
    if not ref:
        return "(null reference)"
    loc = ds.id if isinstance(ds, h5py.HLObject) else ds
    where = getattr(ds, "name", "an object")
    try:
        raw = h5py.h5r.get_name(ref, loc)
    except Exception:  # shown as such in the cell
        log.debug("cannot resolve a reference in %s", where, exc_info=True)
        return "(unresolvable reference)"
    if raw is None:  # the target is no longer linked anywhere: it has no path
        return "(reference to an unlinked object)"
    name = decode(raw)
    if isinstance(ref, h5py.RegionReference):
        try:
            sel = h5py.h5r.get_region(ref, loc)
            lo, hi = sel.get_select_bounds()
            bounds = ", ".join(f"{a}:{b + 1}" for a, b in zip(lo, hi, strict=True))
            return f"{name}[{bounds}] (region)"
        except Exception:  # the region is left out of the text
            log.debug("cannot read a region reference in %s", where, exc_info=True)
            return f"{name} (region)"
    return name


def hard_sibling(obj: Any, name: str) -> Any | None:
    """The object called ``name`` in ``obj``'s group when that name is a hard link there, else None
    (no link is followed: a soft or external link of that name gives None). A dataset read through a
    server (an HSDS domain) finds its own (``obj.hard_sibling``)."""
    if not isinstance(obj, h5py.HLObject):
        return obj.hard_sibling(name)
    here = join(posixpath.dirname(obj.name) or "/", name)
    info = links.link_info(obj.file.id, here)
    if info is None or info.type != h5py.h5l.TYPE_HARD:
        return None
    return obj.file[here]
