"""``h5gui-cli`` structure edits over :mod:`h5gui.core.structure`::

    h5gui-cli mkgroup FILE PATH                      create a group (and its missing parents)
    h5gui-cli rm FILE PATH                           delete an object or link (says what space it freed)
    h5gui-cli mv FILE SRC DEST                       rename / move within a file (DEST ending in / : into it)
                                                     (mkgroup, rm and mv also edit hdf5:// HSDS domains)
    h5gui-cli cp SRC_FILE SRC_PATH DEST_FILE DEST_PATH
                                                     copy recursively, within a file or between files
    h5gui-cli compact FILE [OUT]                     rewrite without unused space (in place unless OUT)

Edits open the file read-write (with HDF5 file locking) only for the command. Nothing is ever
overwritten: an existing destination is refused. Long commands show a progress line on stderr
(``-q`` for none); Ctrl-C removes what was partly written.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from h5gui.cli import output
from h5gui.core.paths import normalize_path


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``mkgroup``, ``rm``, ``mv``, ``cp`` and ``compact`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser("mkgroup", parents=[common], help="create a group (and its missing parents)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="the new group, e.g. /results/run1")
    p.set_defaults(func=cmd_mkgroup)

    p = subparsers.add_parser(
        "rm", parents=[common], help="delete an object or link (a group with everything below it)",
        description="Delete the object or link at PATH. HDF5 files do not shrink: the command says how much "
        "space was freed inside the file; 'h5gui-cli compact FILE' gives it back.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    _report_options(p, progress=False)
    p.set_defaults(func=cmd_rm)

    p = subparsers.add_parser("mv", parents=[common], help="rename or move an object or link within a file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("src", metavar="SRC")
    p.add_argument("dest", metavar="DEST", help="the new path (ending in /: into that group, same name)")
    p.add_argument("-p", "--parents", action="store_true", help="create DEST's missing groups")
    p.set_defaults(func=cmd_mv)

    p = subparsers.add_parser(
        "cp", parents=[common], help="copy an object recursively, within a file or to another file",
        description="Copy the object at SRC_PATH (groups recursively, with attributes, chunks and filters; soft "
        "and external links stay links) to DEST_PATH in DEST_FILE (which may be SRC_FILE).",
    )
    p.add_argument("src_file", metavar="SRC_FILE")
    p.add_argument("src_path", metavar="SRC_PATH")
    p.add_argument("dest_file", metavar="DEST_FILE")
    p.add_argument("dest_path", metavar="DEST_PATH", help="the new path (ending in /: into that group, same name)")
    p.add_argument("-p", "--parents", action="store_true", help="create DEST_PATH's missing groups")
    _report_options(p)
    p.set_defaults(func=cmd_cp)

    p = subparsers.add_parser(
        "compact", parents=[common], help="rewrite a file without its unused space (in place unless OUT)",
        description="Rewrite FILE into a new file keeping every object, attribute, link, chunk shape and filter. "
        "Written as OUT.partial (FILE.partial) and renamed only when complete.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("out", metavar="OUT", nargs="?", help="write here instead of replacing FILE (must not exist)")
    _report_options(p)
    p.set_defaults(func=cmd_compact)


def _report_options(p: argparse.ArgumentParser, progress: bool = True) -> None:
    if progress:
        p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _warn(warnings: Any) -> None:
    for w in warnings:
        output.print_warning(w)


def cmd_mkgroup(args: argparse.Namespace) -> int:
    structure = _core(args.file)
    row = structure.create_group(args.file, args.path, parents=True)
    output.print_line(f"created group {row.path} in {args.file}")
    return 0


def _core(file: str) -> Any:
    """The core that edits ``file``: :mod:`h5gui.core.structure`, or its HSDS twin for ``hdf5://``."""
    if str(file).startswith("hdf5://"):
        from h5gui.core.hsds import structure as hsds_structure

        return hsds_structure
    from h5gui.core import structure

    return structure


def cmd_rm(args: argparse.Namespace) -> int:
    structure = _core(args.file)
    report = structure.delete(args.file, args.path)
    if args.json:
        output.dump_json({**dataclasses.asdict(report), "text": report.text})
        return 0
    output.print_line(report.text + (f" ('{output.PROG} compact {args.file}')" if report.freed else ""))
    return 0


def cmd_mv(args: argparse.Namespace) -> int:
    structure = _core(args.file)
    row = structure.move(args.file, args.src, args.dest, parents=args.parents)
    output.print_line(f"moved {normalize_path(args.src)} to {row.path} in {args.file}")
    return 0


def cmd_cp(args: argparse.Namespace) -> int:
    from h5gui.core import structure
    from h5gui.core.text import format_bytes

    report = output.drive(structure.copy(args.src_file, args.src_path, args.dest_file, args.dest_path,
                                         parents=args.parents), args.quiet)
    _warn(report.warnings)
    if report.cleared_refs:
        output.print_warning(f"{report.cleared_refs} reference(s) to objects that were not copied were cleared")
    if args.json:
        output.dump_json(dataclasses.asdict(report))
        return 0
    output.print_line(f"copied {report.src_path} to {report.dest_file}:{report.dest_path} ({report.objects:,} "
                      f"object(s), {report.links:,} link(s), {format_bytes(report.nbytes)})")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from h5gui.core import structure
    from h5gui.core.text import format_bytes

    report = output.drive(structure.compact(args.file, args.out), args.quiet)
    _warn(report.warnings)
    if args.json:
        output.dump_json(dataclasses.asdict(report))
        return 0
    output.print_line(f"compacted {report.file} -> {report.out}: {format_bytes(report.size_before)} -> "
                      f"{format_bytes(report.size_after)} ({report.objects:,} objects)")
    return 0
