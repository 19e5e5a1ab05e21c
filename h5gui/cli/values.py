"""``h5gui-cli setvalue``: type values into a dataset, as the table view's editor does::

    h5gui-cli setvalue FILE PATH --index I,J,.. VALUE [VALUE ..] [--field NAME]

``--index`` names one element (one integer per axis); several values go on along the table's row (the
last axis; down the column of 1-D data; the next fields of compound data). Each value is read as the
table reads a typed cell (the dataset's type; a number that does not fit is refused, naming the cell),
written through the same journaled write path (:func:`h5gui.core.values.write_block`), and the command
says what it replaced. A value that looks like an option (``-2e3``) goes after ``--``.
"""

from __future__ import annotations

import argparse
from typing import Any

from h5gui.cli import output
from h5gui.cli.reader import refuse_unrouted, run_routed


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``setvalue`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "setvalue", parents=[common], help="set one element of a dataset, or a run of them along a row",
        description="Write VALUE at the element --index I,J,.. of the dataset PATH; more values fill the next "
        "elements of that row (the last axis; 1-D data: the next elements; compound data: the next fields). "
        "Values are typed as in the GUI's table editor (after '--' when one starts with '-', e.g. -- -2e3).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    p.add_argument("values", metavar="VALUE", nargs="+", help="the value(s), as typed into the table")
    p.add_argument("--index", metavar="I,J,..", required=True, help="the element: one integer per axis")
    p.add_argument("--field", metavar="NAME", help="compound data: the field of the first value (default: the first)")
    p.set_defaults(func=cmd_setvalue)


def cell_of(shape: tuple[int, ...], fields: tuple[str, ...], index: tuple[int, ...], field: str | None,
            path: str) -> tuple[int, int, tuple[int, ...]]:
    """``(row, column, index)`` of the table cell showing the element ``index`` (the table's default axes)."""
    from h5gui.core.errors import BadRequestError

    if not shape:
        raise BadRequestError(f"{path} is a scalar: the table editor edits arrays only")
    if len(index) != len(shape):
        raise BadRequestError(f"{path} has {len(shape)} axes ({' x '.join(map(str, shape))}): "
                              f"--index needs {len(shape)} integers, not {len(index)}")
    for ax, (i, n) in enumerate(zip(index, shape, strict=True)):
        if not 0 <= i < n:
            raise BadRequestError(f"index {i} is outside axis {ax} of {path} (0..{n - 1})")
    if fields:
        if field is not None and field not in fields:
            raise BadRequestError(f"{path} has no field {field!r} (it has {', '.join(fields[:8])})")
        return index[0], fields.index(field) if field else 0, index
    if field is not None:
        raise BadRequestError(f"{path} has no fields: drop --field")
    if len(shape) == 1:
        return index[0], 0, index
    return index[-2], index[-1], index


def cmd_setvalue(args: argparse.Namespace) -> int:
    from h5gui.core import api
    from h5gui.core.parsing import parse_ints
    from h5gui.core.paths import normalize_path

    refuse_unrouted(api.values.write_block, args.file)
    index = parse_ints(args.index, "--index")
    info = run_routed(api.preview.preview_info, args.file, args.path)
    shape, fields = tuple(info.shape or ()), tuple(info.fields)
    row0, col0, index = cell_of(shape, fields, index, args.field, args.path)
    one_row = bool(fields) or len(shape) > 1
    texts = [list(args.values)] if one_row else [[v] for v in args.values]
    edit = run_routed(api.values.write_block, args.file, args.path, row0, col0, texts, index=index)
    old = edit.undo.values.ravel().tolist()
    where = f"{normalize_path(args.path)}[{', '.join(map(str, index))}]"
    if len(old) == 1:
        output.print_line(f"set {where} = {args.values[0]} in {args.file} (was {old[0]})")
    else:
        output.print_line(f"set {len(old)} values of {where} onwards in {args.file} (were {', '.join(map(str, old))})")
    return 0
