"""``h5gui-cli import-images``: a folder tree of images into one HDF5 file (the wizard's engine).

::

    h5gui-cli import-images SRC DEST.h5 [--group G] [--layout auto|stack|per-image|encoded|classes]
        [--mode keep|L|RGB|RGBA] [--resize WxH] [--resample F] [--no-exif-transpose]
        [--compression none|gzip[:LEVEL]|lzf|zstd[:LEVEL]|blosc[:LEVEL]|lz4|bitshuffle]
        [--encoded-per-file] [--no-splits] [--all-frames] [--include-hidden] [--workers N]
        [--dry-run] [--json] [--quiet]

A progress line goes to stderr (``\\r``-updated on a terminal, a line every 0.5 s otherwise); the report
(or with ``--dry-run`` the plan) to stdout. Exit code 0 when at least one image was imported (or
would be), 1 when nothing could be imported, 2 for an invalid source, target or option.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from typing import Any, TextIO

LIST_LIMIT = 50  # lines of skipped files and datasets shown in the text report (--json has them all)


def add_parser(subparsers: Any, common: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add ``import-images`` to ``h5gui-cli``'s subcommands."""
    from h5gui.core import codecs, importer

    p = subparsers.add_parser(
        "import-images", parents=[common] if common is not None else [],
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
    p.add_argument("--layout", choices=importer.LAYOUTS, default="auto",
                   help="stack: one (N,H,W[,C]) array per folder; per-image: one dataset per image; encoded: the "
                   "files' bytes; classes: first-level folders are classes (images, labels); auto: as recommended")
    p.add_argument("--mode", choices=importer.MODES, default="keep", help="convert the pixels (default: keep)")
    p.add_argument("--resize", metavar="WxH", help="resize every image to W x H pixels (lets mixed sizes stack)")
    p.add_argument("--resample", choices=importer.RESAMPLE, default="bilinear", help="filter of --resize")
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
    p.add_argument("--dry-run", action="store_true", help="scan and print the plan; write nothing")
    p.add_argument("--json", action="store_true", help="print the report (or the plan) as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=run)
    return p


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


def parse_compression(text: str | None) -> tuple[str | None, int | None]:
    """``'gzip:4'`` -> ``('gzip', 4)``; ``'none'`` -> ``(None, None)``."""
    from h5gui.core.errors import BadRequestError

    if not text or text.lower() == "none":
        return None, None
    name, _, level = text.partition(":")
    if not level:
        return name.lower(), None
    try:
        return name.lower(), int(level)
    except ValueError:
        raise BadRequestError(f"--compression level must be a whole number, not {level!r}") from None


def spec_from_args(args: argparse.Namespace) -> Any:
    from h5gui.core import importer

    compression, opts = parse_compression(args.compression)
    return importer.ImportSpec(
        source=args.source, target=args.target, group=args.group, layout=args.layout, mode=args.mode,
        resize=parse_resize(args.resize), resample=args.resample, exif_transpose=args.exif_transpose,
        compression=compression, compression_opts=opts, encoded_per_file=args.encoded_per_file,
        splits=args.splits, workers=args.workers, include_hidden=args.include_hidden, all_frames=args.all_frames,
    )


class ProgressLine:
    """The progress line on stderr: rewritten in place on a terminal, a line a second otherwise."""

    def __init__(self, stream: TextIO, enabled: bool = True) -> None:
        from h5gui.core.progress import RateMeter

        self.stream = stream
        self.enabled = enabled
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = 0.2 if self.tty else 0.5  # a short job prints nothing
        self._meter = RateMeter()
        self._phase = ""
        self._last = time.monotonic()
        self._width = 0

    def __call__(self, p: Any) -> None:
        if not self.enabled:
            return
        from h5gui.core.progress import RateMeter

        if p.message != self._phase:  # a new phase: new rates, shown at once
            self._phase = p.message
            self._meter = RateMeter()
            self._last = time.monotonic()
        self._meter.update(p)
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        text = self._meter.describe(p)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.enabled and self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _drive(job: Any, line: ProgressLine) -> Any:
    """Run a core job; the generator is closed whatever happens (Ctrl-C removes the partial result)."""
    from h5gui.core import progress

    try:
        return progress.run(job, line)
    finally:
        line.end()


def run(args: argparse.Namespace) -> int:
    from h5gui.core import importer

    spec = spec_from_args(args)
    line = ProgressLine(sys.stderr, enabled=not args.quiet)
    scan = _drive(importer.scan(spec.source, include_hidden=spec.include_hidden, workers=spec.workers), line)
    out = sys.stdout
    if scan.n_images == 0:
        if args.json:
            _dump({"scan": scan_json(scan), "plan": None, "report": None}, out)
        else:
            _print_skipped(scan.skipped, out)
        from h5gui.core.errors import BadRequestError

        raise BadRequestError(f"no images in {scan.source} ({len(scan.skipped):,} file(s) skipped)")
    plan = importer.plan_import(spec, scan)
    if args.dry_run:
        if args.json:
            _dump({"scan": scan_json(scan), "plan": plan_json(plan)}, out)
        else:
            _print_plan(scan, plan, out)
        return 0
    report = _drive(importer.run_import(spec, scan), line)
    if args.json:
        _dump(report_json(report), out)
    else:
        _print_report(report, out)
    return 0 if report.n_imported > 0 else 1


# ---------------------------------------------------------------------------------------------
# output


def _dump(obj: Any, out: TextIO) -> None:
    json.dump(obj, out, indent=2, ensure_ascii=False)
    out.write("\n")


def scan_json(scan: Any) -> dict[str, Any]:
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
    d = {k: v for k, v in dataclasses.asdict(plan).items() if k != "spec"}
    d["spec"] = dataclasses.asdict(plan.spec)
    d["datasets"] = [{"path": p, "shape": list(s), "dtype": t} for p, s, t in plan.datasets]
    return d


def report_json(report: Any) -> dict[str, Any]:
    d = dataclasses.asdict(report)
    d["skipped"] = [list(s) for s in report.skipped]
    d["rate"] = report.rate
    return d


def _shape_text(shape: tuple[int, ...]) -> str:
    from h5gui.core.text import shape_text

    return shape_text(shape)


def _print_skipped(skipped: Any, out: TextIO) -> None:
    if not skipped:
        return
    out.write(f"Skipped {len(skipped):,} file(s):\n")
    for path, reason in skipped[:LIST_LIMIT]:
        out.write(f"  {path}: {reason}\n")
    if len(skipped) > LIST_LIMIT:
        out.write(f"  ... and {len(skipped) - LIST_LIMIT:,} more (--json lists them all)\n")


def _print_plan(scan: Any, plan: Any, out: TextIO) -> None:
    from h5gui.core.importer import describe_scan
    from h5gui.core.text import format_bytes

    target = "new file" if plan.new_file else "existing file"
    workers = f"{plan.workers} decoder process(es)" if plan.workers else "in this process"
    out.write(f"Source:    {scan.source}: {describe_scan(scan)}\n")
    for f in scan.folders[:LIST_LIMIT]:
        sizes = ", ".join(f"{w}x{h} {m}: {n:,}" for (w, h, m), n in list(f.sizes.items())[:3])
        more = f", ... ({len(f.sizes)} sizes)" if len(f.sizes) > 3 else ""
        formats = ", ".join(f"{k}: {n:,}" for k, n in f.formats.items())
        out.write(f"  {f.relpath}/  {f.n_images:,} images ({formats}; {sizes}{more})\n")
    if len(scan.folders) > LIST_LIMIT:
        out.write(f"  ... and {len(scan.folders) - LIST_LIMIT:,} more folders\n")
    out.write(f"Recommended: {scan.recommended_layout}: {scan.recommendation}\n")
    out.write(f"Layout:    {plan.layout}\n")
    out.write(f"Target:    {plan.spec.target} ({target}), group {plan.group}\n")
    out.write(f"Images:    {plan.n_images:,}, about {format_bytes(plan.estimated_bytes)} of data; decoding {workers}\n")
    if plan.class_names:
        out.write(f"Classes:   {', '.join(plan.class_names)}\n")
    out.write(f"Datasets:  {len(plan.datasets):,}\n")
    for path, shape, dtype in plan.datasets[:LIST_LIMIT]:
        out.write(f"  {path}  {_shape_text(shape)}  {dtype}\n")
    if len(plan.datasets) > LIST_LIMIT:
        out.write(f"  ... and {len(plan.datasets) - LIST_LIMIT:,} more (--json lists them all)\n")
    for w in plan.warnings:
        out.write(f"Warning:   {w}\n")
    _print_skipped(scan.skipped, out)


def _print_report(report: Any, out: TextIO) -> None:
    if report.n_imported == 0:
        out.write(f"Nothing imported into {report.target}: every image failed (nothing was written)\n")
    else:
        mb = report.nbytes_read / report.seconds / 1e6 if report.seconds > 0 else 0.0
        out.write(
            f"Imported {report.n_imported:,} image(s) into {report.target}:{report.group} ({report.layout}) "
            f"in {report.seconds:,.2f} s: {report.rate:,.0f} images/s, {mb:,.1f} MB/s read\n"
        )
    _print_skipped(report.skipped, out)
    if report.datasets:
        out.write(f"Datasets: {len(report.datasets):,}\n")
        for path in report.datasets[:LIST_LIMIT]:
            out.write(f"  {path}\n")
        if len(report.datasets) > LIST_LIMIT:
            out.write(f"  ... and {len(report.datasets) - LIST_LIMIT:,} more (--json lists them all)\n")
