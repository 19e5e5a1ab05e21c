"""Paths through external links on the command line, as the GUI's tree goes through them (``ls``, ``info``,
``show``, ``attrs``): a note says where the object is; a target outside the file's folder needs
--allow-external; a cycle of files linking each other ends in one line. Before, each refused with
"open that file to go further"."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from clitools import one_error, run


@pytest.fixture
def linked(tmp_path):
    inside = tmp_path / "data"
    inside.mkdir()
    with h5py.File(inside / "t.h5", "w") as f:
        g = f.create_group("grp")
        g["d"] = np.arange(6).reshape(2, 3)
        g["d"].attrs["units"] = "mm"
    with h5py.File(tmp_path / "far.h5", "w") as f:
        f["far"] = np.arange(3)
    with h5py.File(inside / "e.h5", "w") as f:
        f["ext"] = h5py.ExternalLink("t.h5", "/grp")
        f["out"] = h5py.ExternalLink("../far.h5", "/")
        f["loop"] = h5py.ExternalLink("e.h5", "/")
    return inside / "e.h5"


@pytest.mark.parametrize("command", [["ls"], ["info"], ["show"], ["attrs"]])
def test_a_path_through_an_external_link_reads_its_target(capsys, linked, command):
    code, out, err = run(capsys, *command, linked, "/ext/d")
    assert code == 0, err
    assert err.splitlines()[0] == f"h5gui-cli: note: /ext/d in e.h5 is /grp/d in {linked.parent / 't.h5'}, " \
                                  "through an external link"
    want = {"ls": "int64", "info": "/grp/d", "show": "2 x 3", "attrs": "units"}[command[0]]
    assert want in out


def test_a_target_outside_the_folder_needs_allow_external(capsys, linked):
    code, out, err = run(capsys, "info", linked, "/out/far")
    assert code == 4 and out == ""
    one_error(err, "/out in", "outside its folder", "--allow-external")
    code, out, err = run(capsys, "info", linked, "/out/far", "--allow-external")
    assert code == 0 and "/far" in out, err


def test_files_linking_each_other_end_in_one_line(capsys, linked):
    code, out, err = run(capsys, "ls", linked, "/loop" * 12 + "/ext")
    assert code != 0 and out == ""
    one_error(err, "more than 8 external links")
