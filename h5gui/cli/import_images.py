"""``h5gui-cli import-images``: a folder tree of images into one HDF5 file (the wizard's engine).

::

    h5gui-cli import-images SRC DEST.h5 [--group G] [--layout auto|stack|per-image|encoded|classes]
        [--mode keep|L|RGB|RGBA] [--resize WxH] [--resample F] [--no-exif-transpose]
        [--compression none|gzip[:LEVEL]|lzf|zstd[:LEVEL]|blosc[:LEVEL]|lz4|bitshuffle]
        [--encoded-per-file] [--no-splits] [--all-frames] [--include-hidden] [--workers N]
        [--resize-mode stretch|fit|crop|shorter] [--pad V] [--chunk-images N]
        [--split TRAIN,VAL[,TEST]] [--split-names A,B,C] [--shuffle] [--seed S] [--labels-file F.csv|F.json]
        [--encoded] [--dry-run] [--json] [--quiet]

For training: ``h5gui-cli import-images photos/ train.h5 --layout classes --split 0.8,0.1,0.1 --shuffle
--resize 224x224 --resize-mode crop`` writes /train, /val and /test, each with images, labels,
filenames and class_names, split at random by class (stratified) with seed 0.

A progress line goes to stderr (``\\r``-updated on a terminal, a line every 0.5 s otherwise); the report
(or with ``--dry-run`` the plan, always, naming what is missing, such as the ``--resize`` that mixed
sizes need) to stdout. Exit code 0 when at least one image was imported (or would be), 1 when nothing
could be imported, 2 for an invalid source, target or option, or a plan that cannot run as asked.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, TextIO

from h5gui.cli import output
from h5gui.core import codecs

LIST_LIMIT = 50  # lines of skipped files and datasets shown in the text report (--json has them all)
# the choices of h5gui.core.importer (LAYOUTS, MODES, RESAMPLE), written here because importing it loads
# h5py and Pillow, which ``--help`` must not; tests/cli/test_cli_help.py checks that they agree
LAYOUTS = ("auto", "stack", "per-image", "encoded", "classes")
MODES = ("keep", "L", "RGB", "RGBA")
RESAMPLE = ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming")
RESIZE_MODES = ("stretch", "fit", "crop", "shorter")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``import-images`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "import-images", parents=[common],
        help="import a folder tree of images into an HDF5 file (new, or a new group in an existing one)",
        description="Import every image below SRC (sniffed by content: PNG, JPEG, TIFF, BMP, GIF, WebP and "
        "whatever else Pillow reads) into DEST.h5, one group per folder. Files that are not images, hidden "
        "files and bad images are skipped and listed. A new file is written as DEST.h5.partial and renamed "
        "when complete; into an existing file the group is written under a temporary name and moved into place.",
    )
    p.add_argument("source", metavar="SRC", help="folder of images")
    p.add_argument("target", metavar="DEST.h5", help="HDF5 file to create, or an existing one to add a group to")
    p.add_argument("--group", default="/", metavar="G",
                   help="group to create (default /: the root of a new file; needed for an existing file)")
    p.add_argument("--layout", choices=LAYOUTS, default="auto",
                   help="stack: one (N,H,W[,C]) array per folder; per-image: one dataset per image; encoded: the "
                   "files' bytes; classes: first-level folders are classes (images, labels); auto: as recommended")
    p.add_argument("--mode", choices=MODES, default="keep", help="convert the pixels (default: keep)")
    p.add_argument("--resize", metavar="WxH", help="resize every image to W x H pixels (lets mixed sizes stack)")
    p.add_argument("--resample", choices=RESAMPLE, default="bilinear", help="filter of --resize")
    p.add_argument("--no-exif-transpose", dest="exif_transpose", action="store_false",
                   help="keep the pixels as stored (default: apply the EXIF orientation)")
    p.add_argument("--compression", metavar="NAME[:LEVEL]",
                   help=f"none (default), {', '.join(codecs.NAMES)}; gzip/zstd/blosc take a level")
    p.add_argument("--encoded-per-file", action="store_true",
                   help="encoded layout: one dataset per file instead of one per folder")
    p.add_argument("--no-splits", dest="splits", action="store_false",
                   help="classes layout: do not make train/val/test folders groups of their own")
    p.add_argument("--all-frames", action="store_true",
                   help="multi-page TIFF, animated GIF/WebP: import every frame (default: the first)")
    p.add_argument("--include-hidden", action="store_true", help="also import hidden files and folders")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="decoder processes (default 0: one per core, none for small imports)")
    p.add_argument("--resize-mode", choices=RESIZE_MODES, default="stretch",
                   help="how --resize keeps the aspect ratio: stretch (exactly WxH, default), fit (inside WxH, padded "
                   "with --pad), crop (cover WxH, centre cropped), shorter (the shorter side becomes min(W, H))")
    p.add_argument("--pad", type=int, default=0, metavar="V", help="value of the padding of --resize-mode fit")
    p.add_argument("--chunk-images", type=int, default=1, metavar="N",
                   help="stacked layouts: images per chunk (default 1: fast random access for shuffled training; "
                   "0: chunks of about 1 MiB)")
    g = p.add_argument_group("for training (classes layout)")
    g.add_argument("--split", metavar="F,F[,F]",
                   help="split at random into groups by these fractions (adding up to 1, e.g. 0.8,0.1,0.1), "
                   "stratified by class; replaces the folders' own train/val split")
    g.add_argument("--split-names", metavar="A,B[,C]", default="train,val,test",
                   help="names of the split groups (default train,val,test)")
    g.add_argument("--shuffle", action="store_true", help="a random order within each group (default: by class, "
                   "then name)")
    g.add_argument("--seed", type=int, default=0, metavar="S", help="seed of --split and --shuffle (default 0)")
    g.add_argument("--labels-file", metavar="F", help="labels from a CSV (file,label rows) or JSON ({file: label}) "
                   "file instead of class folders; files are matched by relative path, else by name")
    g.add_argument("--encoded", action="store_true",
                   help="keep the files' bytes (one variable-length uint8 element per image) with the labels: "
                   "no decoding, no resize needed")
    p.add_argument("--dry-run", action="store_true", help="scan and print the plan (always, naming what is missing); "
                   "write nothing")
    p.add_argument("--json", action="store_true", help="print the report (or the plan) as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=run)


def parse_resize(text: str | None) -> tuple[int, int] | None:
    """``'640x480'`` -> ``(640, 480)``."""
    from h5gui.core.errors import BadRequestError

    if not text:
        return None
    parts = text.lower().replace(" ", "").split("x")
    try:
        w, h = (int(v) for v in parts)
    except ValueError:
        raise BadRequestError(f"--resize needs WIDTHxHEIGHT (like 256x256), not {text!r}") from None
    return w, h


def spec_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~h5gui.core.importer.ImportSpec` that ``args`` ask for."""
    from h5gui.core import importer

    compression, opts = codecs.parse(args.compression) if args.compression else (None, None)
    return importer.ImportSpec(
        source=args.source, target=args.target, group=args.group, layout=args.layout, mode=args.mode,
        resize=parse_resize(args.resize), resample=args.resample, exif_transpose=args.exif_transpose,
        compression=compression, compression_opts=opts, encoded_per_file=args.encoded_per_file,
        splits=args.splits, workers=args.workers, include_hidden=args.include_hidden, all_frames=args.all_frames,
        split=parse_split(args.split), split_names=tuple(n.strip() for n in args.split_names.split(",")),
        shuffle=args.shuffle, seed=args.seed, labels_file=args.labels_file, encoded=args.encoded,
        resize_mode=args.resize_mode, pad=args.pad, chunk_images=args.chunk_images,
    )


