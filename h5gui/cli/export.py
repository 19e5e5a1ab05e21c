"""``h5gui-cli export | snippet``: a dataset's data out of the file, as files or as code::

    h5gui-cli export FILE PATH OUT [--index I,J] [--axes R,C[,CH]] [--levels auto|LO,HI] [--colormap NAME]
                                                     .npy .csv .tsv .png .tif .h5, or a folder of images
    h5gui-cli snippet FILE PATH [--torch | --tf] [--labels PATH] [--chw] [--resize WxH]
                                                     Python that reads the dataset (h5py, a PyTorch Dataset, tf.data)

An existing OUT is refused unless ``--force``; the export shows a progress line on stderr (``-q`` for
none) and Ctrl-C removes what was partly written.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from h5gui.cli import output
from h5gui.core.parsing import parse_ints


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``export`` and ``snippet`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "export", parents=[common], help="export a dataset, a slice or a stack (format from OUT's extension)",
        description="Export the dataset at PATH (or the slice --index picks) to OUT: .npy; .csv, .tsv, .txt (1-D "
        "and 2-D); .png, .tif (a picture: raw values, or 8-bit with --levels/--colormap); .h5 (a group or "
        "dataset into a new HDF5 file); a folder name (no extension, or ending in /): every frame of a "
        "stack as a picture, named after the 'filenames' dataset beside it.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--index", metavar="I,J,..", default="", help="fix the leading axes (e.g. 5: frame 5 of a stack)")
    p.add_argument("--axes", metavar="R,C[,CH]",
                   help="pictures: the plane on these axes (rows, columns, colour channel), as the preview's axes; "
                   "--index then gives one value per axis (those of R, C, CH ignored). Default: the slice --index "
                   "leaves, a channels-first (3|4, H, W) one written channels last")
    p.add_argument("--levels", metavar="auto|LO,HI",
                   help="pictures: map LO..HI (or auto: percentiles 0.5-99.5) to 8 bits (default: raw values)")
    p.add_argument("--log", action="store_true", help="pictures: an 8-bit picture of log10 of the values "
                   "(--levels in values; values <= 0 blank), as the preview's log scale")
    p.add_argument("--complex", dest="complex_part", choices=("abs", "phase", "real", "imag"), default="abs",
                   help="pictures of complex values (with --levels): which part, as the preview shows (default abs)")
    p.add_argument("--colormap", metavar="NAME", help="pictures: colormap of an 8-bit grey picture "
                   "(grey, viridis, magma, inferno, plasma, cividis, turbo)")
    p.add_argument("--format", dest="image_format", choices=("png", "tif"), default="png",
                   help="picture format of a folder export (default png)")
    p.add_argument("--delimiter", metavar="D", help="CSV: the separator (default from the extension)")
    p.add_argument("--force", action="store_true", help="replace an existing OUT file")
    p.add_argument("--allow-external", action="store_true", help="also read data kept outside the file's folder")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("snippet", parents=[common],
                              help="print Python that reads the dataset (h5py; --torch: a PyTorch Dataset; --tf: "
                              "a tf.data pipeline)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--torch", action="store_true", help="a PyTorch Dataset over the first axis (lazy per-worker "
                      "file, labels, transform, num_workers from the cores)")
    kind.add_argument("--tf", action="store_true", help="a generator-based tf.data.Dataset (Keras: model.fit)")
    p.add_argument("--labels", metavar="PATH", help="loaders: the labels dataset (default: 'labels' beside PATH, "
                   "y_* beside x_*; '' for none)")
    p.add_argument("--chw", action="store_true", help="loaders: samples as float32 in [0, 1] with channels first")
    p.add_argument("--resize", metavar="WxH", help="loaders over encoded images: resize every picture to W x H "
                   "(default: the first picture's size) so that batches stack")
    p.set_defaults(func=cmd_snippet)


def parse_levels(text: str | None) -> Any:
    """``--levels``: ``None``, ``'auto'`` or ``(low, high)``."""
    from h5gui.core.errors import BadRequestError

    if text is None:
        return None
    if text.strip().lower() == "auto":
        return "auto"
    try:
        lo, hi = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise BadRequestError(f"--levels takes 'auto' or LOW,HIGH (like 0,4095), not {text!r}") from None
    return (lo, hi)


def cmd_export(args: argparse.Namespace) -> int:
    from h5gui.core import export
    from h5gui.core.text import shape_text

    exporter: Any = export.export
    if str(args.file).startswith("hdf5://"):  # a domain: the same writers, reading through the REST API
        from h5gui.core.hsds import export as hsds_export

        exporter = hsds_export.export
    job = exporter(args.file, args.path, args.out, index=parse_ints(args.index, "--index"),
                        levels=parse_levels(args.levels), colormap=args.colormap, delimiter=args.delimiter,
                        image_format=args.image_format, overwrite=args.force, allow_external=args.allow_external,
                        axes=parse_ints(args.axes, "--axes", allow_empty=False) if args.axes else None,
                        log=args.log, complex_part=args.complex_part)
    report = output.drive(job, args.quiet)
    if args.json:
        output.dump_json(dataclasses.asdict(report))
        return 0
    what = f"{report.count:,} file(s)" if report.format == "folder" else report.format
    text = f"wrote {report.out}: {what}"
    if report.shape:
        text += f", {shape_text(report.shape)}"
    if report.dtype:
        text += f" {report.dtype}"
    if report.note:
        text += f" ({report.note})"
    output.print_line(text)
    return 0


def cmd_snippet(args: argparse.Namespace) -> int:
    from h5gui.cli.import_images import parse_resize
    from h5gui.core import snippets

    text = snippets.snippet(args.file, args.path, torch=args.torch, tf=args.tf, labels=args.labels, chw=args.chw,
                            resize=parse_resize(args.resize))
    output.print_block(text, sys.stdout, end="")
    return 0
