"""``h5gui-cli attrs``: list an object's attributes, or edit them::

    h5gui-cli attrs FILE [PATH] [--json] [--allow-external]
    h5gui-cli attrs FILE PATH --set NAME=VALUE [--type T] [--fixed-length] --rename OLD NEW --delete NAME
    h5gui-cli attrs DEST_FILE DEST_PATH --copy-from SRC_FILE SRC_PATH [--name N ...] [--overwrite]

The file is opened for writing only for the edits. ``hdf5://`` domains are edited through the same HSDS
edits as the GUI's (:mod:`h5gui.core.hsds.twins`, routed by :mod:`h5gui.core.routes`). ``--copy-from`` is
the GUI's Copy and Paste of attributes (:func:`h5gui.core.attr_edits.paste`, or its HSDS twin when a domain
is involved): exact types and values, references refused outside their own file; a name the destination
already has is refused unless ``--overwrite`` (the GUI replaces it and offers Undo, the CLI has no undo).
An external link's attributes are its target's, read-only, as in the GUI; a target outside the file's
folder is read only with ``--allow-external``.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from h5gui.cli import output
from h5gui.cli.links import follow
from h5gui.cli.reader import read, run_routed


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``attrs`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "attrs", parents=[common],
        help="list an object's attributes; --set, --rename, --delete, --copy-from edit them",
        description="List the attributes of the object at PATH, or edit them. Values are typed as in the GUI: "
        "3, 0.5, 1e-3, true, 1+2j, [1, 2, 3], [[1,2],[3,4]], text or \"text\", [\"a\", \"b\"]. "
        "Edits run in this order: --copy-from, --set, --rename, --delete.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="object inside FILE (default /)")
    p.add_argument("--json", action="store_true", help="print the attributes as JSON (after any edits)")
    p.add_argument(
        "--allow-external", action="store_true",
        help="PATH (or --copy-from's SRC_PATH) is an external link to a file outside the file's folder: read "
        "its target's attributes anyway",
    )
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
    p.add_argument(
        "--copy-from", nargs=2, metavar=("SRC_FILE", "SRC_PATH"),
        help="paste the attributes of SRC_PATH in SRC_FILE onto PATH, with their exact types (a file or an "
        "hdf5:// domain, either side)",
    )
    p.add_argument("--name", metavar="NAME", action="append", default=[],
                   help="with --copy-from: paste only this attribute (repeatable; default: all of them)")
    p.add_argument("--overwrite", action="store_true",
                   help="with --copy-from: replace attributes PATH already has (refused otherwise)")
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


def _check_options(args: argparse.Namespace) -> None:
    from h5gui.core.errors import BadRequestError

    if not args.set and (args.type or args.fixed_length):
        raise BadRequestError("--type and --fixed-length go with --set NAME=VALUE")
    if not args.copy_from and (args.name or args.overwrite):
        raise BadRequestError("--name and --overwrite go with --copy-from SRC_FILE SRC_PATH")


def _routed(ref: Any, *args: Any, **kwargs: Any) -> Any:
    """``ref`` (a job the GUI names in :mod:`h5gui.core.api`) run here to its result, on its HSDS twin for a domain."""
    from h5gui.core import progress

    return progress.run(run_routed(ref, *args, **kwargs))


def _edit_domain(args: argparse.Namespace, say: Any) -> None:
    """--set, --rename, --delete on an ``hdf5://`` domain: the GUI's HSDS edits."""
    from h5gui.core import api

    file, path = args.file, args.path
    for name, value in _parse_sets(args.set):
        result = _routed(api.attrs.set_value, file, path, name, value, args.type,
                         fixed_length=True if args.fixed_length else None)
        a = next((a for a in result.attrs if a.name == name), None)
        say(f"set {name}" if a is None else f"set {a.name} = {a.value} ({a.dtype}, {a.shape_text})")
    for old, new in args.rename:
        _routed(api.attrs.rename, file, path, old, new)
        say(f"renamed {old} -> {new}")
    if args.delete:
        names = list(dict.fromkeys(args.delete))
        _routed(api.attrs.delete, file, path, names)
        for name in names:
            say(f"deleted {name}")


def _edit_file(args: argparse.Namespace, say: Any) -> None:
    """--set, --rename, --delete on a file."""
    from h5gui.core import attrs as core_attrs

    file, path = args.file, args.path
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


