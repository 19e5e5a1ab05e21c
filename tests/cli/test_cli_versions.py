"""``h5gui-cli versions``: the versions a bug report needs, HDF5's included."""

from __future__ import annotations

import json

import h5py
import numpy as np

from h5gui import __version__
from h5gui.cli import main


def test_versions_json(capsys) -> None:
    assert main(["versions", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["h5gui"] == __version__
    assert found["h5py"] == h5py.__version__ and found["HDF5"] == h5py.version.hdf5_version
    assert found["numpy"] == np.__version__
    assert "Pillow" in found and "hdf5plugin" in found


def test_versions_text(capsys) -> None:
    assert main(["versions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("HDF5:") and h5py.version.hdf5_version in line for line in lines)
