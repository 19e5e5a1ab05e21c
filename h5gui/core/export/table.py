"""Export to text tables: ``.csv`` (``.tsv``: tabs, ``.txt``: blanks) of 1-D and 2-D data, a header row
for compound fields, numbers in their shortest exact form."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError
from h5gui.core.export.common import Opener, check_room, source, target, writing
from h5gui.core.export.records import BLOCK_BYTES, ExportReport
from h5gui.core.h5.datasets import dataset_dtype, read_selection
from h5gui.core.paths import normalize_path
from h5gui.core.preview.common import kind_of
from h5gui.core.preview.records import BOOL, COMPLEX, COMPOUND, ENUM, NUMERIC, STRING
from h5gui.core.progress import Job, Progress
from h5gui.core.text import shape_text

TEXT_VALUES = 1 << 17  # values turned into text at a time (a block read is 32 MiB; as text, ~30x that)


def _delimiter(out: str, delimiter: str | None) -> str:
    if delimiter is not None:
        if len(delimiter) != 1 or delimiter in "\"\r\n":
            raise BadRequestError(f"the delimiter must be one character (not a quote or a line break), not {delimiter!r}")
        return delimiter
    ext = os.path.splitext(out)[1].lower()
    return {".tsv": "\t", ".txt": " "}.get(ext, ",")


def _cells(block: np.ndarray) -> np.ndarray:
    """Texts of a numeric block: shortest round-trip forms, booleans as 1/0."""
    if block.dtype.kind == "b":
        return block.astype(np.uint8).astype(str)
    if block.dtype.kind == "V":
        raise BadRequestError("opaque data cannot be written as text")
    return block.astype(str)


def export_table(file: str, path: str, out: str, *, index: Sequence[int] = (), delimiter: str | None = None,
                 overwrite: bool = False, allow_external: bool = False,
                 opener: Opener | None = None) -> Job[ExportReport]:
    """Job: 1-D or 2-D ``ds[index]`` as CSV (``.tsv``: tabs, ``.txt``: blanks), one row per line.

    Numbers in their shortest exact form, booleans as 1/0, strings quoted where needed; a 1-D
    compound dataset gives one column per field under a header row.
    """
    file = str(file)
    path = normalize_path(path)
    final, partial = target(out, overwrite)
    delim = _delimiter(final, delimiter)
    with source(file, path, index, allow_external, opener) as src:
        ds, idx, shape, where = src.ds, src.index, src.shape, src.where
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        if len(shape) not in (1, 2) or (kind == COMPOUND and len(shape) != 1):
            what = "1-D compound data" if kind == COMPOUND else "1-D or 2-D data"
            raise BadRequestError(f"{where} has shape {shape_text(shape)}: CSV takes {what}; "
                                  "give --index to pick a slice, or export .npy")
        if kind not in (NUMERIC, BOOL, COMPLEX, ENUM, STRING, COMPOUND):
            raise BadRequestError(f"{where} holds {describe_dtype(dt)}: it cannot be written as text")
        n = shape[0]
        width = shape[1] if len(shape) == 2 else 1
        check_room(src, 2.0 * n * width, final)  # at least a digit and a separator per value
        step = max(1, BLOCK_BYTES // max(1, width * max(dt.itemsize, 8)))
        with writing(final, partial, overwrite), open(partial, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, delimiter=delim, lineterminator="\n")
            if kind == COMPOUND:
                writer.writerow(dt.names or ())
            for a in range(0, n, step):
                b = min(n, a + step)
                block = read_selection(ds, idx + (slice(a, b),), path)
                if kind in (STRING, COMPOUND):
                    writer.writerows(_text_rows(block, kind))
                else:
                    rows = np.asarray(block).reshape(b - a, width)
                    per_text = max(1, TEXT_VALUES // max(1, width))  # as text a value takes ~30x its bytes
                    for r in range(0, b - a, per_text):
                        cells = _cells(rows[r:r + per_text])
                        if delim in (",", "\t", " ") and not np.iscomplexobj(block):
                            fh.write("".join(delim.join(c) + "\n" for c in cells.tolist()))
                        else:
                            writer.writerows(cells.tolist())
                yield Progress(b, n, "rows", f"exporting {where}")
        return ExportReport(file, path, final, "csv", shape, str(dt), 1, os.path.getsize(final))


def _csv_cell(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, np.ndarray):
        return " ".join(_csv_cell(x) for x in v.reshape(-1))
    return str(v)


def _column_texts(col: np.ndarray) -> list[str]:
    """Texts of one field of a block of records: numbers as the numeric CSV writes them (a column at a
    time, not a record at a time: ~10x faster), anything else cell by cell."""
    if col.ndim == 1 and col.dtype.kind in "biuf":
        return _cells(col).tolist()
    if col.ndim == 1 and col.dtype.kind == "S":
        return [v.decode("utf-8", "replace") for v in col.tolist()]
    return [_csv_cell(v) for v in col]


def _text_rows(block: np.ndarray, kind: str) -> Iterator[list[str]]:
    if kind == COMPOUND:
        columns = [_column_texts(block[name]) for name in block.dtype.names or ()]
        yield from (list(row) for row in zip(*columns, strict=True))
        return
    arr = np.asarray(block, dtype=object)
    if arr.ndim == 1:
        for v in arr:
            yield [_csv_cell(v)]
    else:
        for r in arr:
            yield [_csv_cell(v) for v in r]

