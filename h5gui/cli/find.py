"""``h5gui-cli find FILE PATTERN [--attrs] [--glob|--regex] [--json]``: the objects whose names (and
attributes) match, printed as they are found (:mod:`h5gui.core.search`). Exits 1 when nothing matches.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from h5gui.cli import output
from h5gui.cli.reader import read


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``find`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "find", parents=[common], help="find objects by name (and attributes); prints them as they are found",
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


def cmd_find(args: argparse.Namespace) -> int:
    from h5gui.core import search
    from h5gui.core.progress import Progress

    out = sys.stdout
    shown: set[search.SearchHit] = set()

    def show(p: Progress) -> None:
        if isinstance(p, search.SearchBatch) and not args.json:
            for hit in p.hits:
                output.print_line(hit.text, out)
                shown.add(hit)
            if p.hits:
                out.flush()  # stream: results show as they are found

    report = read("h5gui.core.search", "search", args.file, args.pattern, mode=args.mode, attrs=args.attrs,
                  path=args.path, case_sensitive=args.case_sensitive, max_hits=max(1, args.max), on_progress=show,
                  subject=(args.file, args.path), operation="searching")
    if args.json:
        output.dump_json([dataclasses.asdict(h) for h in report.hits])
    else:  # the reader process passes on a batch at most every 0.2 s: print those of the skipped ones
        for hit in report.hits:
            if hit not in shown:
                output.print_line(hit.text, out)
    if report.truncated:
        sys.stderr.write(f"{output.PROG}: stopped after {len(report.hits):,} results (--max)\n")
    return 0 if report.hits else 1

