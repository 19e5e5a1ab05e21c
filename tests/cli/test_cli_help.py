"""``h5gui-cli --help`` answers at once: building the parser loads no h5py, numpy or Pillow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

import h5gui.cli
from h5gui.cli import build_parser, import_images

HEAVY = ("h5py", "numpy", "PIL", "hdf5plugin")

MODULES_AFTER = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from h5gui.cli import build_parser, main
    build_parser()
    with contextlib.redirect_stdout(io.StringIO()):
        for argv in [["--help"]] + [[name, "--help"] for name in sys.argv[1:]]:
            assert main(argv) == 0, argv
    print(json.dumps(sorted(sys.modules)))
    """
)


def _subcommands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return list(sub.choices)


def _loaded_heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_every_family_registers_its_subcommands():
    assert _subcommands() == [
        "ls", "info", "show", "attrs", "demo", "import-images", "transform", "stats", "samples",
        "mkgroup", "rm", "mv", "cp", "compact", "mkdataset", "ln", "setvalue", "export", "snippet", "find", "clean", "clear-mark", "download", "upload",
        "domains", "versions",
    ]
    for family in h5gui.cli.FAMILIES:
        assert callable(family.register), family


def test_help_of_every_subcommand_loads_no_h5py_numpy_or_pillow():
    """In a fresh process: build the parser, print ``--help`` and each ``SUBCOMMAND --help``."""
    proc = subprocess.run([sys.executable, "-c", MODULES_AFTER, *_subcommands()], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    modules = json.loads(proc.stdout)
    assert "h5gui.cli.output" in modules
    assert _loaded_heavy(modules) == []
    # nor the core modules that need them (the records-only vocabulary modules are fine)
    assert [m for m in modules if m.startswith("h5gui.core.") and m.split(".")[2] in (
        "nodes", "preview", "attrs", "importer", "transform", "structure", "export", "search", "h5", "imaging",
    )] == []


def _cli_command() -> list[str]:
    script = Path(sys.executable).with_name("h5gui-cli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "h5gui.cli"]


def test_help_answers_quickly():
    """The installed entry point (``h5gui-cli --help``) answers well under half a second; the bound here
    is generous (the best of three, on a shared machine)."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run([*_cli_command(), "--help"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONWARNINGS": "error"})
        times.append(time.perf_counter() - start)
        assert proc.returncode == 0 and proc.stderr == ""
        assert proc.stdout.startswith("usage: h5gui-cli") and "import-images" in proc.stdout
    assert min(times) < 1.0, times


def test_entry_point_is_main():
    (entry,) = [e for e in metadata.entry_points(group="console_scripts") if e.name == "h5gui-cli"]
    assert entry.value == "h5gui.cli:main" and entry.load() is h5gui.cli.main


def test_import_choices_are_the_importers():
    """``import-images`` writes its choices out (the importer loads h5py and Pillow): they must agree."""
    from h5gui.core import importer

    assert import_images.LAYOUTS == importer.LAYOUTS
    assert import_images.MODES == importer.MODES
    assert import_images.RESAMPLE == importer.RESAMPLE
    assert import_images.RESIZE_MODES == importer.RESIZE_MODES
