"""Leftovers of killed writes are found, named and removed on request (issue 10 item 7)."""

import h5py
import numpy as np
import pytest

from h5gui.core import maintenance
from h5gui.core.errors import BadRequestError


def _file(tmp_path):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as f:
        f["keep"] = np.arange(10)
        g = f.create_group("/.h5gui-import-123-abcd")
        g["images"] = np.zeros((100, 10), dtype="u1")
        f.create_group("g")[".h5gui-partial-9-ef01-out"] = np.ones(50, dtype="f8")
    return p


def test_found_with_their_sizes_and_named_in_one_line(tmp_path):
    p = _file(tmp_path)
    scan = maintenance.find_leftovers(str(p))
    assert scan.complete
    assert [(i.path, i.kind, i.nbytes) for i in scan.items] == [
        ("/.h5gui-import-123-abcd", "group", 1000), ("/g/.h5gui-partial-9-ef01-out", "dataset", 400)]
    line = scan.text()
    assert "2 leftover(s) of interrupted h5gui writes" in line and "\n" not in line


def test_removed_only_when_asked_and_only_temporary_names(tmp_path):
    p = _file(tmp_path)
    with pytest.raises(BadRequestError, match="not a leftover"):
        maintenance.remove_leftovers(str(p), ["/keep"])
    assert maintenance.remove_leftovers(str(p), [i.path for i in maintenance.find_leftovers(str(p)).items]) == 2
    with h5py.File(p, "r") as f:
        assert list(f) == ["g", "keep"] and list(f["g"]) == []
    assert maintenance.find_leftovers(str(p)).items == ()