def parse_split(text: str | None) -> tuple[float, ...] | None:
    """``'0.8,0.1,0.1'`` -> ``(0.8, 0.1, 0.1)`` (percentages such as ``80,10,10`` too)."""
    from h5gui.core.errors import BadRequestError

    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise BadRequestError(f"--split needs fractions like 0.8,0.1,0.1, not {text!r}") from None
    if values and sum(values) > 1.5:  # percentages
        values = tuple(v / 100 for v in values)
    return values


def run(args: argparse.Namespace) -> int:
    """Run ``h5gui-cli import-images``: scan, plan, import (or print the plan); return the exit code."""
    from h5gui.core import importer
    from h5gui.core.errors import BadRequestError

    spec = spec_from_args(args)
    scan = output.drive(importer.scan(spec.source, include_hidden=spec.include_hidden, workers=spec.workers),
                        args.quiet)
    out = sys.stdout
    if scan.n_images == 0:
        if args.json:
            output.dump_json({"scan": scan_json(scan), "plan": None, "report": None})
        else:
            _print_skipped(scan.skipped, out)
        raise BadRequestError(f"no images in {scan.source} ({len(scan.skipped):,} file(s) skipped)")
    plan = importer.plan_import(spec, scan)
    if args.dry_run or not plan.ok:
        if args.json:
            output.dump_json({"scan": scan_json(scan), "plan": plan_json(plan)})
        else:
            _print_plan(scan, plan, out)
        if not plan.ok:  # the plan says what is missing; the exit code says it cannot run as asked
            raise BadRequestError(f"{plan.problems[0]}" + (f" (try {missing_options(plan)})"
                                                            if missing_options(plan) else ""))
        return 0
    report = output.drive(importer.run_import(spec, scan), args.quiet)
    if args.json:
        output.dump_json(report_json(report))
    else:
        _print_report(report, out)
    return 0 if report.n_imported > 0 else 1


# ---------------------------------------------------------------------------------------------
# output


def scan_json(scan: Any) -> dict[str, Any]:
    """The scan as ``--json`` prints it."""
    folders = []
    for f in scan.folders:
        folders.append({
            "relpath": f.relpath, "n_images": f.n_images, "formats": f.formats, "nbytes": f.nbytes,
            "uniform": f.uniform,
            "sizes": [{"width": w, "height": h, "mode": m, "count": n} for (w, h, m), n in f.sizes.items()],
        })
    return {
        "source": scan.source, "n_images": scan.n_images, "nbytes": scan.nbytes, "folders": folders,
        "skipped": [list(s) for s in scan.skipped], "recommended_layout": scan.recommended_layout,
        "recommendation": scan.recommendation, "classes": list(scan.classes), "splits": list(scan.splits),
    }


