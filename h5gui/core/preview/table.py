"""The table view: blocks of formatted cells (:func:`read_table`), refused beyond a cell and a byte
budget so that a large dataset is never read whole. The table's size is :func:`table_shape`
(:mod:`~h5gui.core.preview.axes`, no file access).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from h5gui.core.errors import BadRequestError
from h5gui.core.h5.datasets import check_filters, dataset_at, dataset_dtype, read_fields, read_selection
from h5gui.core.preview.axes import default_table_axes, element_count, full_index, table_layout
from h5gui.core.preview.cells import format_column, formatter
from h5gui.core.preview.choose import default_axes
from h5gui.core.preview.common import field_types, kind_of
from h5gui.core.preview.records import MAX_TABLE_BYTES, MAX_TABLE_CELLS, TableBlock
from h5gui.core.text import format_bytes


def read_table(
    file: str, path: str, row0: int, nrows: int, col0: int, ncols: int, *,
    axes: tuple[int, int] | None = None, index: tuple[int, ...] = (), allow_external: bool = False,
) -> TableBlock:
    """A block of the table view: rows ``row0 .. row0+nrows`` and columns ``col0 .. col0+ncols``
    (clipped to the table), formatted as text.

    1-D: one column (or one per compound field); 2-D: rows x cols; N-D: ``axes`` = (row axis, col
    axis), the other axes fixed by ``index`` (one entry per dataset axis); scalar: 1 x 1.
    Strings are decoded (utf-8, invalid bytes replaced), enums shown by name, object references as
    the target's path, region references as ``/path[r0:r1, c0:c1] (region)``, opaque bytes in hex,
    floats with ``%.6g``.

    Raises
    ------
    BadRequestError
        A block of more than :data:`MAX_TABLE_CELLS` cells (or :data:`MAX_TABLE_BYTES`), bad axes.
    """
    file = str(file)
    if nrows < 0 or ncols < 0 or row0 < 0 or col0 < 0:
        raise BadRequestError(f"bad table block ({row0}, {nrows}, {col0}, {ncols}) of {path}")
    with dataset_at(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        shape = ds.shape
        fields = tuple(dt.names) if dt.names is not None else ()
        defaults = None
        if shape and len(shape) >= 2 and not fields:
            defaults = default_table_axes(shape, fields, default_axes(ds, shape, kind_of(dt))[0])
        n_rows, n_cols, ra, ca = table_layout(shape, bool(fields), len(fields), defaults, axes, path)
        if shape is None or element_count(shape) == 0:
            return TableBlock(row0, col0, (), (), 0, 0)
        nrows = max(0, min(nrows, n_rows - row0))
        ncols = max(0, min(ncols, n_cols - col0))
        if nrows * ncols > MAX_TABLE_CELLS:
            raise BadRequestError(
                f"table block of {nrows:,} x {ncols:,} cells of {path} is too large (at most {MAX_TABLE_CELLS:,})"
            )
        columns: tuple[str, ...]
        if fields:
            columns = fields[col0 : col0 + ncols]
            types = field_types(dt)
            cell_bytes = sum(types[n].itemsize for n in columns)
            block_bytes = nrows * cell_bytes
        else:
            columns = ("value",) if len(shape) <= 1 else tuple(str(c) for c in range(col0, col0 + ncols))
            block_bytes = nrows * ncols * dt.itemsize
        if block_bytes > MAX_TABLE_BYTES:
            raise BadRequestError(
                f"table block of {path} would read {format_bytes(block_bytes)} (at most {format_bytes(MAX_TABLE_BYTES)})"
            )
        if nrows == 0 or ncols == 0:
            return TableBlock(row0, col0, (), columns, n_rows, n_cols)
        check_filters(ds, path)
        free = [a for a in (ra, ca) if a is not None]
        idx = full_index(index, shape, free, path)
        sel: tuple[Any, ...] = ()
        if shape:
            parts: list[Any] = []
            for axis in range(len(shape)):
                if axis == ra:
                    parts.append(slice(row0, row0 + nrows))
                elif axis == ca:
                    parts.append(slice(col0, col0 + ncols))
                else:
                    parts.append(idx[axis])
            sel = tuple(parts)
        if not shape and not fields:
            value = read_selection(ds, (), path)
            if dt.kind == "V" and dt.names is None:
                value = np.asarray(value)
            return TableBlock(row0, col0, ((formatter(dt, ds)(value),),), columns, n_rows, n_cols)
        if fields:
            records = read_fields(ds, columns, sel, path).reshape(-1)
            # by position: numpy may name an empty member name (a damaged type) f<i> in what it reads
            names = records.dtype.names or ()
            cols = [format_column(records[names[i]], types[name], ds) for i, name in enumerate(columns)]
            cells = tuple(zip(*cols, strict=True))
        else:
            raw = np.asarray(read_selection(ds, sel, path))
            if len(shape) == 1:
                raw = raw.reshape(-1, 1) if dt.subdtype is None else raw.reshape((-1, 1) + dt.subdtype[1])
            elif ra is not None and ca is not None and ra > ca:
                raw = np.swapaxes(raw, 0, 1)
            n_r, n_c = raw.shape[0], raw.shape[1]
            if dt.subdtype is None:
                flat = format_column(raw.reshape(-1), dt, ds)
            else:
                flat = format_column(raw.reshape((-1,) + dt.subdtype[1]), dt, ds)
            cells = tuple(tuple(flat[r * n_c : (r + 1) * n_c]) for r in range(n_r))
        return TableBlock(row0, col0, cells, columns, n_rows, n_cols)
