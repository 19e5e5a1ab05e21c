"""The engine and the CLI run headless: importing them loads no Qt (DESIGN.md section 1)."""

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import h5gui.core
    names = ["h5gui.cli"] + [m.name for m in pkgutil.walk_packages(h5gui.core.__path__, "h5gui.core.")]
    for name in names:
        importlib.import_module(name)
    import h5gui.cli
    h5gui.cli.build_parser()
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "h5gui.gui"))
    qt += sorted(m for m in sys.modules if m.startswith("h5gui.gui") or m == "h5gui.app")
    print(len(names))
    print(" ".join(qt))
    """
)


def test_core_and_cli_import_no_qt():
    # a subprocess: pytest-qt has already imported PySide6 into this one
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True)
    count, loaded = (out.stdout.splitlines() + ["", ""])[:2]
    assert int(count) >= 7, "every core module was imported"
    assert loaded == "", f"Qt modules loaded by h5gui.core / h5gui.cli: {loaded}"
