"""``h5gui-cli samples``: a page of thumbnails of an image stack or of encoded images, with their
indices and labels, written as one contact sheet::

    h5gui-cli samples FILE PATH [--n 16] [--in-order [--start I] | --seed S] [--size PX]
                      [--labels PATH | --no-labels] --out grid.png [--json]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from h5gui.cli import output


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``samples`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "samples", parents=[common], help="a contact sheet of N samples of an image stack, with indices and labels",
        description="Draw N samples of PATH (a stack of pictures (N, H, W[, C]) or encoded images) as thumbnails "
        "with their index and label or class name (labels: a 'labels' dataset beside PATH, y_* beside x_*, "
        "class names from 'class_names'), random with a seed or in order, into one PNG: the quickest way to see "
        "that a dataset is what it should be. Also lists the samples on stdout.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="stack of pictures or of encoded images")
    p.add_argument("--n", type=int, default=16, metavar="N", help="samples on the page (default 16)")
    p.add_argument("--in-order", action="store_true", help="samples START, START+1, ... (default: random)")
    p.add_argument("--start", type=int, default=0, metavar="I", help="first sample with --in-order (default 0)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random page: the same seed, the same page")
    p.add_argument("--size", type=int, default=96, metavar="PX", help="thumbnail size in pixels (default 96)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--labels", metavar="PATH", help="the labels dataset (default: found by convention)")
    g.add_argument("--no-labels", action="store_true", help="no labels")
    p.add_argument("--columns", type=int, default=0, metavar="C", help="columns of the sheet (default: square)")
    p.add_argument("--out", metavar="OUT.png", help="write the contact sheet")
    p.add_argument("--json", action="store_true", help="list the samples as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--allow-external", action="store_true", help="also read data kept outside the file's folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``h5gui-cli samples``; return the exit code."""
    from h5gui.core import samples
    from h5gui.core.errors import BadRequestError
    from h5gui.core.export.shown import save_png

    if args.out and os.path.splitext(args.out)[1].lower() != ".png":
        raise BadRequestError(f"--out must end in .png, not {args.out!r}")
    spec = samples.SampleSpec(args.file, args.path, n=args.n, order="in-order" if args.in_order else "random",
                              seed=args.seed, start=args.start, size=args.size,
                              labels="" if args.no_labels else args.labels, allow_external=args.allow_external)
    grid = output.drive(samples.sample_grid(spec), args.quiet)
    if args.out:
        sheet = samples.contact_sheet(grid, columns=args.columns)
        save_png(sheet, args.out)
    if args.json:
        output.dump_json({"file": grid.file, "path": grid.path, "total": grid.total, "labels": grid.labels,
                          "class_names": list(grid.class_names), "note": grid.note,
                          "samples": [{"index": s.index, "label": s.label, "name": s.name, "filename": s.filename,
                                       "shape": list(s.image.shape), "error": s.error} for s in grid.samples]})
        return 0
    rows = [["index", "label", "class", "file"]]
    for s in grid.samples:
        rows.append([str(s.index), "" if s.label is None else str(s.label), s.name, s.filename or s.error])
    output.print_table(rows)
    if args.out:
        output.print_line(f"wrote {args.out}: {len(grid.samples)} of {grid.total:,} samples"
                          + (f" ({grid.note})" if grid.note else ""))
    return 0
