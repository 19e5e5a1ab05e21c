"""``h5gui-cli`` for files that interrupted writes left behind::

    h5gui-cli clean FILE [--remove]          list (or remove) leftovers of interrupted h5gui writes
    h5gui-cli clear-mark FILE [--force]      clear the "open for writing" mark a crashed writer left

A file that a crashed program left marked "open for writing" (superblock v3) is refused by every
reader, h5gui included; ``--read-past-mark`` on any read command reads it anyway without changing it.
"""

from __future__ import annotations

import argparse
from typing import Any

from h5gui.cli import output


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``clean`` and ``clear-mark`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "clean", parents=[common], help="list (or --remove) leftovers of interrupted h5gui writes in a file",
        description="Objects that an interrupted import, transform or structure edit left under a temporary "
        "name (/.h5gui-...) are listed with their size; --remove deletes them (the file does not shrink: "
        "'h5gui-cli compact FILE' gives the space back). Exit code 1 when there are none.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--remove", action="store_true", help="delete the leftovers listed")
    p.set_defaults(func=cmd_clean)
    p = subparsers.add_parser(
        "clear-mark", parents=[common], help="clear the 'open for writing' mark a crashed writer left (h5clear -s)",
        description="HDF5 marks a superblock-v3 file (libver='latest', SWMR files) 'open for writing' while a "
        "program writes it, and every reader refuses it until the mark is cleared. Clear it only when no "
        "program is writing the file: a half-written file may then show damage. Refused while a program holds "
        "the file; a SWMR-write mark needs --force (a live SWMR writer holds no lock).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="clear a SWMR-write mark too")
    p.set_defaults(func=cmd_clear_mark)


def cmd_clean(args: argparse.Namespace) -> int:
    from h5gui.core import maintenance
    from h5gui.core.text import format_bytes

    scan = maintenance.find_leftovers(args.file)
    if not scan.items:
        output.print_line(f"no leftovers of interrupted writes in {args.file}"
                          + ("" if scan.complete else " (not every object was checked)"))
        return 1
    output.print_table([(i.path, i.kind, format_bytes(i.nbytes)) for i in scan.items])
    if args.remove:
        n = maintenance.remove_leftovers(args.file, [i.path for i in scan.items])
        output.print_line(f"removed {n} leftover(s), {format_bytes(scan.nbytes)}; "
                          f"'h5gui-cli compact {args.file}' gives the space back")
    return 0


def cmd_clear_mark(args: argparse.Namespace) -> int:
    from h5gui.core.ioproc import FuncRef

    cleared = FuncRef("h5gui.core.h5.files", "clear_mark")(args.file, force=args.force)
    output.print_line(f"cleared the 'open for writing' mark of {args.file}" if cleared
                      else f"{args.file} has no 'open for writing' mark")
    return 0
