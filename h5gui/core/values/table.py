"""Writing typed cell texts into a dataset's table: cells mapped onto the dataset, parsed like attributes,
written in place, the replaced values returned for undo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.attrs.codec import parse_value
from h5gui.core.attrs.records import ATTR_TYPES
from h5gui.core.errors import BadRequestError, H5GuiError
from h5gui.core.h5 import files, links, messages
from h5gui.core.paths import normalize_path
from h5gui.core.values.records import BlockWrite, ValueEdit

__all__ = ["MAX_CELLS", "apply", "parse_block", "write_block"]

MAX_CELLS = 1_000_000  # cells one edit may write


def _type_name(dt: np.dtype) -> tuple[str, bool]:
    if h5py.check_string_dtype(dt) is not None:
        return "string", h5py.check_string_dtype(dt).length is not None
    if dt.kind == "b":
        return "bool", False
    if dt.name in ATTR_TYPES:
        return dt.name, False
    raise BadRequestError(f"values of type {dt} cannot be edited as text")


def _selection(shape: tuple[int, ...], fields: tuple[str, ...], axes: tuple[int, int] | None, index: Sequence[int],
               row0: int, nrows: int, col0: int, ncols: int, path: str) -> tuple[list[Any], int | None, int | None]:
    rank = len(shape)
    if rank == 0:
        raise BadRequestError(f"{path} is a scalar: edit it in the text view")
    if fields:
        row_axis: int | None = axes[0] % rank if axes else 0
        col_axis: int | None = None
        if col0 + ncols > len(fields):
            raise BadRequestError(f"{path} has {len(fields)} fields")
    elif rank == 1:
        row_axis, col_axis = 0, None
        if col0 != 0 or ncols != 1:
            raise BadRequestError(f"{path} is 1-D: one column")
    else:
        ra, ca = axes if axes is not None else (rank - 2, rank - 1)
        row_axis, col_axis = ra % rank, ca % rank
    sel: list[Any] = []
    for ax in range(rank):
        if ax == row_axis:
            if row0 < 0 or row0 + nrows > shape[ax]:
                raise BadRequestError(f"rows {row0}..{row0 + nrows - 1} are outside {path} ({shape[ax]} rows)")
            sel.append(slice(row0, row0 + nrows))
        elif ax == col_axis:
            if col0 < 0 or col0 + ncols > shape[ax]:
                raise BadRequestError(f"columns {col0}..{col0 + ncols - 1} are outside {path} ({shape[ax]} columns)")
            sel.append(slice(col0, col0 + ncols))
        else:
            i = int(index[ax]) if ax < len(index) else 0
            if not 0 <= i < shape[ax]:
                raise BadRequestError(f"index {i} is outside axis {ax} of {path}")
            sel.append(i)
    return sel, row_axis, col_axis


def _as_table(block: np.ndarray, row_axis: int | None, col_axis: int | None) -> np.ndarray:
    """The selected block as (rows, cols), whatever the order of the two axes in the dataset."""
    if block.ndim == 1:
        return block[:, None]
    if row_axis is not None and col_axis is not None and row_axis > col_axis:
        return block.T
    return block


def _from_table(table: np.ndarray, row_axis: int | None, col_axis: int | None, ndim: int) -> np.ndarray:
    if ndim == 1:
        return table[:, 0]
    if row_axis is not None and col_axis is not None and row_axis > col_axis:
        return table.T
    return table


def _read_block(ds: h5py.Dataset, fields: tuple[str, ...], sel: list[Any], col0: int, ncols: int,
                row_axis: int | None, col_axis: int | None) -> np.ndarray:
    if fields:
        data = ds[tuple(sel)]
        out = np.empty((data.shape[0], ncols), dtype=object)
        for j, name in enumerate(fields[col0:col0 + ncols]):
            out[:, j] = list(data[name])
        return out
    block = ds[tuple(sel)]
    return _as_table(np.asarray(block), row_axis, col_axis)


def _write_block(ds: h5py.Dataset, fields: tuple[str, ...], sel: list[Any], col0: int, values: np.ndarray,
                 row_axis: int | None, col_axis: int | None) -> None:
    if fields:
        data = ds[tuple(sel)]
        for j, name in enumerate(fields[col0:col0 + values.shape[1]]):
            data[name] = values[:, j].tolist()
        ds[tuple(sel)] = data
        return
    n_block = sum(1 for s in sel if isinstance(s, slice))
    ds[tuple(sel)] = _from_table(values, row_axis, col_axis, n_block)


def parse_block(file: str, path: str, col0: int, texts: Sequence[Sequence[str]]) -> np.ndarray:
    """Typed values for ``texts`` (rows of cell texts) in the dataset's dtype; refuses with the first
    cell that does not fit (``row 2, column 1: 300 does not fit in uint8 (0..255)``)."""
    with files.open_file(file) as f:
        ds = links.open_object(f, normalize_path(path), str(file))
        if not isinstance(ds, h5py.Dataset):
            raise BadRequestError(f"{path} is not a dataset")
        dt = ds.dtype
    fields = tuple(dt.names or ())
    rows = [list(r) for r in texts]
    ncols = max((len(r) for r in rows), default=0)
    if len(rows) * ncols > MAX_CELLS:
        raise BadRequestError(f"at most {MAX_CELLS:,} cells at a time")
    out = np.empty((len(rows), ncols), dtype=object if fields else dt)
    for i, r in enumerate(rows):
        if len(r) != ncols:
            raise BadRequestError(f"row {i + 1} has {len(r)} cells, not {ncols}: paste a rectangle")
        for j, text in enumerate(r):
            cdt = dt.fields[fields[col0 + j]][0] if fields else dt
            try:
                type_name, fixed = _type_name(cdt)
                value = parse_value(text.strip(), type_name, shape=(), fixed_length=fixed)
            except H5GuiError as exc:
                raise BadRequestError(f"row {i + 1}, column {j + 1}: {exc}") from exc
            out[i, j] = value
    return out


def write_block(file: str, path: str, row0: int, col0: int, texts: Sequence[Sequence[str]], *,
                axes: tuple[int, int] | None = None, index: Sequence[int] = ()) -> ValueEdit:
    """Write typed cell texts into a rectangle of the table; returns how to undo and redo it."""
    values = parse_block(file, path, col0, texts)
    before = apply(BlockWrite(str(file), normalize_path(path), row0, col0, values, axes, tuple(index)))
    n = values.size
    what = "1 value" if n == 1 else f"{n:,} values"
    return ValueEdit(f"edit {what} of {path}", before,
                     BlockWrite(str(file), normalize_path(path), row0, col0, values, axes, tuple(index)))


def apply(w: BlockWrite) -> BlockWrite:
    """Write ``w`` (undo/redo); returns the values it replaced."""
    with files.open_file(w.file, write=True) as f:
        ds = links.open_object(f, w.path, w.file)
        if not isinstance(ds, h5py.Dataset):
            raise BadRequestError(f"{w.path} is not a dataset")
        fields = tuple(ds.dtype.names or ())
        nrows, ncols = w.values.shape
        sel, ra, ca = _selection(ds.shape or (), fields, w.axes, w.index, w.row0, nrows, w.col0, ncols, w.path)
        old = _read_block(ds, fields, sel, w.col0, ncols, ra, ca)
        try:
            _write_block(ds, fields, sel, w.col0, w.values, ra, ca)
        except (TypeError, ValueError, OSError) as exc:
            raise H5GuiError(f"Cannot write into {w.path}: {messages.hdf5_reason(str(exc))}") from exc
        f.flush()
    return BlockWrite(w.file, w.path, w.row0, w.col0, old, w.axes, w.index)
