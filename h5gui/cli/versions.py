"""``h5gui-cli versions [--json]``: h5gui's version and those of the libraries it uses (for bug reports)."""

from __future__ import annotations

import argparse
from typing import Any

from h5gui.cli import output


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``versions`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser("versions", parents=[common],
                              help="print the versions of h5gui, Python, numpy, h5py, HDF5, Pillow, hdf5plugin")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=cmd_versions)


def cmd_versions(args: argparse.Namespace) -> int:
    from h5gui.core.versions import as_text, versions

    found = versions()
    if args.json:
        output.dump_json(found)
    else:
        for line in as_text(found).splitlines():
            output.print_line(line)
    return 0
