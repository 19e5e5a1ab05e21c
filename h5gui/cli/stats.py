"""``h5gui-cli stats``: a dataset's statistics, out of core (the statistics view's engine)::

    h5gui-cli stats FILE PATH [--channel-axis A | --no-per-channel] [--bins N] [--store] [--json] [-q]

Prints count, NaN and infinity counts, min/max/mean/std (one row per channel when the data has a
channel axis), a histogram as a bar chart, and for a labels dataset the count of each class with its
name (``class_names``). ``--store`` writes them as attributes of the dataset.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from h5gui.cli import output

BAR = 40  # characters of the longest bar


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``stats`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "stats", parents=[common], help="statistics of a dataset: min/max/mean/std per channel, NaN/inf, histogram, "
        "class counts",
        description="Compute the statistics of the dataset PATH in one or two passes over it (any size: it is read "
        "in blocks): count, NaN and infinity counts, min, max, mean and std (per channel when the data has a "
        "channel axis: the HDF5 image attributes, a last axis of 1, 3 or 4, axis 1 of (N, 3, H, W), or axis 0 of a "
        "(3|4, H, W) 8-bit picture that the preview shows in colour), a "
        "histogram, and for a labels dataset (1-D integers named labels, y or y_*, or with class_names) the count "
        "of each class. --store writes them as attributes (min, max, mean, std, count, nan_count, inf_count, "
        "channel_axis, histogram, histogram_edges, channel_histograms, class_counts). With 2 to 16 channels there is "
        "also a histogram per channel on the same bins (--channel-histograms prints them; always in --json).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="dataset inside FILE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--channel-axis", type=int, metavar="A", help="axis of the channels (default: the data's)")
    g.add_argument("--no-per-channel", dest="per_channel", action="store_false",
                   help="all values together, even when the data has channels")
    p.add_argument("--bins", type=int, default=64, metavar="N", help="histogram bins (default 64; integers of a "
                   "smaller range get one bin per value)")
    p.add_argument("--channel-histograms", action="store_true",
                   help="also print the histogram of each channel (2 to 16 channels), on the same bins")
    p.add_argument("--store", action="store_true", help="write the statistics as attributes of the dataset")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--allow-external", action="store_true", help="also read data kept outside the file's folder")
    p.set_defaults(func=run)


def _num(v: float) -> str:
    return f"{v:.6g}"


def bars(rows: list[tuple[str, int]], out: TextIO) -> None:
    """``label  count  ####`` rows, the longest bar :data:`BAR` characters."""
    top = max((c for _, c in rows), default=0) or 1
    width = max((len(label) for label, _ in rows), default=0)
    for label, count in rows:
        output.print_line(f"  {label:>{width}}  {count:>10,}  {'#' * round(BAR * count / top)}", out)


def _histogram_rows(s: Any, max_rows: int = 16, channel: int | None = None) -> list[tuple[str, int]]:
    hist = list(s.histogram if channel is None else s.channel_histograms[channel])
    edges = list(s.bin_edges)
    if len(hist) > max_rows:  # merge neighbouring bins for the terminal
        k = -(-len(hist) // max_rows)
        hist = [sum(hist[i:i + k]) for i in range(0, len(hist), k)]
        edges = edges[::k] + ([edges[-1]] if (len(edges) - 1) % k else [])
    return [(f"[{_num(edges[i])}, {_num(edges[i + 1])})", c) for i, c in enumerate(hist)]


def print_stats(s: Any, out: TextIO, per_channel: bool = False) -> None:
    """The text report of :class:`~h5gui.core.stats.DatasetStats` (``per_channel``: with the histogram of
    each channel)."""
    from h5gui.core.text import shape_text

    output.print_fields([
        ("Dataset", f"{s.path}: {shape_text(s.shape)} {s.dtype}"),
        ("Values", f"{s.count:,} finite, {s.nan:,} NaN, {s.inf:,} infinite"),
    ], out)
    rows = [["channel" if s.channel_axis is not None else "", "min", "max", "mean", "std"]]
    for c in range(s.channels):
        rows.append([str(c) if s.channel_axis is not None else "all", _num(s.min[c]), _num(s.max[c]),
                     _num(s.mean[c]), _num(s.std[c])])
    if s.channel_axis is not None:
        output.print_line(f"Per channel (axis {s.channel_axis}):", out)
    output.print_table(rows, out)
    if s.histogram:
        output.print_line("Histogram:" if s.channel_axis is None else "Histogram (all channels together):", out)
        bars(_histogram_rows(s), out)
        for c in range(len(s.channel_histograms) if per_channel else 0):
            output.print_line(f"Histogram of channel {c}:", out)
            bars(_histogram_rows(s, channel=c), out)
    if s.labels:
        output.print_line("Classes:", out)
        bars([(f"{i} {name}" if name != str(i) else str(i), n) for i, name, n in s.class_rows()], out)
    if s.stored:
        output.print_line(f"stored as attributes of {s.path}", out)


def run(args: argparse.Namespace) -> int:
    """Run ``h5gui-cli stats``; return the exit code."""
    from h5gui.core import stats

    spec = stats.StatsSpec(args.file, args.path, channel_axis=args.channel_axis, per_channel=args.per_channel,
                           bins=args.bins, store=args.store, allow_external=args.allow_external)
    result = output.drive(stats.compute_stats(spec), args.quiet)
    if args.json:
        output.dump_json(result.to_json())
    else:
        print_stats(result, sys.stdout, per_channel=args.channel_histograms)
    return 0
