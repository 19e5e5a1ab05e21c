"""``h5gui-cli``: the headless side of h5gui, over the same core functions as the GUI.

::

    h5gui-cli ls FILE [PATH] [-r] [--json]     members of a group (or one entry)
    h5gui-cli info FILE [PATH] [--json]        what the info panel shows
    h5gui-cli demo [OUT]                       write the demo file, print its path
    h5gui-cli show FILE PATH [--index I,J,..] [--out F.png|F.npy]
                                               the preview the GUI shows (image slice, text, table)
    h5gui-cli attrs FILE [PATH] [--json]       list an object's attributes
    h5gui-cli attrs FILE PATH --set NAME=VALUE [--type T] [--fixed-length]
                              --rename OLD NEW  --delete NAME
                                               edit them (the file is opened for writing only then)
    h5gui-cli import-images SRC DEST.h5 [--group G] [--layout ...] [--dry-run]
                                               pack a folder tree of images into HDF5
    h5gui-cli transform FILE SRC [DEST] [--add-axis=-1] [--dtype T] [--normalize scale:255] [--replace]
                                               reshape, cast, normalize, rechunk (out of core)
    h5gui-cli mkgroup | rm | mv | cp | export | compact | find | snippet ...
                                               structure edits, export, search, code snippets

Errors are one line on stderr (``h5gui-cli: error: ...``) with a non-zero exit code: 2 for a file
that cannot be opened or a bad request, 3 for a missing node or a dangling link, 4 when reading
would leave the file's folder (``--allow-external`` to confirm), 1 for anything else, 130 on Ctrl-C.

No Qt is imported here, directly or not (an import-linter contract checks it).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from h5gui import __version__
from h5gui.commands import int_list, json_default
from h5gui.core.paths import normalize_path

PROG = "h5gui-cli"
log = logging.getLogger("h5gui.cli")


# subcommands that live in h5gui/commands/<module>.py: add_parser(subparsers, common) and run(args)
COMMAND_MODULES: tuple[str, ...] = ("import_images", "transform", "structure")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log details and tracebacks to stderr"
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Inspect HDF5 files without a window: list groups, describe objects, write the demo file.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ls", parents=[common], help="list the members of a group (naturally sorted)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="group or object inside FILE (default /)")
    p.add_argument("-r", "--recursive", action="store_true", help="list everything below PATH")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    p.set_defaults(func=cmd_ls)

    p = sub.add_parser("info", parents=[common], help="describe one object (what the info panel shows)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="object inside FILE (default /)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument(
        "--allow-external", action="store_true",
        help="also read data kept outside the file's folder (external storage, links, virtual sources)",
    )
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "show", parents=[common],
        help="the preview the GUI shows: summary, text or first table rows; --out writes the image slice",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", help="dataset inside FILE")
    p.add_argument(
        "--index", metavar="I,J,..", default="",
        help="one index per axis fixing the axes that are not shown (default 0); for encoded images: the element",
    )
    p.add_argument("--axes", metavar="R,C[,CH]", default="", help="image rows, columns (and channel) axes")
    p.add_argument("--out", metavar="OUT", help="write the image slice to OUT.png (8-bit, auto levels) or OUT.npy")
    p.add_argument("--max-pixels", type=int, default=4_000_000, help="pixel budget of the read (default 4,000,000)")
    p.add_argument("--json", action="store_true", help="print the preview info as JSON")
    p.add_argument(
        "--allow-external", action="store_true",
        help="also read data kept outside the file's folder (external storage, virtual sources)",
    )
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "attrs", parents=[common],
        help="list an object's attributes; --set, --rename, --delete edit them",
        description="List the attributes of the object at PATH, or edit them. Values are typed as in the GUI: "
        "3, 0.5, 1e-3, true, 1+2j, [1, 2, 3], [[1,2],[3,4]], text or \"text\", [\"a\", \"b\"]. "
        "Edits run in this order: --set, --rename, --delete.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="object inside FILE (default /)")
    p.add_argument("--json", action="store_true", help="print the attributes as JSON (after any edits)")
    p.add_argument(
        "--set", metavar="NAME=VALUE", action="append", default=[],
        help="set an attribute (repeatable); an existing one keeps its type unless --type is given",
    )
    p.add_argument(
        "--type", metavar="TYPE",
        help="type of the --set values: string, int8..int64, uint8..uint64, float16, float32, float64, bool, "
        "complex64, complex128 (default: keep an existing attribute's type; string for a new one)",
    )
    p.add_argument("--fixed-length", action="store_true", help="with --set: store strings as fixed-length")
    p.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), action="append", default=[],
                   help="rename an attribute (repeatable)")
    p.add_argument("--delete", metavar="NAME", action="append", default=[], help="delete an attribute (repeatable)")
    p.set_defaults(func=cmd_attrs)

    p = sub.add_parser("demo", parents=[common], help="write the demo file and print its path")
    p.add_argument("out", metavar="OUT", nargs="?", help="file or folder to write (default: the user's data folder)")
    p.set_defaults(func=cmd_demo)
    for module in COMMAND_MODULES:
        importlib.import_module(f"h5gui.commands.{module}").add_parser(sub, common)

    return parser


# ---------------------------------------------------------------------------------------------
# ls


def _kind_text(row: Any) -> str:
    """``dataset``, ``group``, ``link -> /data/x``, ``external -> other.h5:/grp``, ``... (dangling)``."""
    from h5gui.core import nodes

    if row.link_file:
        text = f"external -> {row.link_file}:{row.link_target}"
    elif row.link_target:
        text = f"link -> {row.link_target}"
    else:
        return nodes.KIND_LABELS.get(row.kind, row.kind)
    if row.kind == nodes.DANGLING_LINK:
        text += " (dangling)"
    elif row.kind == nodes.UNREADABLE:
        text += " (unreadable)"
    elif row.kind == nodes.SOFT_LINK and row.target_kind == nodes.EXTERNAL_LINK:
        text += " (through an external link)"
    return text


def _row_json(row: Any) -> dict[str, Any]:
    from h5gui.core import nodes

    d = dataclasses.asdict(row)
    d["shape"] = list(row.shape) if row.shape is not None else None
    d["kind_text"] = _kind_text(row)
    d["shape_text"] = row.shape_text
    d["dangling"] = row.kind == nodes.DANGLING_LINK
    return d


def _print_table(rows: list[tuple[str, ...]], out: TextIO, caps: Sequence[int | None] = ()) -> None:
    """Left-aligned columns two spaces apart, trailing blanks stripped.

    A column's width is capped by ``caps`` (``None``: no cap): a longer cell (a long link target)
    pushes the rest of its own row to the right instead of widening the column for every row.
    """
    if not rows:
        return
    ncols = len(rows[0])
    widths = []
    for i in range(ncols - 1):
        cap = caps[i] if i < len(caps) else None
        cells = [len(r[i]) for r in rows if cap is None or len(r[i]) <= cap]
        widths.append(max(cells, default=0))
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r, widths, strict=False)] + [r[-1]]
        out.write("  ".join(cells).rstrip() + "\n")


def cmd_ls(args: argparse.Namespace) -> int:
    from h5gui.core import nodes, progress
    from h5gui.core.errors import DanglingLinkError, UnreadableError

    file, path = args.file, normalize_path(args.path)
    target = nodes.child_info(file, path)  # raises for a missing file or path
    if path != "/" and target.kind == nodes.DANGLING_LINK:
        raise DanglingLinkError(f"{path} in {file}: {target.error}")
    if path != "/" and target.kind == nodes.UNREADABLE:
        raise UnreadableError(f"{path} in {file}: {target.error}")
    if not target.is_group_like:
        rows = [target]
    elif args.recursive:
        rows = progress.run(nodes.walk(file, path))
    else:
        rows = list(nodes.open_group_listing(file, path, first=sys.maxsize).first)
    out = sys.stdout
    if args.json:
        json.dump([_row_json(r) for r in rows], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    name_of = (lambda r: r.path) if args.recursive or not target.is_group_like else (lambda r: r.name)
    table = [(name_of(r), _kind_text(r), r.shape_text, r.dtype) for r in rows]
    _print_table(table, out, caps=(None, 28))
    return 0


# ---------------------------------------------------------------------------------------------
# info


def cmd_info(args: argparse.Namespace) -> int:
    from h5gui.core import nodes
    from h5gui.core.errors import DanglingLinkError, FilterUnavailableError, UnreadableError

    info = nodes.describe(args.file, args.path, allow_external=args.allow_external)
    out = sys.stdout
    if args.json:
        json.dump(info.to_json(), out, indent=2, ensure_ascii=False, default=json_default)
        out.write("\n")
    else:
        rows = info.rows()
        width = max(len(label) for label, _ in rows) + 1
        for label, text in rows:
            out.write(f"{label + ':':<{width}} {text}\n")
    if not info.error:
        return 0
    # the object was described, but it is not usable as it is: say so, as for any other bad input
    if info.kind == nodes.DANGLING_LINK:
        err: Exception = DanglingLinkError(f"{info.path} in {info.file}: {info.error}")
    elif any(not f.available for f in info.filters):
        err = FilterUnavailableError(f"{info.path} in {info.file}: {info.error}")
    else:
        err = UnreadableError(f"{info.path} in {info.file}: {info.error}")
    out.flush()
    _print_error(err)
    return getattr(err, "exit_code", 1)


# ---------------------------------------------------------------------------------------------
# show


def _image_of(args: argparse.Namespace, info: Any) -> tuple[Any, str]:
    """The image slice the GUI would show first (or the decoded picture), and a description."""
    from h5gui.core import preview
    from h5gui.core.text import shape_text

    index = int_list(args.index, "--index")
    if info.kind == preview.ENCODED:
        return preview.read_encoded(
            args.file, args.path, index=index if len(index) > 1 else (index[0] if index else 0),
            allow_external=args.allow_external,
        )
    axes = int_list(args.axes, "--axes")
    if axes:
        image_axes = (axes[0], axes[1], axes[2] if len(axes) > 2 else None) if len(axes) >= 2 else None
    else:
        image_axes = info.image_axes
    if "image" not in info.views or image_axes is None:
        from h5gui.core.errors import BadRequestError

        raise BadRequestError(f"{info.path} has no image view ({info.kind}, {shape_text(info.shape)})")
    req = preview.ImageRequest(axes=image_axes, index=index, max_pixels=args.max_pixels)
    s = preview.read_image(args.file, args.path, req, allow_external=args.allow_external)
    h, w = s.data.shape[:2]
    text = f"{w}x{h} {s.data.dtype}" + (" RGB" if s.rgb else "") + f" of {s.full_shape[1]}x{s.full_shape[0]}"
    if s.note:
        text += f" ({s.note})"
    return s, text


def _write_image(s: Any, out: str) -> None:
    import numpy as np

    from h5gui.core import imaging
    from h5gui.core.errors import BadRequestError, FileAccessError
    from h5gui.core.h5 import staging

    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".npy"):
        raise BadRequestError(f"--out must end in .png or .npy, not {out!r}")
    try:
        with staging.PartialFile(out, overwrite=True) as claim:
            with open(claim.path, "wb") as fh:
                if ext == ".npy":
                    np.save(fh, s.data)
                else:
                    data = s.data if s.data.dtype == np.uint16 and not s.rgb else imaging.to_uint8(s.data, s.levels)
                    fh.write(imaging.encode_png(data))
            claim.publish()
    except OSError as exc:
        raise FileAccessError(f"cannot write {out}: {exc.strerror or exc}") from exc


def cmd_show(args: argparse.Namespace) -> int:
    from h5gui.core import preview
    from h5gui.core.errors import FilterUnavailableError, UnreadableError
    from h5gui.core.text import shape_text

    info = preview.preview_info(args.file, args.path, allow_external=args.allow_external)
    out = sys.stdout
    if args.json:
        d = dataclasses.asdict(info)
        json.dump(d, out, indent=2, ensure_ascii=False, default=json_default)
        out.write("\n")
    if info.error:
        cls = FilterUnavailableError if "decompress" in info.error else UnreadableError
        raise cls(info.error)
    if args.out:
        s, text = _image_of(args, info)
        _write_image(s, args.out)
        if not args.json:
            out.write(f"wrote {args.out}: {text}\n")
        return 0
    if args.json:
        return 0
    rows = [("Path", info.path), ("Kind", info.kind), ("Shape", shape_text(info.shape)),
            ("Datatype", info.dtype_text), ("Views", ", ".join(info.views) or "none")]
    if info.image_axes is not None:
        rows.append(("Image axes", ", ".join("-" if a is None else str(a) for a in info.image_axes)
                     + (" (colour)" if info.rgb else "")))
    if info.encoded_format:
        rows.append(("Encoded", f"{info.encoded_format} ({info.encoded_count:,} image(s))"))
    if info.all_fill:
        rows.append(("Stored", "nothing: all fill value"))
    first = info.views[0] if info.views else ""
    if first in ("image", "encoded"):
        _, text = _image_of(args, info)
        rows.append(("Image", text))
    width = max(len(label) for label, _ in rows) + 1
    for label, text in rows:
        out.write(f"{label + ':':<{width}} {text}\n")
    if first == "text" or (first == "plot" and info.rank == 1 and info.size <= 20):
        out.write(preview.read_text(args.file, args.path, index=int_list(args.index, "--index"),
                                    allow_external=args.allow_external) + "\n")
    elif first in ("table", "plot"):
        n_rows, n_cols = preview.table_shape(info, None, ())
        block = preview.read_table(args.file, args.path, 0, 20, 0, 16, index=int_list(args.index, "--index"),
                                   allow_external=args.allow_external)
        out.write("\t".join(block.columns) + "\n")
        for row in block.cells:
            out.write("\t".join(row) + "\n")
        if n_rows > len(block.cells) or n_cols > len(block.columns):
            out.write(f"... ({n_rows:,} x {n_cols:,} in all)\n")
    return 0


# ---------------------------------------------------------------------------------------------
# attrs


def _attr_json(a: Any) -> dict[str, Any]:
    d = dataclasses.asdict(a)
    d["shape"] = list(a.shape) if a.shape is not None else None
    d["shape_text"] = a.shape_text
    return d


def _attr_row(a: Any) -> tuple[str, str, str, str]:
    value = f"(error: {a.error})" if a.error else a.value
    return a.name, a.dtype, a.shape_text, value


def cmd_attrs(args: argparse.Namespace) -> int:
    from h5gui.core import attrs
    from h5gui.core.errors import BadRequestError

    file, path = args.file, args.path
    edits = bool(args.set or args.rename or args.delete)
    if not args.set and (args.type or args.fixed_length):
        raise BadRequestError("--type and --fixed-length go with --set NAME=VALUE")
    out = sys.stdout
    sets = []
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise BadRequestError(f"--set needs NAME=VALUE, not {item!r}")
        sets.append((name, value))
    for name, value in sets:
        a = attrs.set_attr(file, path, name, value, args.type, fixed_length=True if args.fixed_length else None)
        if not args.json:
            out.write(f"set {a.name} = {a.value} ({a.dtype}, {a.shape_text})\n")
    for old, new in args.rename:
        attrs.rename_attr(file, path, old, new)
        if not args.json:
            out.write(f"renamed {old} -> {new}\n")
    if args.delete:
        attrs.delete_attrs(file, path, args.delete)
        if not args.json:
            for name in dict.fromkeys(args.delete):
                out.write(f"deleted {name}\n")
    if edits and not args.json:
        return 0
    listing = attrs.list_attrs(file, path)
    if args.json:
        json.dump([_attr_json(a) for a in listing], out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_table([_attr_row(a) for a in listing], out, caps=(32, 32, 16))
    return 0


# ---------------------------------------------------------------------------------------------
# demo


def cmd_demo(args: argparse.Namespace) -> int:
    from h5gui.core import demo

    print(demo.make_demo(demo.demo_target(args.out)))
    return 0


# ---------------------------------------------------------------------------------------------


def _print_error(err: BaseException) -> None:
    message = " ".join(str(err).split()) or type(err).__name__
    sys.stderr.write(f"{PROG}: error: {message}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``h5gui-cli`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    from h5gui.core.errors import H5GuiError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    debug = getattr(args, "debug", False)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(levelname)s: %(message)s")
    if debug:
        logging.getLogger("h5gui").setLevel(logging.DEBUG)  # ours only: h5py's debug log is noise
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows up here rather than at exit
        return code
    except H5GuiError as err:
        if debug:
            log.debug("details", exc_info=True)
        _print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader (``| head``) went away: stop quietly, and keep Python from complaining at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception as err:  # the last line of defence: one line, no traceback
        if debug:
            log.exception("unexpected error")
        hint = "" if debug else " (run with --debug for the traceback)"
        _print_error(RuntimeError(f"unexpected {type(err).__name__}: {err}{hint}"))
        return 1

if __name__ == "__main__":
    sys.exit(main())
