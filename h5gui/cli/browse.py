"""``h5gui-cli ls | info | show``: what the tree, the info panel and the preview show, read-only::

    h5gui-cli ls FILE [PATH] [-r] [--sizes] [--json]   members of a group (or one entry), naturally sorted
    h5gui-cli info FILE [PATH] [--json]        what the info panel shows
    h5gui-cli show FILE PATH [--index I,J,..] [--axes R,C[,CH]] [--out F.png|F.npy] [--json]
                                               the preview: summary, text, first table rows, image slice
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from h5gui.cli import output
from h5gui.cli.links import follow
from h5gui.cli.reader import read


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``ls``, ``info`` and ``show`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser("ls", parents=[common], help="list the members of a group (naturally sorted)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="group or object inside FILE (default /)")
    p.add_argument("-r", "--recursive", action="store_true", help="list everything below PATH")
    p.add_argument("--sizes", action="store_true", help="add each dataset's size on disk (the first "
                   "1,000 members of a group: what the GUI's member table shows)")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    p.add_argument("--allow-external", action="store_true",
                   help="follow an external link on PATH to a file outside the file's folder")
    p.set_defaults(func=cmd_ls)

    p = subparsers.add_parser("info", parents=[common], help="describe one object (what the info panel shows)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("path", metavar="PATH", nargs="?", default="/", help="object inside FILE (default /)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument(
        "--allow-external", action="store_true",
        help="also read data kept outside the file's folder (external storage, links, virtual sources)",
    )
    p.set_defaults(func=cmd_info)

    p = subparsers.add_parser(
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


# ---------------------------------------------------------------------------------------------
# ls


def kind_text(row: Any) -> str:
    """``dataset``, ``group``, ``link -> /data/x``, ``external -> other.h5:/grp``, ``... (dangling)``."""
    from h5gui.core import nodes

    if row.link_file:
        text = f"external -> {row.link_file}:{row.link_target}"
    elif row.link_target:
        text = f"link -> {row.link_target}"
    else:
        return str(nodes.KIND_LABELS.get(row.kind, row.kind))
    if row.kind == nodes.DANGLING_LINK:
        text += " (dangling)"
    elif row.kind == nodes.UNREADABLE:
        text += " (unreadable)"
    elif row.kind == nodes.SOFT_LINK and row.target_kind == nodes.EXTERNAL_LINK:
        text += " (through an external link)"
    return text


def row_json(row: Any) -> dict[str, Any]:
    """A listing row as ``ls --json`` prints it."""
    from h5gui.core import nodes

    d = dataclasses.asdict(row)
    d["shape"] = list(row.shape) if row.shape is not None else None
    d["kind_text"] = kind_text(row)
    d["shape_text"] = row.shape_text
    d["dangling"] = row.kind == nodes.DANGLING_LINK
    return d


def cmd_ls(args: argparse.Namespace) -> int:
    from h5gui.core import nodes
    from h5gui.core.errors import DanglingLinkError, UnreadableError

    file, path, target = follow(args.file, args.path, args.allow_external)
    failed = 0  # groups a recursive listing could not read (each said in one line)
    if path != "/" and target.kind == nodes.DANGLING_LINK:
        raise DanglingLinkError(f"{path} in {file}: {target.error}")
    if path != "/" and target.kind == nodes.UNREADABLE:
        raise UnreadableError(f"{path} in {file}: {target.error}")
    if args.sizes and target.is_group_like and not args.recursive:
        return _ls_sizes(args, file, path)
    if not target.is_group_like:
        rows = [target]
    elif args.recursive:
        rows, failed = _walk(file, path)
    else:
        rows = list(read("h5gui.core.nodes", "open_group_listing", file, path, first=sys.maxsize,
                         subject=(file, path), operation="listing").first)
    code = UnreadableError.exit_code if failed else 0
    if args.json:
        output.dump_json([row_json(r) for r in rows])
        return code
    by_path = args.recursive or not target.is_group_like
    table = [(r.path if by_path else r.name, kind_text(r), r.shape_text, r.dtype) for r in rows]
    output.print_table(table, caps=(None, 28))
    from h5gui.core.maintenance import leftover_note

    note = leftover_note(file, [r.path for r in rows])
    if note:
        output.print_warning(note)
    return code


def _ls_sizes(args: argparse.Namespace, file: str, path: str) -> int:
    """``ls --sizes``: the member table of the group (:func:`h5gui.core.nodes.member_table`)."""
    from h5gui.core.text import format_bytes

    table = read("h5gui.core.nodes", "member_table", file, path, subject=(file, path), operation="listing")
    if args.json:
        output.dump_json([dict(row_json(m.info), storage=m.storage) for m in table.rows])
        return 0
    output.print_table([(m.info.name, kind_text(m.info), m.info.shape_text, m.info.dtype,
                         "" if m.storage is None else format_bytes(m.storage)) for m in table.rows], caps=(None, 28))
    if table.truncated:
        output.print_line(f"(the first {len(table.rows):,} of {table.total:,} members)")
    return 0


MAX_WALK_DEPTH = 64  # the group-by-group walk after a crash stops there (hard-link cycles)


def _walk(file: str, path: str) -> tuple[list[Any], int]:
    """``(rows, groups not listed)``: every object below ``path`` in one job; if that crashes or hangs the
    reader, or libhdf5 cannot read a group (a damaged file), the walk goes on group by group and each
    group that fails is reported in one line."""
    from h5gui.core.errors import H5GuiError, ReaderCrashedError, UnreadableError

    if not file.startswith("hdf5://"):  # an HSDS domain is walked group by group (paged listings)
        try:
            return list(read("h5gui.core.nodes", "walk", file, path, subject=(file, path), operation="walking")), 0
        except ReaderCrashedError as exc:
            output.print_error(exc)
        except UnreadableError:  # the group that is damaged says so below
            pass
    rows: list[Any] = []
    seen: set[str] = set()
    failed = 0

    def visit(group: str, depth: int) -> None:
        if group in seen or depth > MAX_WALK_DEPTH:
            return
        seen.add(group)
        try:
            listing = read("h5gui.core.nodes", "open_group_listing", file, group, first=sys.maxsize,
                           subject=(file, group), operation="listing")
        except H5GuiError as exc:  # this group only (a crash, a hang, a damaged group): say so, go on
            nonlocal failed
            failed += 1
            output.print_error(exc)
            return
        for row in listing.first:
            rows.append(row)
            if row.is_group_like and row.kind == "group":
                visit(row.path, depth + 1)

    visit(path, 1)
    return rows, failed


# ---------------------------------------------------------------------------------------------
# info


def cmd_info(args: argparse.Namespace) -> int:
    from h5gui.core import nodes
    from h5gui.core.errors import DanglingLinkError, FilterUnavailableError, UnreadableError

    args.file, args.path, _ = follow(args.file, args.path, args.allow_external)
    info = read("h5gui.core.nodes", "describe", args.file, args.path, allow_external=args.allow_external,
                subject=(args.file, args.path), operation="describing")
    if args.json:
        output.dump_json(info.to_json())
    else:
        output.print_fields(info.rows())
    if not info.error:
        return 0
    # the object was described, but it is not usable as it is: say so, as for any other bad input
    if info.kind == nodes.DANGLING_LINK:
        err: Exception = DanglingLinkError(f"{info.path} in {info.file}: {info.error}")
    elif any(not f.available for f in info.filters):
        err = FilterUnavailableError(f"{info.path} in {info.file}: {info.error}")
    else:
        err = UnreadableError(f"{info.path} in {info.file}: {info.error}")
    sys.stdout.flush()
    output.print_error(err)
    return int(getattr(err, "exit_code", 1))


# ---------------------------------------------------------------------------------------------
# show


def _image_of(args: argparse.Namespace, info: Any) -> tuple[Any, str]:
    """The image slice the GUI would show first (or the decoded picture), and a description."""
    from h5gui.core import preview
    from h5gui.core.errors import BadRequestError
    from h5gui.core.parsing import parse_ints
    from h5gui.core.text import shape_text

    index = parse_ints(args.index, "--index")
    if info.kind == preview.ENCODED:
        return read("h5gui.core.preview", "read_encoded",
            args.file, args.path, subject=(args.file, args.path), operation="decoding", index=index if len(index) > 1 else (index[0] if index else 0),
            allow_external=args.allow_external,
        )
    axes = parse_ints(args.axes, "--axes")
    if axes:
        image_axes = (axes[0], axes[1], axes[2] if len(axes) > 2 else None) if len(axes) >= 2 else None
    else:
        image_axes = info.image_axes
    if "image" not in info.views or image_axes is None:
        raise BadRequestError(f"{info.path} has no image view ({info.kind}, {shape_text(info.shape)})")
    req = preview.ImageRequest(axes=image_axes, index=index, max_pixels=args.max_pixels)
    s = read("h5gui.core.preview", "read_image", args.file, args.path, req, allow_external=args.allow_external,
             subject=(args.file, args.path), operation="reading an image of")
    h, w = s.data.shape[:2]
    text = f"{w}x{h} {s.data.dtype}" + (" RGB" if s.rgb else "") + f" of {s.full_shape[1]}x{s.full_shape[0]}"
    if s.note:
        text += f" ({s.note})"
    return s, text


def _write_image(s: Any, out: str) -> None:
    from h5gui.core.export.shown import save_slice

    save_slice(s, out)


def _summary(info: Any) -> list[tuple[str, str]]:
    """The ``Label: value`` rows ``show`` starts with."""
    from h5gui.core.text import shape_text

    rows = [("Path", info.path), ("Kind", info.kind), ("Shape", shape_text(info.shape)),
            ("Datatype", info.dtype_text), ("Views", ", ".join(info.views) or "none")]
    if info.image_axes is not None:
        rows.append(("Image axes", ", ".join("-" if a is None else str(a) for a in info.image_axes)
                     + (" (colour)" if info.rgb else "")))
    if info.encoded_format:
        rows.append(("Encoded", f"{info.encoded_format} ({info.encoded_count:,} image(s))"))
    if info.all_fill:
        rows.append(("Stored", "nothing: all fill value"))
    return rows


def cmd_show(args: argparse.Namespace) -> int:
    from h5gui.core import preview
    from h5gui.core.errors import FilterUnavailableError, UnreadableError
    from h5gui.core.parsing import parse_ints

    args.file, args.path, _ = follow(args.file, args.path, args.allow_external)
    if not str(args.file).startswith("hdf5://"):  # NeXus: a group shows its signal
        args.path = read("h5gui.core.preview", "signal_path", args.file, args.path,
                         subject=(args.file, args.path), operation="reading") or args.path
    info = read("h5gui.core.preview", "preview_info", args.file, args.path, allow_external=args.allow_external,
                subject=(args.file, args.path), operation="previewing")
    if args.json:
        output.dump_json(dataclasses.asdict(info))
    if info.error:
        cls = FilterUnavailableError if "decompress" in info.error else UnreadableError
        raise cls(info.error)
    if args.out:
        s, text = _image_of(args, info)
        _write_image(s, args.out)
        if not args.json:
            output.print_line(f"wrote {args.out}: {text}")
        return 0
    if args.json:
        return 0
    rows = _summary(info)
    first = info.views[0] if info.views else ""
    if first in ("image", "encoded"):
        rows.append(("Image", _image_of(args, info)[1]))
    output.print_fields(rows)
    index = parse_ints(args.index, "--index")
    if first == "text" or (first == "plot" and info.rank == 1 and info.size <= 20):
        output.print_block(read("h5gui.core.preview", "read_text", args.file, args.path, index=index,
                                allow_external=args.allow_external, subject=(args.file, args.path),
                                operation="reading"))
    elif first in ("table", "plot"):
        n_rows, n_cols = preview.table_shape(info, None, ())
        block = read("h5gui.core.preview", "read_table", args.file, args.path, 0, 20, 0, 16, index=index,
                     allow_external=args.allow_external, subject=(args.file, args.path), operation="reading")
        output.print_tsv([block.columns, *block.cells])
        if n_rows > len(block.cells) or n_cols > len(block.columns):
            output.print_line(f"... ({n_rows:,} x {n_cols:,} in all)")
    return 0