def link_target(file: str, path: str, allow_external: bool) -> tuple[str, str, str]:
    """``(file, path, where)`` of the object an external link at ``path`` leads to, decided as the GUI's
    Attributes tab decides (:meth:`h5gui.gui.controllers.inspector.Inspector._external_attrs`): a target
    outside the file's folder only with ``allow_external``. Raises when there is nothing to read."""
    from h5gui.core.errors import DanglingLinkError, ExternalLinkError, UnsafeAccessError
    from h5gui.core.kinds import Kind

    info = read("h5gui.core.nodes", "describe", file, path, allow_external=allow_external, subject=(file, path),
                operation="describing")
    where = f"{info.link_file}:{info.link_target}"
    if info.kind == Kind.DANGLING_LINK:
        raise DanglingLinkError(f"{info.path} in {file}: {info.error or 'dangling link'}")
    if info.kind != Kind.EXTERNAL_LINK:
        raise ExternalLinkError(f"{info.path} in {file} is not an external link")
    if info.needs_confirmation:
        raise UnsafeAccessError(
            f"{info.path} in {file} is an external link to {where}, outside the file's folder "
            f"({', '.join(info.outside_files)}): add --allow-external to read its attributes", info.outside_files)
    if not info.link_file_resolved or not info.object_kind:
        raise DanglingLinkError(f"{info.path} in {file}: {info.error or f'external link to {where}: its target is not there'}")
    return info.link_file_resolved, info.link_target, f"{where}, reached through the external link {info.path}"


def _through_link(fn: Any, file: str, path: str, allow_external: bool) -> tuple[Any, str]:
    """``fn(file, path)``; when ``path`` is an external link or goes through one: ``fn`` on the object it
    leads to, and a note saying so (:func:`h5gui.cli.links.follow` says it for a link on the way)."""
    from h5gui.core.errors import ExternalLinkError
    from h5gui.core.kinds import Kind
    from h5gui.core.routes import is_hsds

    try:
        return fn(file, path), ""
    except ExternalLinkError:
        if is_hsds(file):
            raise
        file, path, row = follow(file, path, allow_external)
        if row.kind != Kind.EXTERNAL_LINK:  # a link on the way, followed
            return fn(file, path), ""
        target_file, target_path, text = link_target(file, path, allow_external)
    return fn(target_file, target_path), text


def _paste(args: argparse.Namespace, say: Any) -> None:
    """--copy-from: the GUI's Copy (of SRC_PATH's attributes) then Paste (onto PATH)."""
    from h5gui.core import api
    from h5gui.core.errors import BadRequestError

    file, path = args.file, args.path
    src_file, src_path = args.copy_from
    wanted = list(dict.fromkeys(args.name)) or None
    values, text = _through_link(lambda f, p: _routed(api.attrs.get_attr_values, f, p, wanted),
                                 src_file, src_path, args.allow_external)
    if text:
        output.print_note(f"copying the attributes of {text}")
    if not values:
        raise BadRequestError(f"{src_path} in {src_file} has no attributes: nothing to paste")
    names = [v.name for v in values]
    taken = [v.name for v in _routed(api.attrs.get_attr_values, file, path, names, missing_ok=True)]
    if taken and not args.overwrite:
        raise BadRequestError(f"{path} in {file} already has {', '.join(taken)}: nothing pasted; "
                              "--overwrite replaces them")
    _routed(api.attrs.paste, [(file, path)], values)
    for name in names:
        say(f"{'replaced' if name in taken else 'pasted'} {name}")


def cmd_attrs(args: argparse.Namespace) -> int:
    from h5gui.core.routes import is_hsds

    file, path = args.file, args.path
    _check_options(args)
    edits = bool(args.set or args.rename or args.delete or args.copy_from)
    say = (lambda text: None) if args.json else output.print_line
    if args.copy_from:
        _paste(args, say)
    (_edit_domain if is_hsds(file) else _edit_file)(args, say)
    if edits and not args.json:
        return 0

    def listing(f: str, p: str) -> Any:
        return read("h5gui.core.attrs", "list_attrs", f, p, subject=(f, p), operation="listing attributes of")

    attrs, text = _through_link(listing, file, path, args.allow_external)
    if text:
        output.print_note(f"attributes of {text}: read-only here (edit them in that file)")
    if args.json:
        output.dump_json([attr_json(a) for a in attrs])
    else:
        output.print_table([attr_row(a) for a in attrs], caps=(32, 32, 16))
    return 0
