"""``h5gui-cli``: the headless side of h5gui, over the same core functions as the GUI.

::

    h5gui-cli ls FILE [PATH] [-r] [--json]     members of a group (or one entry)
    h5gui-cli info FILE [PATH] [--json]        what the info panel shows
    h5gui-cli show FILE PATH [--index I,J,..] [--out F.png|F.npy]
                                               the preview the GUI shows (image slice, text, table)
    h5gui-cli attrs FILE [PATH] [--json]       list an object's attributes
    h5gui-cli attrs FILE PATH --set NAME=VALUE [--type T] [--fixed-length]
                              --rename OLD NEW  --delete NAME
                                               edit them (the file is opened for writing only then)
    h5gui-cli attrs DEST DEST_PATH --copy-from SRC SRC_PATH [--name N] [--overwrite]
                                               paste attributes, as Copy and Paste in the GUI
    h5gui-cli demo [OUT]                       write the demo file, print its path
    h5gui-cli import-images SRC DEST.h5 [--group G] [--layout ...] [--dry-run]
                                               pack a folder tree of images into HDF5
    h5gui-cli transform FILE SRC [DEST] [--add-axis=-1] [--dtype T] [--normalize scale:255] [--replace]
                                               reshape, cast, normalize, rechunk (out of core)
    h5gui-cli stats FILE PATH [--store] [--json]   min/max/mean/std per channel, NaN/inf, histogram, classes
    h5gui-cli samples FILE PATH [--n 16] --out grid.png   a contact sheet of samples with their labels
    h5gui-cli mkgroup | rm | mv | cp | compact | export | snippet | find ...
    h5gui-cli download URL OUT | upload FILE hdf5://DOMAIN   remote files and HSDS domains in and out
                                               structure edits, export, code snippets, search
    h5gui-cli mkdataset FILE PATH --shape 100,28,28 [--dtype uint8] [--fill V] [--chunks ..] [--compression gzip:4]
    h5gui-cli mkdataset FILE PATH --from ARRAY.npy|.npz|.csv|.tsv|.txt    New dataset (from file)... of the GUI
    h5gui-cli ln FILE PATH TARGET | --external OTHER_FILE[:TARGET_PATH]  a soft or an external link
    h5gui-cli setvalue FILE PATH --index I,J VALUE [VALUE ..]   type values into a dataset, as in the table

One module per family of subcommands, each with ``register(subparsers, common)`` (``common``: the
parent parser of the shared options; every subcommand sets ``func``): :mod:`~h5gui.cli.browse` (ls,
info, show), :mod:`~h5gui.cli.attrs`, :mod:`~h5gui.cli.demo`, :mod:`~h5gui.cli.import_images`,
:mod:`~h5gui.cli.transform`, :mod:`~h5gui.cli.stats`, :mod:`~h5gui.cli.samples`, :mod:`~h5gui.cli.structure` (mkgroup, rm, mv, cp, compact),
:mod:`~h5gui.cli.export` (export, snippet), :mod:`~h5gui.cli.find`, :mod:`~h5gui.cli.new_objects` (mkdataset, ln),
:mod:`~h5gui.cli.values` (setvalue). What they print goes through
:mod:`~h5gui.cli.output`. They import the core (h5py, numpy, Pillow) only when a command runs:
``h5gui-cli --help`` loads none of it.

Errors are one line on stderr (``h5gui-cli: error: ...``) with a non-zero exit code: 2 for a file
that cannot be opened or a bad request, 3 for a missing node or a dangling link, 4 when reading
would leave the file's folder (``--allow-external`` to confirm) (each :class:`~h5gui.core.errors.H5GuiError`
carries its ``exit_code``), :data:`EXIT_FAILED` for anything else, :data:`EXIT_INTERRUPTED` on Ctrl-C.

No Qt is imported here, directly or not (an import-linter contract checks it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from h5gui import __version__
from h5gui.cli import (
    attrs,
    browse,
    demo,
    export,
    find,
    import_images,
    maintenance,
    new_objects,
    reader,
    samples,
    stats,
    structure,
    transfer,
    transform,
    values,
    versions,
)
from h5gui.cli.output import PROG, EscapingFormatter, escape, print_error
from h5gui.core import sources
from h5gui.core.errors import H5GuiError, OpenMarkError, ReaderCrashedError
from h5gui.core.sources import S3Options, add_s3_arguments

log = logging.getLogger("h5gui.cli")

EXIT_OK = 0
EXIT_FAILED = 1  # anything that is not a bad request, a missing node or a refusal to read outside
EXIT_USAGE = 2  # a malformed command line (argparse), like BadRequestError
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (``| head``)

# the families of subcommands, in the order ``--help`` lists them
FAMILIES = (browse, attrs, demo, import_images, transform, stats, samples, structure, new_objects, values, export, find,
            maintenance, transfer, versions)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with its one-line usage errors escaped like every other message."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {escape(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (imports no h5py, numpy or Pillow)."""
    common = ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log details and tracebacks to stderr"
    )
    add_s3_arguments(common)
    common.add_argument(
        "--in-process", action="store_true", default=argparse.SUPPRESS,
        help="read in this process instead of the supervised reader process (faster to start; a file that "
        "crashes libhdf5 then ends the command)",
    )
    common.add_argument(
        "--read-past-mark", action="store_true", default=argparse.SUPPRESS,
        help="read a file that a crashed writer left marked 'open for writing' (it is not changed)",
    )
    common.add_argument(
        "--deadline", type=float, default=argparse.SUPPRESS, metavar="SECONDS",
        help="a read that shows no progress for this long counts as hung: its object is reported, exit code 5 "
        "(default 15)",
    )
    parser = ArgumentParser(
        prog=PROG,
        description="What h5gui does, without a window: browse and preview HDF5 files (local, s3://, https://, "
        "hdf5:// on HSDS), edit attributes, values and structure, import image folders, transform, export, "
        "compute statistics and write loader code. 'h5gui-cli COMMAND --help' for each command.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for family in FAMILIES:
        family.register(sub, common)
    return parser


def _remember_s3_options(args: argparse.Namespace) -> None:
    """``--endpoint-url``, ``--profile``, ``--anon``: for every ``s3://`` file the command names."""
    opts = S3Options.from_namespace(args)
    if opts.is_default:
        return
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.startswith("s3://"):
                sources.remember_options(item, opts)


def _log_to_stderr(debug: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(f"{PROG}: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if debug:
        logging.getLogger("h5gui").setLevel(logging.DEBUG)  # ours only: h5py's debug log is noise
    else:  # a crashed or hung read is the command's own one-line error: not logged twice
        logging.getLogger("h5gui.core.ioproc").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``h5gui-cli`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    debug = getattr(args, "debug", False)
    _log_to_stderr(debug)
    _remember_s3_options(args)
    run_reader = reader.configure(in_process=getattr(args, "in_process", False),
                                  deadline=getattr(args, "deadline", reader.DEFAULT_DEADLINE),
                                  past_mark=getattr(args, "read_past_mark", False))
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows up here rather than at exit
        if run_reader.crashes and code == EXIT_OK:
            code = ReaderCrashedError.exit_code  # objects were skipped: say so in the exit code
        return code
    except OpenMarkError as err:
        print_error(f"{err}; read it as it is with --read-past-mark, or clear the mark: "
                    f"{PROG} clear-mark {err.file}")
        return err.exit_code
    except H5GuiError as err:
        if debug:
            log.debug("details", exc_info=True)
        print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader (``| head``) went away: stop quietly, and keep Python from complaining at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            log.debug("could not point stdout at %s", os.devnull, exc_info=True)
        return EXIT_BROKEN_PIPE
    except Exception as err:  # the last line of defence: one line, no traceback
        if debug:
            log.exception("unexpected error")
        hint = "" if debug else " (run with --debug for the traceback)"
        print_error(f"unexpected {type(err).__name__}: {err}{hint}")
        return EXIT_FAILED
    finally:
        run_reader.close()
