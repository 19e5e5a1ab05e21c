"""``h5gui-cli transform``: reshape, cast, normalize and rechunk a dataset, out of core (Qt-free).

::

    h5gui-cli transform FILE SRC [SRC ...] [DEST] [--reshape=N,H,W,C] [--add-axis POS] [--squeeze]
                        [--move-axis A B] [--transpose=2,0,1] [--dtype T] [--overflow clip|refuse]
                        [--rounding round|floor|ceil|trunc]
                        [--normalize scale:255|minmax|minmax-1|zscore|clip-percentiles[:1,99]
                                     |meanstd:M[,M..]:S[,S..]|meanstd:imagenet|affine:OFFSET[,..]:SCALE[,..]]
                        [--stats-from PATH] [--per-channel] [--channel-axis AXIS]
                        [--chunks SHAPE|auto|sample|frame|keep|none]
                        [--compression gzip[:LEVEL]|lzf|zstd[:LEVEL]|lz4|blosc[:CODEC][:LEVEL]|...] [--shuffle]
                        [--replace] [--dry-run] [--json] [--quiet]

The MNIST case: ``h5gui-cli transform mnist.h5 /images --add-axis=-1 --dtype float32
--normalize scale:255`` writes ``/images_f32`` of shape (N, 28, 28, 1). The honest split:
``h5gui-cli transform f.h5 /train/images /val/images /test/images --normalize zscore --per-channel
--stats-from /train/images`` normalizes all three with the train set's mean and std. Several SRC are
transformed in one run (each into a name suggested beside it); with one SRC, a last path that does
not exist in FILE is its DEST. The progress line goes to stderr, the result to stdout; errors are one
line with a non-zero exit code.
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
    p.add_argument("paths", metavar="SRC", nargs="+",
                   help="dataset(s) to transform; with one SRC, a last path not in FILE is the new dataset DEST "
                   "(default: SRC's name + a suffix, e.g. _f32)")
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
                   "clip-percentiles[:LO,HI] (clip, then [0, 1]; default 1,99), meanstd:MEAN[,MEAN..]:STD[,STD..] "
                   "((x - mean) / std, one value or one per channel; meanstd:imagenet for ImageNet's, on data in "
                   "[0, 1]), affine:OFFSET[,..]:SCALE[,..] ((x - offset) / scale). Every mode stores its statistics "
                   "(min, max, mean, std) and the inverse (x = y * scale + offset) as attributes")
    g.add_argument("--stats-from", metavar="PATH",
                   help="minmax, minmax-1, zscore: take the statistics from this dataset of FILE (e.g. the train "
                   "set's for /val/images); a dataset h5gui normalized already gives those stored with it")
    g.add_argument("--per-channel", action="store_true", help="statistics per channel (see --channel-axis)")
    g.add_argument("--channel-axis", metavar="AXIS", type=int, default=None,
                   help="axis of the output that holds the channels (default: the data's: the HDF5 image "
                   "attributes, a last axis of 1, 3 or 4, or axis 1 of (N, 3, H, W), followed through the moves)")
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


def _floats(text: str, what: str) -> tuple[float, ...]:
    from h5gui.core.errors import BadRequestError

    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise BadRequestError(f"{what}: {text!r} is not a number or a list of numbers (like 0.5,0.5,0.5)") from None
    return values


def parse_normalize(text: str | None) -> dict[str, Any]:
    """``--normalize`` as :class:`~h5gui.core.transform.TransformSpec` fields."""
    from h5gui.core.errors import BadRequestError
    from h5gui.core.transform import MEANSTD_PRESETS

    if not text:
        return {}
    mode, _, value = text.strip().partition(":")
    mode = mode.lower()
    out: dict[str, Any] = {"normalize": mode}
    if mode == "scale":
        if not value:
            raise BadRequestError("--normalize scale needs the value to divide by: scale:255")
        try:
            out["scale"] = float(value)
        except ValueError:
            raise BadRequestError(f"--normalize scale:{value}: not a number") from None
    elif mode == "clip-percentiles" and value:
        try:
            lo, hi = (float(v) for v in value.split(","))
        except ValueError:
            raise BadRequestError(f"--normalize clip-percentiles:{value}: give two percentiles, "
                                  "e.g. clip-percentiles:1,99") from None
        out["percentiles"] = (lo, hi)
    elif mode in ("meanstd", "affine"):
        if mode == "meanstd" and value.lower() in MEANSTD_PRESETS:
            out["mean"], out["std"] = MEANSTD_PRESETS[value.lower()]
            return out
        first, sep, second = value.partition(":")
        if not first or not sep or not second:
            example = "meanstd:0.485,0.456,0.406:0.229,0.224,0.225" if mode == "meanstd" else "affine:127.5:127.5"
            raise BadRequestError(f"--normalize {mode} needs two lists of numbers: {example}")
        a, b = _floats(first, f"--normalize {mode}"), _floats(second, f"--normalize {mode}")
        if mode == "meanstd":
            out["mean"], out["std"] = a, b
        else:
            out["offset"], out["scale"] = (a[0] if len(a) == 1 else a), (b[0] if len(b) == 1 else b)
    elif value:
        raise BadRequestError(f"--normalize {mode} takes no value ({text!r})")
    return out


def sources_and_dest(file: str, paths: list[str]) -> tuple[list[str], str | None]:
    """``SRC [SRC ...] [DEST]``: with one SRC, a last path that is not in FILE is the DEST."""
    from h5gui.core import nodes
    from h5gui.core.errors import BadRequestError, NodeNotFoundError

    if len(paths) == 1:
        return paths, None
    try:
        nodes.child_info(file, paths[-1])
        exists = True
    except NodeNotFoundError:
        exists = False
    if exists:
        return paths, None
    if len(paths) > 2:
        raise BadRequestError(f"{paths[-1]} is not in {file}: several sources each get a suggested name "
                              "(a DEST goes with one SRC)")
    return paths[:1], paths[1]


def spec_from_args(args: argparse.Namespace, source: str | None = None, dest: str | None = None) -> Any:
    """The :class:`~h5gui.core.transform.TransformSpec` that ``args`` ask for (of ``source``)."""
    from h5gui.core.transform import TransformSpec

    chunks: Any = args.chunks
    if chunks is not None and re.fullmatch(r"[\d,x\s()]+", chunks.strip()):
        chunks = _ints(chunks, "--chunks")
    elif chunks is not None and chunks.strip().lower() in ("none", "contiguous"):
        chunks = None
    compression, opts = codecs.parse(args.compression) if args.compression else (None, None)
    if source is None:
        source, dest = args.paths[0], (args.paths[1] if len(args.paths) > 1 else None)
    return TransformSpec(
        file=args.file, source=source, dest=dest, replace=args.replace,
        reshape=_ints(args.reshape, "--reshape"), add_axis=args.add_axis, squeeze=args.squeeze,
        move_axis=tuple(args.move_axis) if args.move_axis else None,
        transpose=_ints(args.transpose, "--transpose"), dtype=args.dtype, overflow=args.overflow,
        rounding=args.rounding, per_channel=args.per_channel, stats_from=args.stats_from,
        channel_axis=args.channel_axis, chunks=chunks, compression=compression,
        compression_opts=opts, shuffle=args.shuffle, allow_external=args.allow_external,
        **parse_normalize(args.normalize),
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

    sources, dest = sources_and_dest(args.file, list(args.paths))
    specs = [spec_from_args(args, src, dest) for src in sources]
    out = sys.stdout
    if args.dry_run:
        plans = [transform.plan_transform(spec) for spec in specs]
        if args.json:
            output.dump_json(plans[0].to_json() if len(plans) == 1 else [p.to_json() for p in plans], out)
        else:
            for i, plan in enumerate(plans):
                if i:
                    output.print_line("", out)
                _print_plan(plan, out)
        return 0
    reports = output.drive(transform.run_transforms(specs), args.quiet)  # Ctrl-C: partial output removed
    for report in reports:
        for w in report.warnings:
            output.print_warning(w)
    if args.json:
        output.dump_json(reports[0].to_json() if len(reports) == 1 else [r.to_json() for r in reports], out)
    else:
        for report in reports:
            _print_report(report, out)
    return 0
