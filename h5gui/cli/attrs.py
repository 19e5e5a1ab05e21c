"""``h5gui-cli attrs``: list an object's attributes, or edit them::

    h5gui-cli attrs FILE [PATH] [--json]
    h5gui-cli attrs FILE PATH --set NAME=VALUE [--type T] [--fixed-length] --rename OLD NEW --delete NAME

The file is opened for writing only for the edits.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from h5gui.cli import output
from h5gui.cli.reader import read


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``attrs`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "attrs", parents=[common],
        help="list an object's attributes; --set, --rename, --delete edit them",
        description="List the attributes of the object at PATH, or edit them. Values are typed as in the GUI: "
        "3, 0.5, 1e-3, true, 1+2j, [1, 2, 3], [[1,2],[3,4]], text or \"text\", [\"a\", \"b\"]. "
        "Edits run in this order: --set, --rename, --delete.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="object inside FILE (default /)")
    p.add_argument("--json", action="store_true", help="print the attributes as JSON (after any edits)")
    p.add_argument(
        "--set", metavar="NAME=VALUE", action="append", default=[],
        help="set an attribute (repeatable); an existing one keeps its type unless --type is given",
    )
    p.add_argument(
        "--type", metavar="TYPE",
        help="type of the --set values: string, int8..int64, uint8..uint64, float16, float32, float64, bool, "
        "complex64, complex128 (default: keep an existing attribute's type; string for a new one)",
    )
    p.add_argument("--fixed-length", action="store_true", help="with --set: store strings as fixed-length")
    p.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), action="append", default=[],
                   help="rename an attribute (repeatable)")
    p.add_argument("--delete", metavar="NAME", action="append", default=[], help="delete an attribute (repeatable)")
    p.set_defaults(func=cmd_attrs)


def attr_json(a: Any) -> dict[str, Any]:
    """An attribute as ``attrs --json`` prints it."""
    d = dataclasses.asdict(a)
    d["shape"] = list(a.shape) if a.shape is not None else None
    d["shape_text"] = a.shape_text
    return d


def attr_row(a: Any) -> tuple[str, str, str, str]:
    """Name, type, shape and value (or the reason it cannot be read): one row of the listing."""
    value = f"(error: {a.error})" if a.error else a.value
    return a.name, a.dtype, a.shape_text, value


def _parse_sets(items: list[str]) -> list[tuple[str, str]]:
    from h5gui.core.errors import BadRequestError

    sets = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise BadRequestError(f"--set needs NAME=VALUE, not {item!r}")
        sets.append((name, value))
    return sets


def cmd_attrs(args: argparse.Namespace) -> int:
    from h5gui.core import attrs as core_attrs
    from h5gui.core.errors import BadRequestError

    file, path = args.file, args.path
    edits = bool(args.set or args.rename or args.delete)
    if not args.set and (args.type or args.fixed_length):
        raise BadRequestError("--type and --fixed-length go with --set NAME=VALUE")
    say = (lambda text: None) if args.json else output.print_line
    for name, value in _parse_sets(args.set):
        a = core_attrs.set_attr(file, path, name, value, args.type, fixed_length=True if args.fixed_length else None)
        say(f"set {a.name} = {a.value} ({a.dtype}, {a.shape_text})")
    for old, new in args.rename:
        core_attrs.rename_attr(file, path, old, new)
        say(f"renamed {old} -> {new}")
    if args.delete:
        core_attrs.delete_attrs(file, path, args.delete)
        for name in dict.fromkeys(args.delete):
            say(f"deleted {name}")
    if edits and not args.json:
        return 0
    listing = read("h5gui.core.attrs", "list_attrs", file, path, subject=(file, path),
                   operation="listing attributes of")
    if args.json:
        output.dump_json([attr_json(a) for a in listing])
    else:
        output.print_table([attr_row(a) for a in listing], caps=(32, 32, 16))
    return 0
