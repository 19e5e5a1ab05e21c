"""``h5gui-cli transform``: reshape, cast, normalize and rechunk a dataset, out of core (Qt-free).

::

    h5gui-cli transform FILE SRC [DEST] [--reshape=N,H,W,C] [--add-axis POS] [--squeeze]
                        [--move-axis A B] [--transpose=2,0,1] [--dtype T] [--overflow clip|refuse]
                        [--rounding round|floor|ceil|trunc]
                        [--normalize scale:255|minmax|minmax-1|zscore|clip-percentiles[:1,99]]
                        [--per-channel] [--channel-axis AXIS] [--chunks SHAPE|auto|sample|frame|keep|none]
                        [--compression gzip[:LEVEL]|lzf|zstd[:LEVEL]|lz4|blosc[:CODEC][:LEVEL]|...] [--shuffle]
                        [--replace] [--dry-run] [--json] [--quiet]

The MNIST case: ``h5gui-cli transform mnist.h5 /images --add-axis=-1 --dtype float32
--normalize scale:255`` writes ``/images_f32`` of shape (N, 28, 28, 1). The progress line goes to
stderr, the result to stdout; errors are one line with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, TextIO

from h5gui.cli import output
from h5gui.core import codecs
from h5gui.core.parsing import parse_ints


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``transform`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "transform", parents=[common],
        help="reshape, cast, normalize or rechunk a dataset into a new one (or in place)",
        description="Transform the dataset SRC of FILE into DEST (default: a new name next to SRC, e.g. "
        "/images_f32) in one out-of-core pass: shape changes first (reshape, squeeze, add-axis, move-axis, "
        "transpose, in that order), then the values in float64 (normalize), then the cast (dtype). The "
        "output is written under a temporary name and moved into place when complete; --replace swaps it "
        "for the source only then. Negative numbers need '=': --reshape=-1,28,28,1 --add-axis=-1.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("source", metavar="SRC", help="dataset to transform")
    p.add_argument("dest", metavar="DEST", nargs="?", help="new dataset (default: SRC's name + a suffix, e.g. _f32)")
    g = p.add_argument_group("shape")
    g.add_argument("--reshape", metavar="SHAPE", help="new shape with the same number of elements, e.g. -1,28,28,1")
    g.add_argument("--add-axis", metavar="POS", type=int, help="insert a size-1 axis (e.g. -1: channels last)")
    g.add_argument("--squeeze", action="store_true", help="remove size-1 axes")
    g.add_argument("--move-axis", metavar=("A", "B"), nargs=2, type=int,
                   help="move axis A to position B (e.g. -1 1: channels last -> first)")
    g.add_argument("--transpose", metavar="AXES", help="new order of the axes, e.g. 2,0,1")
    g = p.add_argument_group("values")
    g.add_argument("--dtype", metavar="T", help="uint8, int16, float32, ... (default: the source's; float32 when "
                   "normalizing)")
    g.add_argument("--overflow", choices=("clip", "refuse"), default="clip",
                   help="values that do not fit the dtype: clip them (default) or refuse, naming the first")
    g.add_argument("--rounding", choices=("round", "floor", "ceil", "trunc"), default="round",
                   help="float -> integer rounding (default round, halves to even)")
    g.add_argument("--normalize", metavar="MODE",
                   help="scale:VALUE (divide), minmax ([0, 1]), minmax-1 ([-1, 1]), zscore, "
                   "clip-percentiles[:LO,HI] (clip, then [0, 1]; default 1,99)")
    g.add_argument("--per-channel", action="store_true", help="statistics per channel (see --channel-axis)")
    g.add_argument("--channel-axis", metavar="AXIS", type=int, default=-1,
                   help="axis of the output that holds the channels (default -1)")
    g = p.add_argument_group("storage")
    g.add_argument("--chunks", metavar="SHAPE", default="auto",
                   help="chunk shape (e.g. 64,28,28,1), auto (~1 MiB along axis 0, default), sample, frame, keep "
                   "(the source's), none (contiguous)")
    g.add_argument("--compression", metavar="NAME",
                   help="gzip[:LEVEL], lzf, zstd[:LEVEL], lz4, blosc[:CODEC][:LEVEL], blosc2[:CODEC][:LEVEL], "
                   "bitshuffle, none (default)")
    g.add_argument("--shuffle", action="store_true", help="byte shuffle before gzip/lzf/zstd/lz4")
    g = p.add_argument_group("output")
    g.add_argument("--replace", action="store_true",
                   help="replace SRC (the old data is deleted only once the new one is complete)")
    g.add_argument("--dry-run", action="store_true", help="print the plan (shapes, dtype, chunks, size) and stop")
    g.add_argument("--json", action="store_true", help="print the plan or the report as JSON")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    g.add_argument("--allow-external", action="store_true",
                   help="also read a source kept outside the file's folder (external storage, virtual sources)")
    p.set_defaults(func=run)


def _ints(text: str | None, what: str) -> tuple[int, ...] | None:
    return None if text is None else parse_ints(text, what, allow_empty=False)


def spec_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~h5gui.core.transform.TransformSpec` that ``args`` ask for."""
    from h5gui.core.errors import BadRequestError
    from h5gui.core.transform import TransformSpec

    normalize = scale = None
    percentiles = (1.0, 99.0)
    if args.normalize:
        mode, _, value = args.normalize.strip().partition(":")
        mode = mode.lower()
        if mode == "scale":
            if not value:
                raise BadRequestError("--normalize scale needs the value to divide by: scale:255")
            try:
                scale = float(value)
            except ValueError:
                raise BadRequestError(f"--normalize scale:{value}: not a number") from None
        elif mode == "clip-percentiles" and value:
            try:
                lo, hi = (float(v) for v in value.split(","))
            except ValueError:
                raise BadRequestError(f"--normalize clip-percentiles:{value}: give two percentiles, "
                                      "e.g. clip-percentiles:1,99") from None
            percentiles = (lo, hi)
        elif value:
            raise BadRequestError(f"--normalize {mode} takes no value ({args.normalize!r})")
        normalize = mode
    chunks: Any = args.chunks
    if chunks is not None and re.fullmatch(r"[\d,x\s()]+", chunks.strip()):
        chunks = _ints(chunks, "--chunks")
    elif chunks is not None and chunks.strip().lower() in ("none", "contiguous"):
        chunks = None
    compression, opts = codecs.parse(args.compression) if args.compression else (None, None)
    return TransformSpec(
        file=args.file, source=args.source, dest=args.dest, replace=args.replace,
        reshape=_ints(args.reshape, "--reshape"), add_axis=args.add_axis, squeeze=args.squeeze,
        move_axis=tuple(args.move_axis) if args.move_axis else None,
        transpose=_ints(args.transpose, "--transpose"), dtype=args.dtype, overflow=args.overflow,
        rounding=args.rounding, normalize=normalize, scale=scale, per_channel=args.per_channel,
        channel_axis=args.channel_axis, percentiles=percentiles, chunks=chunks, compression=compression,
        compression_opts=opts, shuffle=args.shuffle, allow_external=args.allow_external,
    )


