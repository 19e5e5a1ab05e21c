"""``h5gui-cli demo [OUT]``: write the demo file and print its path."""

from __future__ import annotations

import argparse
from typing import Any

from h5gui.cli import output


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``demo`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser("demo", parents=[common], help="write the demo file and print its path")
    p.add_argument("out", metavar="OUT", nargs="?", help="file or folder to write (default: the user's data folder)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from h5gui.core import demo

    output.print_line(demo.make_demo(demo.demo_target(args.out)))
    return 0
