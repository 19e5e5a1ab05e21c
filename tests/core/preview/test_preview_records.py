"""The preview package's seams: its records and axes import no h5py (the GUI process holds them), every
public name of the old ``preview`` module stays importable from the package, lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from h5gui.core import preview
from h5gui.core.preview import PreviewInfo, table_shape

CHECK = textwrap.dedent(
    """
    import sys
    import h5gui.core.preview
    import h5gui.core.preview.axes
    import h5gui.core.preview.records
    h5gui.core.preview.PreviewInfo, h5gui.core.preview.table_shape
    print(" ".join(sorted(m for m in ("h5py", "PIL", "hdf5plugin") if m in sys.modules)))
    """
)


def test_records_import_no_h5py():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "", f"importing the preview's records loaded {out.stdout.strip()}"


def test_every_public_name_resolves_and_is_typed():
    for name in preview.__all__:
        assert getattr(preview, name) is not None, name
    with pytest.raises(AttributeError):
        preview.no_such_name  # noqa: B018
    # the names mypy sees (imports under TYPE_CHECKING) are the names served lazily
    tree = ast.parse(Path(preview.__file__).read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        for sub in node.body
        if isinstance(sub, ast.ImportFrom)
        for alias in sub.names
    }
    assert typed == set(preview._HOME)


def test_table_shape_is_pure():
    info = PreviewInfo("f.h5", "/cube", (3, 4, 5), "<i4", "int32", "numeric", ("image",), (1, 2, None), False,
                       None, None, False, table_axes=(1, 2))
    assert table_shape(info) == (4, 5)
    assert table_shape(info, (0, 2)) == (3, 5)
