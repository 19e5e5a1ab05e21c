"""What every export does: the format of a target name, claiming ``OUT.partial`` and publishing it,
the slice ``index`` picks, and reading it in blocks of rows."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core import structure
from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.export.records import ARRAY_EXTENSIONS, BLOCK_BYTES, TABLE_EXTENSIONS
from h5gui.core.h5 import staging
from h5gui.core.h5.datasets import check_filters, dataset_at, read_selection
from h5gui.core.progress import Progress
from h5gui.core.text import format_bytes


def format_of(out: str | os.PathLike[str]) -> str:
    """The export format of ``out``, from its extension: a name without one (or ending in ``/``, or an
    existing folder) is a folder of images."""
    text = str(out)
    if text.endswith(("/", os.sep)) or os.path.isdir(text):
        return "folder"
    ext = os.path.splitext(text)[1].lower()
    if ext in ARRAY_EXTENSIONS:
        return "npy"
    if ext in TABLE_EXTENSIONS:
        return "csv"
    if ext == ".png":
        return "png"
    if ext in (".tif", ".tiff"):
        return "tif"
    if ext in structure.HDF5_EXTENSIONS:
        return "hdf5"
    if not ext:
        return "folder"
    raise BadRequestError(
        f"cannot export to {ext} files: use .npy, .csv, .tsv, .png, .tif, .h5 or a folder name (a stack of images)"
    )


def target(out: str | os.PathLike[str], overwrite: bool) -> tuple[str, str]:
    """``(final path, partial path)`` of a new file ``out``, refused when it exists (unless
    ``overwrite``), is a folder, or its folder does not exist."""
    final = os.path.abspath(os.path.expanduser(str(out)))
    if os.path.isdir(final):
        raise BadRequestError(f"{final} is a folder: give a file name")
    if os.path.lexists(final) and not overwrite:
        raise BadRequestError(f"{final} exists: choose another name (nothing is overwritten)")
    parent = os.path.dirname(final)
    if not os.path.isdir(parent):
        raise FileAccessError(f"No such folder: {parent}")
    return final, str(staging.partial_name(final))


@contextlib.contextmanager
def writing(final: str, partial: str, overwrite: bool) -> Iterator[None]:
    """Claim ``partial`` (refusing a second writer), remove it unless the block completes, then move it
    to ``final``."""
    claim = staging.PartialFile(final, overwrite=overwrite)
    assert claim.path == partial
    try:
        with claim:
            yield
            claim.publish()
    except OSError as exc:
        raise FileAccessError(f"cannot write {final}: {exc.strerror or exc}") from exc


def selection(ds: h5py.Dataset, index: Sequence[int], path: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(normalized index, shape of ``ds[index]``)."""
    shape = ds.shape
    if shape is None:
        raise BadRequestError(f"{path} is empty (no dataspace): nothing to export")
    index = tuple(int(i) for i in index)
    if len(index) > len(shape):
        raise BadRequestError(f"{path} has {len(shape)} axes: --index gives {len(index)} values")
    norm = []
    for axis, (i, n) in enumerate(zip(index, shape, strict=False)):
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise BadRequestError(f"index {i} is out of range for axis {axis} of {path} (size {n})")
        norm.append(j)
    return tuple(norm), tuple(shape[len(norm):])



def slice_text(path: str, index: Sequence[int]) -> str:
    """``/path[2, 5]``: the slice in messages."""
    return path + (f"[{', '.join(map(str, index))}]" if index else "")


@dataclass(frozen=True, slots=True)
class Source:
    """The dataset an export reads and the slice ``index`` picks of it."""

    ds: h5py.Dataset
    path: str
    index: tuple[int, ...]  # normalized (no negative entries)
    shape: tuple[int, ...]  # of ``ds[index]``
    where: str  # ``path[index]`` for messages


# opens ``(file, path, allow_external)`` as ``(dataset, normalized path)``: the local file's h5py dataset
# (:func:`~h5gui.core.h5.datasets.dataset_at`), or one read through a server (the HSDS twins give theirs)
Opener = Callable[[str, str, bool], AbstractContextManager[tuple[Any, str]]]


@contextlib.contextmanager
def source(file: str, path: str, index: Sequence[int] = (), allow_external: bool = False,
           opener: Opener | None = None) -> Iterator[Source]:
    """Open the dataset at ``path`` (safely, its filters checked) and the slice ``index`` of it
    (``opener``: how; default the local file's)."""
    with (opener or dataset_at)(file, path, allow_external) as (ds, path):
        check_filters(ds, path)
        idx, shape = selection(ds, index, path)
        yield Source(ds, path, idx, shape, slice_text(path, idx))


def check_room(src: Source, nbytes: float, final: str) -> None:
    """Refuse before starting when the output (at least ``nbytes``) cannot fit on the disk that would
    hold ``final`` (a (10^12, 10^12) dataset is 4 ZB: refused at once, not after minutes)."""
    try:
        free = shutil.disk_usage(os.path.dirname(final) or ".").free
    except OSError:
        return
    if nbytes > free:
        raise BadRequestError(f"exporting {src.where} needs {format_bytes(nbytes)}, and the disk holding "
                              f"{final} has {format_bytes(free)} free")


def copy_rows(src: Source, out: np.ndarray) -> Iterator[Progress]:
    """Fill ``out`` with ``ds[index]``, read in blocks of rows of about :data:`BLOCK_BYTES` (h5py's lock
    is released in between)."""
    total = int(out.nbytes)
    message = f"exporting {src.where}"
    if out.ndim == 0:
        out[()] = read_selection(src.ds, src.index if src.index else (), src.path)
        yield Progress(total, total, "bytes", message, nbytes=total)
        return
    n = out.shape[0]
    row = max(1, out[0].nbytes if n else 1)
    step = max(1, BLOCK_BYTES // row)
    for a in range(0, n, step):
        b = min(n, a + step)
        out[a:b] = read_selection(src.ds, src.index + (slice(a, b),), src.path)
        yield Progress(b * row, total, "bytes", message, nbytes=b * row)


def plain_dtype(dt: np.dtype) -> np.dtype:
    """``dt`` without h5py's metadata (enum members, string encodings), which .npy cannot hold."""
    fields = dt.fields
    if dt.names is not None and fields is not None:
        spec: Any = {"names": list(dt.names), "formats": [plain_dtype(fields[n][0]) for n in dt.names],
                     "offsets": [fields[n][1] for n in dt.names], "itemsize": dt.itemsize}
        return np.dtype(spec)
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return np.dtype((plain_dtype(base), shape))
    return np.dtype(dt.str)

