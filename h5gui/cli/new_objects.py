"""``h5gui-cli`` new datasets and links, as New dataset..., New dataset from file..., New soft link... and
New external link... in the GUI (the same core functions, the same checks)::

    h5gui-cli mkdataset FILE PATH --shape 100,28,28 [--dtype uint8] [--fill V] [--chunks 1,28,28]
                        [--compression gzip[:LEVEL]] [-p]        an empty dataset (filled with V, default 0)
    h5gui-cli mkdataset FILE PATH --from ARRAY.npy|.npz|.csv|.tsv|.txt [--key K] [-p]
                                                                 a dataset holding a file's array
    h5gui-cli ln FILE PATH TARGET [-p]                           a soft link to TARGET (it may dangle)
    h5gui-cli ln FILE PATH --external OTHER_FILE[:TARGET_PATH] [-p]
                                                                 an external link (TARGET_PATH default /)

Nothing existing is overwritten. A new dataset is written under a temporary name and moved into place
when complete (Ctrl-C or an error leaves nothing). Links also go into ``hdf5://`` HSDS domains; a new
dataset there is refused in one line, as in the GUI.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from h5gui.cli import output
from h5gui.cli.reader import run_routed

# the datatypes New dataset... offers (any numpy name is taken)
DTYPES = ("float32", "float64", "uint8", "uint16", "int32", "int64", "int16", "int8", "bool", "float16",
          "complex64", "string")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``mkdataset`` and ``ln`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser(
        "mkdataset", parents=[common], help="create a dataset: empty (--shape) or holding a file's array (--from)",
        description="Create the dataset PATH in FILE, as New dataset... (--shape, --dtype, --fill, --chunks, "
        "--compression) or New dataset from file... (--from a .npy, .npz, .csv, .tsv or .txt array) in the GUI.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="the new dataset, e.g. /results/mask")
    p.add_argument("--shape", metavar="N,N,..", help="e.g. 100,28,28 ('' for a scalar)")
    p.add_argument("--dtype", metavar="TYPE", help=f"{', '.join(DTYPES)} or any numpy name (default float32)")
    p.add_argument("--fill", metavar="VALUE", help="the fill value (default 0)")
    p.add_argument("--from", dest="source", metavar="ARRAY_FILE",
                   help="store the array of a .npy, .npz, .csv, .tsv or .txt file (instead of --shape)")
    p.add_argument("--key", metavar="NAME", help="with --from: the array of a .npz file that holds several")
    p.add_argument("--chunks", metavar="N,N,..", help="the chunk shape (default: automatic when compressed)")
    p.add_argument("--compression", metavar="NAME[:LEVEL]", help="none, gzip[:LEVEL], lzf, zstd[:LEVEL], "
                   "blosc[:LEVEL], lz4...")
    p.add_argument("-p", "--parents", action="store_true", help="create PATH's missing groups")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_mkdataset)

    p = subparsers.add_parser(
        "ln", parents=[common], help="create a soft link, or an external link (--external)",
        description="Create a link at PATH in FILE: a soft link to TARGET (an absolute path, or one relative to "
        "the link's group; it may dangle), or with --external a link to TARGET_PATH in OTHER_FILE (stored "
        "relative to FILE's folder, as the GUI stores it).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="the new link")
    p.add_argument("target", metavar="TARGET", nargs="?", help="the path the soft link points to")
    p.add_argument("--external", metavar="OTHER_FILE[:TARGET_PATH]",
                   help="an external link into OTHER_FILE (TARGET_PATH default /)")
    p.add_argument("-p", "--parents", action="store_true", help="create PATH's missing groups")
    p.set_defaults(func=cmd_ln)


def cmd_mkdataset(args: argparse.Namespace) -> int:
    from h5gui.core import api
    from h5gui.core.errors import BadRequestError
    from h5gui.core.parsing import new_dataset_options

    if args.source is not None:
        given = [o for o, v in (("--shape", args.shape), ("--dtype", args.dtype), ("--fill", args.fill)) if v is not None]
        if given:
            raise BadRequestError(f"--from takes the shape and type of its array: drop {', '.join(given)}")
        opts = new_dataset_options("", "float32", args.chunks, args.compression)
        opts = {k: v for k, v in opts.items() if k in ("chunks", "compression", "compression_opts") and v is not None}
        job = run_routed(api.structure.create_dataset_from_file, args.file, args.path, args.source, key=args.key,
                   parents=args.parents, **opts)
        row = output.drive(job, args.quiet)
    else:
        if args.shape is None:
            raise BadRequestError("a new dataset needs --shape (e.g. --shape 100,28,28) or --from ARRAY_FILE")
        if args.key is not None:
            raise BadRequestError("--key picks an array of a .npz file: give it with --from")
        opts = new_dataset_options(args.shape, args.dtype or "float32", args.chunks, args.compression, args.fill)
        row = run_routed(api.structure.create_dataset, args.file, args.path, parents=args.parents, **opts)
    shape = row.shape_text or "scalar"
    output.print_line(f"created dataset {row.path} ({shape} {row.dtype}) in {args.file}")
    return 0


def external_target(file: str, value: str) -> tuple[str, str]:
    """``(file name as stored, path inside it)`` of ``--external OTHER_FILE[:TARGET_PATH]``: a local file is
    stored relative to ``file``'s folder (as New external link... stores it)."""
    cut = value.rfind(":/")
    if cut <= 1 or value.startswith("://", cut):  # no path given (or a drive letter, or 'hdf5://dom' alone)
        other, target = value, "/"
    else:
        other, target = value[:cut], value[cut + 1:]
    if "://" not in other and "://" not in file and other:
        try:
            other = os.path.relpath(os.path.abspath(other), os.path.dirname(os.path.abspath(file)))
        except ValueError:  # another drive (Windows): kept absolute
            other = os.path.abspath(other)
    return other, target


def cmd_ln(args: argparse.Namespace) -> int:
    from h5gui.core import api
    from h5gui.core.errors import BadRequestError

    if args.external is not None:
        if args.target is not None:
            raise BadRequestError("an external link takes its target from --external OTHER_FILE:TARGET_PATH, "
                                  f"not {args.target!r}")
        other, target = external_target(args.file, args.external)
        row = run_routed(api.structure.create_external_link, args.file, args.path, other, target, parents=args.parents)
        output.print_line(f"created external link {row.path} -> {other}:{target} in {args.file}")
        return 0
    if args.target is None:
        raise BadRequestError("a soft link needs a TARGET path (or --external OTHER_FILE:TARGET_PATH)")
    row = run_routed(api.structure.create_soft_link, args.file, args.path, args.target, parents=args.parents)
    output.print_line(f"created soft link {row.path} -> {args.target} in {args.file}"
                      + ("" if row.target_kind or "://" in args.file else " (it dangles: nothing is there yet)"))
    return 0
