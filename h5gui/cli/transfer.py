"""``h5gui-cli download``, ``upload`` and ``domains``: remote files and HSDS domains to local files and back::

    h5gui-cli download s3://bucket/key.h5 OUT.h5 [--force]     a copy of a remote file (opens editable)
    h5gui-cli download hdf5://home/u/f.h5 OUT.h5 [--path G]    a domain (or one group) as a local file
    h5gui-cli upload FILE.h5 hdf5://home/u/f.h5 [--path G] [--force]   a local file into a new domain
    h5gui-cli domains hdf5://home/u/                           the domains and folders of an HSDS folder

The same core jobs as the GUI's "Download a copy..."/"Download..." and "Upload to HSDS..." (progress on
stderr; Ctrl-C leaves nothing behind).
"""

from __future__ import annotations

import argparse
from typing import Any

from h5gui.cli import output


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``download`` and ``upload`` to ``h5gui-cli``'s subcommands."""
    p = subparsers.add_parser("download", parents=[common], help="copy an s3://, http(s):// file or an hdf5:// "
                              "domain to a local file")
    p.add_argument("source", metavar="URL")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--path", default="/", help="HSDS: only this group (default: the whole domain)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_download)
    p = subparsers.add_parser("upload", parents=[common], help="copy a local file (or group) into a new HSDS domain")
    p.add_argument("file", metavar="FILE")
    p.add_argument("domain", metavar="DOMAIN", help="hdf5://home/user/file.h5")
    p.add_argument("--path", default="/", help="only this group of FILE (default: all of it)")
    p.add_argument("--force", action="store_true", help="replace the domain if it exists")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_upload)
    p = subparsers.add_parser("domains", parents=[common], help="list the domains and folders of an HSDS folder")
    p.add_argument("folder", metavar="FOLDER", nargs="?", default="hdf5://home/", help="hdf5://home/user/")
    p.set_defaults(func=cmd_domains)


def _report(verb: str, report: Any) -> None:
    from h5gui.core.text import format_bytes

    output.print_line(f"{verb} {report.source} to {report.target}: {report.groups:,} groups, {report.datasets:,} "
                      f"datasets, {report.attributes:,} attributes, {format_bytes(report.bytes)} in "
                      f"{report.requests:,} requests, {report.seconds:.1f} s")
    for note in report.not_carried:
        output.print_line(f"  not carried: {note}")


def cmd_download(args: argparse.Namespace) -> int:
    from h5gui.core.sources import Source
    from h5gui.core.text import format_bytes

    src = Source.parse(args.source)
    if src.kind == "hsds":
        from h5gui.core.hsds import transfer

        _report("downloaded", output.drive(transfer.download(src.url, args.out, path=args.path,
                                                             overwrite=args.force), args.quiet))
        return 0
    from h5gui.core import download

    r = output.drive(download.download(src, args.out, overwrite=args.force), args.quiet)
    output.print_line(f"downloaded {r.source} to {r.path}: {format_bytes(r.nbytes)} in {r.requests:,} requests, "
                      f"{r.seconds:.1f} s")
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    from h5gui.core.hsds import transfer
    from h5gui.core.sources import Source

    src = Source.parse(args.domain)
    if src.kind != "hsds":
        from h5gui.core.errors import BadRequestError

        raise BadRequestError(f"{args.domain}: upload goes to an HSDS domain (hdf5://home/user/file.h5)")
    _report("uploaded", output.drive(transfer.upload(args.file, src.url, path=args.path, overwrite=args.force),
                                     args.quiet))
    return 0


def cmd_domains(args: argparse.Namespace) -> int:
    from h5gui.core.hsds.folders import list_folder

    entries = list_folder(args.folder)
    output.print_table([(e["uri"], e["owner"]) for e in entries])
    return 0
