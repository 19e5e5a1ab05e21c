"""``h5gui-cli`` structure subcommands over :mod:`h5gui.core.structure`, :mod:`~h5gui.core.export`,
:mod:`~h5gui.core.search` and :mod:`~h5gui.core.snippets`::

    h5gui-cli mkgroup FILE PATH                      create a group (and its missing parents)
    h5gui-cli rm FILE PATH                           delete an object or link (says what space it freed)
    h5gui-cli mv FILE SRC DEST                       rename / move within a file (DEST ending in / : into it)
    h5gui-cli cp SRC_FILE SRC_PATH DEST_FILE DEST_PATH
                                                     copy recursively, within a file or between files
    h5gui-cli export FILE PATH OUT [--index I,J] [--levels auto|LO,HI] [--colormap NAME]
                                                     .npy .csv .tsv .png .tif .h5, or a folder of images
    h5gui-cli compact FILE [OUT]                     rewrite without unused space (in place unless OUT)
    h5gui-cli find FILE PATTERN [--attrs] [--glob|--regex] [--json]
                                                     names (and attributes) matching, as they are found
    h5gui-cli snippet FILE PATH [--torch]            Python that reads the dataset (h5py, or a PyTorch Dataset)

Edits open the file read-write (with HDF5 file locking) only for the command. Nothing is ever
overwritten: an existing destination is refused. Long commands show a progress line on stderr
(``-q`` for none); Ctrl-C removes what was partly written. ``find`` exits 1 when nothing matches.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from h5gui.commands import int_list, json_default
from h5gui.core.paths import normalize_path

NAMES = ("mkgroup", "rm", "mv", "cp", "export", "compact", "find", "snippet")


def add_parser(subparsers: Any, common: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add the structure subcommands to ``h5gui-cli``; returns the parser of the last one."""
    parents = [common] if common is not None else []

    p = subparsers.add_parser("mkgroup", parents=parents, help="create a group (and its missing parents)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="the new group, e.g. /results/run1")
    p.set_defaults(func=cmd_mkgroup)

    p = subparsers.add_parser(
        "rm", parents=parents, help="delete an object or link (a group with everything below it)",
        description="Delete the object or link at PATH. HDF5 files do not shrink: the command says how much "
        "space was freed inside the file; 'h5gui-cli compact FILE' gives it back.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_rm)

    p = subparsers.add_parser("mv", parents=parents, help="rename or move an object or link within a file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("src", metavar="SRC")
    p.add_argument("dest", metavar="DEST", help="the new path (ending in /: into that group, same name)")
    p.add_argument("-p", "--parents", action="store_true", help="create DEST's missing groups")
    p.set_defaults(func=cmd_mv)

    p = subparsers.add_parser(
        "cp", parents=parents, help="copy an object recursively, within a file or to another file",
        description="Copy the object at SRC_PATH (groups recursively, with attributes, chunks and filters; soft "
        "and external links stay links) to DEST_PATH in DEST_FILE (which may be SRC_FILE).",
    )
    p.add_argument("src_file", metavar="SRC_FILE")
    p.add_argument("src_path", metavar="SRC_PATH")
    p.add_argument("dest_file", metavar="DEST_FILE")
    p.add_argument("dest_path", metavar="DEST_PATH", help="the new path (ending in /: into that group, same name)")
    p.add_argument("-p", "--parents", action="store_true", help="create DEST_PATH's missing groups")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_cp)

    p = subparsers.add_parser(
        "export", parents=parents, help="export a dataset, a slice or a stack (format from OUT's extension)",
        description="Export the dataset at PATH (or the slice --index picks) to OUT: .npy; .csv, .tsv, .txt (1-D "
        "and 2-D); .png, .tif (a picture: raw values, or 8-bit with --levels/--colormap); .h5 (a group or "
        "dataset into a new HDF5 file); a folder name (no extension, or ending in /): every frame of a "
        "stack as a picture, named after the 'filenames' dataset beside it.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--index", metavar="I,J,..", default="", help="fix the leading axes (e.g. 5: frame 5 of a stack)")
    p.add_argument("--levels", metavar="auto|LO,HI",
                   help="pictures: map LO..HI (or auto: percentiles 0.5-99.5) to 8 bits (default: raw values)")
    p.add_argument("--colormap", metavar="NAME", help="pictures: colormap of an 8-bit grey picture "
                   "(grey, viridis, magma, inferno, plasma, cividis, turbo)")
    p.add_argument("--format", dest="image_format", choices=("png", "tif"), default="png",
                   help="picture format of a folder export (default png)")
    p.add_argument("--delimiter", metavar="D", help="CSV: the separator (default from the extension)")
    p.add_argument("--force", action="store_true", help="replace an existing OUT file")
    p.add_argument("--allow-external", action="store_true", help="also read data kept outside the file's folder")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "compact", parents=parents, help="rewrite a file without its unused space (in place unless OUT)",
        description="Rewrite FILE into a new file keeping every object, attribute, link, chunk shape and filter. "
        "Written as OUT.partial (FILE.partial) and renamed only when complete.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("out", metavar="OUT", nargs="?", help="write here instead of replacing FILE (must not exist)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_compact)

    p = subparsers.add_parser(
        "find", parents=parents, help="find objects by name (and attributes); prints them as they are found",
        description="Print the objects whose name contains PATTERN (--glob: matches shell wildcards, --regex: a "
        "regular expression), or whose path does when PATTERN holds a '/'. Case-insensitive unless "
        "--case-sensitive. Exit code 1 when nothing matches.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("pattern", metavar="PATTERN")
    p.add_argument("--attrs", action="store_true", help="also match attribute names and values")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--glob", dest="mode", action="store_const", const="glob", help="PATTERN is a glob")
    mode.add_argument("--regex", dest="mode", action="store_const", const="regex", help="PATTERN is a regex")
    p.add_argument("--path", default="/", metavar="GROUP", help="search below this group (default /)")
    p.add_argument("--case-sensitive", action="store_true")
    p.add_argument("--max", type=int, default=100_000, metavar="N", help="stop after N results (default 100,000)")
    p.add_argument("--json", action="store_true", help="print a JSON list of results at the end")
    p.set_defaults(func=cmd_find, mode="substring")

    p = subparsers.add_parser("snippet", parents=parents,
                              help="print Python that reads the dataset (h5py; --torch: a PyTorch Dataset)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--torch", action="store_true", help="a PyTorch Dataset class over the first axis")
    p.set_defaults(func=cmd_snippet)
    return p


# ---------------------------------------------------------------------------------------------
# helpers


def _drive(job: Any, quiet: bool) -> Any:
    """Run a core job with a progress line on stderr; the generator is closed whatever happens."""
    from h5gui.commands.import_images import ProgressLine
    from h5gui.commands.import_images import _drive as drive

    return drive(job, ProgressLine(sys.stderr, enabled=not quiet))


def _dump(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, default=json_default)
    sys.stdout.write("\n")


def _warn(warnings: Any) -> None:
    for w in warnings:
        sys.stderr.write(f"h5gui-cli: warning: {w}\n")


def _levels(text: str | None) -> Any:
    from h5gui.core.errors import BadRequestError

    if text is None:
        return None
    if text.strip().lower() == "auto":
        return "auto"
    try:
        lo, hi = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise BadRequestError(f"--levels takes 'auto' or LOW,HIGH (like 0,4095), not {text!r}") from None
    return (lo, hi)


# ---------------------------------------------------------------------------------------------
# commands


def cmd_mkgroup(args: argparse.Namespace) -> int:
    from h5gui.core import structure

    row = structure.create_group(args.file, args.path, parents=True)
    print(f"created group {row.path} in {args.file}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    from h5gui.core import structure

    report = structure.delete(args.file, args.path)
    if args.json:
        _dump({**dataclasses.asdict(report), "text": report.text})
        return 0
    print(report.text + (f" ('h5gui-cli compact {args.file}')" if report.freed else ""))
    return 0


def cmd_mv(args: argparse.Namespace) -> int:
    from h5gui.core import structure

    row = structure.move(args.file, args.src, args.dest, parents=args.parents)
    print(f"moved {normalize_path(args.src)} to {row.path} in {args.file}")
    return 0


def cmd_cp(args: argparse.Namespace) -> int:
    from h5gui.core import structure
    from h5gui.core.text import format_bytes

    report = _drive(structure.copy(args.src_file, args.src_path, args.dest_file, args.dest_path,
                                   parents=args.parents), args.quiet)
    _warn(report.warnings)
    if report.cleared_refs:
        _warn([f"{report.cleared_refs} reference(s) to objects that were not copied were cleared"])
    if args.json:
        _dump(dataclasses.asdict(report))
        return 0
    print(f"copied {report.src_path} to {report.dest_file}:{report.dest_path} ({report.objects:,} object(s), "
          f"{report.links:,} link(s), {format_bytes(report.nbytes)})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from h5gui.core import export
    from h5gui.core.text import shape_text

    job = export.export(args.file, args.path, args.out, index=int_list(args.index, "--index"),
                        levels=_levels(args.levels), colormap=args.colormap, delimiter=args.delimiter,
                        image_format=args.image_format, overwrite=args.force, allow_external=args.allow_external)
    report = _drive(job, args.quiet)
    if args.json:
        _dump(dataclasses.asdict(report))
        return 0
    what = f"{report.count:,} file(s)" if report.format == "folder" else report.format
    text = f"wrote {report.out}: {what}"
    if report.shape:
        text += f", {shape_text(report.shape)}"
    if report.dtype:
        text += f" {report.dtype}"
    if report.note:
        text += f" ({report.note})"
    print(text)
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from h5gui.core import structure
    from h5gui.core.text import format_bytes

    report = _drive(structure.compact(args.file, args.out), args.quiet)
    _warn(report.warnings)
    if args.json:
        _dump(dataclasses.asdict(report))
        return 0
    print(f"compacted {report.file} -> {report.out}: {format_bytes(report.size_before)} -> "
          f"{format_bytes(report.size_after)} ({report.objects:,} objects)")
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    from h5gui.core import progress, search
    from h5gui.core.progress import Progress

    job = search.search(args.file, args.pattern, mode=args.mode, attrs=args.attrs, path=args.path,
                        case_sensitive=args.case_sensitive, max_hits=max(1, args.max))
    out = sys.stdout

    def show(p: Progress) -> None:
        if isinstance(p, search.SearchBatch) and not args.json:
            for hit in p.hits:
                out.write(hit.text + "\n")
            if p.hits:
                out.flush()  # stream: results show as they are found

    report = progress.run(job, show)
    if args.json:
        _dump([dataclasses.asdict(h) for h in report.hits])
    if report.truncated:
        sys.stderr.write(f"h5gui-cli: stopped after {len(report.hits):,} results (--max)\n")
    return 0 if report.hits else 1


def cmd_snippet(args: argparse.Namespace) -> int:
    from h5gui.core import snippets

    sys.stdout.write(snippets.snippet(args.file, args.path, torch=args.torch))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the subcommand chosen by ``args`` (each parser sets its own ``func``)."""
    return int(args.func(args))