def _shape(shape: Any) -> str:
    from h5gui.core.text import shape_text

    return shape_text(tuple(shape))


def _print_plan(plan: Any, out: TextIO) -> None:
    from h5gui.core.text import format_bytes

    output.print_fields([
        ("Source", f"{plan.source}: {_shape(plan.in_shape)} {plan.in_dtype}"),
        ("Output", f"{plan.dest}: {_shape(plan.out_shape)} {plan.out_dtype}"),
        ("Chunks", _shape(plan.out_chunks) if plan.out_chunks else "contiguous"),
        ("Compression", plan.compression or "none"),
        ("Size", format_bytes(plan.estimated_bytes) + (" before compression" if plan.compression else "")),
        ("Passes", str(plan.passes)),
    ], out)
    output.print_line("Steps:", out)
    for i, step in enumerate(plan.steps, 1):
        output.print_line(f"  {i}. {step}", out)
    for w in plan.warnings:
        output.print_line(f"Warning: {w}", out)


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        more = f", ... ({len(v)} channels)" if len(v) > 6 else ""
        return "[" + ", ".join(_fmt(x) for x in v[:6]) + more + "]"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _print_report(report: Any, out: TextIO) -> None:
    from h5gui.core.text import format_bytes

    rate = report.nbytes_in / report.seconds / 1e6 if report.seconds > 0 else 0.0
    text = f"wrote {report.dest}: {_shape(report.out_shape)} {report.out_dtype}, {format_bytes(report.nbytes_out)}"
    if report.storage_bytes and report.storage_bytes != report.nbytes_out:
        text += f" ({format_bytes(report.storage_bytes)} on disk)"
    text += f" in {report.seconds:.1f} s ({rate:,.0f} MB/s of input)"
    output.print_line(text, out)
    stats = {k: v for k, v in report.stats.items() if k in ("scale", "offset", "min", "max", "mean", "std",
                                                            "clip_min", "clip_max")}
    if stats:
        output.print_line("statistics: " + ", ".join(f"{k} {_fmt(v)}" for k, v in stats.items()), out)
        output.print_line("invert with: x = y * scale + offset (attributes scale and offset of the output)", out)
    if report.stats.get("clipped"):
        output.print_line(f"clipped: {report.stats['clipped']:,} values", out)


def run(args: argparse.Namespace) -> int:
    """Run ``h5gui-cli transform``; return the exit code (errors are raised as ``H5GuiError``)."""
    from h5gui.core import transform

    spec = spec_from_args(args)
    out = sys.stdout
    if args.dry_run:
        plan = transform.plan_transform(spec)
        if args.json:
            output.dump_json(plan.to_json(), out)
        else:
            _print_plan(plan, out)
        return 0
    report = output.drive(transform.run_transform(spec), args.quiet)  # Ctrl-C: partial output removed
    for w in report.warnings:
        output.print_warning(w)
    if args.json:
        output.dump_json(report.to_json(), out)
    else:
        _print_report(report, out)
    return 0