def plan_json(plan: Any) -> dict[str, Any]:
    """The plan as ``--dry-run --json`` prints it."""
    d = {k: v for k, v in dataclasses.asdict(plan).items() if k != "spec"}
    d["spec"] = dataclasses.asdict(plan.spec)
    d["datasets"] = [{"path": p, "shape": list(s), "dtype": t} for p, s, t in plan.datasets]
    return d


def report_json(report: Any) -> dict[str, Any]:
    """The report as ``--json`` prints it."""
    d = dataclasses.asdict(report)
    d["skipped"] = [list(s) for s in report.skipped]
    d["rate"] = report.rate
    return d


def _print_some(lines: list[str], out: TextIO, more: str = "more (--json lists them all)") -> None:
    """The first :data:`LIST_LIMIT` lines, then how many more there are."""
    for line in lines[:LIST_LIMIT]:
        output.print_line(line, out)
    if len(lines) > LIST_LIMIT:
        output.print_line(f"  ... and {len(lines) - LIST_LIMIT:,} {more}", out)


def _print_skipped(skipped: Any, out: TextIO) -> None:
    if skipped:
        output.print_line(f"Skipped {len(skipped):,} file(s):", out)
        _print_some([f"  {path}: {reason}" for path, reason in skipped], out)


def _folder_line(f: Any) -> str:
    sizes = ", ".join(f"{w}x{h} {m}: {n:,}" for (w, h, m), n in list(f.sizes.items())[:3])
    more = f", ... ({len(f.sizes)} sizes)" if len(f.sizes) > 3 else ""
    formats = ", ".join(f"{k}: {n:,}" for k, n in f.formats.items())
    return f"  {f.relpath}/  {f.n_images:,} images ({formats}; {sizes}{more})"


def missing_options(plan: Any) -> str:
    """The options that would make the plan runnable, as the user types them (``--resize 640x480``)."""
    parts = []
    if plan.suggested_resize and any("resize" in p for p in plan.problems):
        w, h = plan.suggested_resize
        parts.append(f"--resize {w}x{h}" + (" --resize-mode crop" if plan.spec.resize_mode == "stretch" else ""))
    if any("choose a mode" in p for p in plan.problems):
        parts.append("--mode RGB")
    return " ".join(parts)


def _print_plan(scan: Any, plan: Any, out: TextIO) -> None:
    from h5gui.core.importer import describe_scan
    from h5gui.core.text import format_bytes, shape_text

    target = "new file" if plan.new_file else "existing file"
    workers = f"{plan.workers} decoder process(es)" if plan.workers else "in this process"
    output.print_line(f"Source:    {scan.source}: {describe_scan(scan)}", out)
    _print_some([_folder_line(f) for f in scan.folders], out, more="more folders")
    output.print_line(f"Recommended: {scan.recommended_layout}: {scan.recommendation}", out)
    output.print_line(f"Layout:    {plan.layout}", out)
    output.print_line(f"Target:    {plan.spec.target} ({target}), group {plan.group}", out)
    output.print_line(f"Images:    {plan.n_images:,}, about {format_bytes(plan.estimated_bytes)} of data; "
                      f"decoding {workers}", out)
    if plan.class_names:
        output.print_line(f"Classes:   {', '.join(plan.class_names)}", out)
    if len(plan.groups) > 1 or plan.spec.split:
        output.print_line("Groups:    " + ", ".join(f"{g} ({n:,})" for g, n in plan.groups), out)
    output.print_line(f"Datasets:  {len(plan.datasets):,}", out)
    _print_some([f"  {path}  {shape_text(shape)}  {dtype}" for path, shape, dtype in plan.datasets], out)
    for w in plan.warnings:
        output.print_line(f"Warning:   {w}", out)
    for p in plan.problems:
        output.print_line(f"Missing:   {p}", out)
    if missing_options(plan):
        output.print_line(f"Try:       {missing_options(plan)}", out)
    _print_skipped(scan.skipped, out)


def _print_report(report: Any, out: TextIO) -> None:
    if report.n_imported == 0:
        output.print_line(f"Nothing imported into {report.target}: every image failed (nothing was written)", out)
    else:
        mb = report.nbytes_read / report.seconds / 1e6 if report.seconds > 0 else 0.0
        output.print_line(
            f"Imported {report.n_imported:,} image(s) into {report.target}:{report.group} ({report.layout}) "
            f"in {report.seconds:,.2f} s: {report.rate:,.0f} images/s, {mb:,.1f} MB/s read", out
        )
    for w in report.warnings:
        output.print_line(f"Warning:  {w}", out)
    _print_skipped(report.skipped, out)
    if report.datasets:
        output.print_line(f"Datasets: {len(report.datasets):,}", out)
        _print_some([f"  {path}" for path in report.datasets], out)
