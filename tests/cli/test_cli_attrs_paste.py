"""``h5gui-cli attrs --copy-from``: the GUI's Copy and Paste of attributes on the command line (exact types,
references refused outside their file, existing names refused unless --overwrite); and an external link's
attributes, its target's, read-only, as the GUI's Attributes tab shows them (outside the folder: only with
--allow-external)."""

import json
import os
import shutil

import h5py
import numpy as np
import pytest
from clitools import one_error, run


def content(p):
    with open(p, "rb") as fh:
        return fh.read()


@pytest.fixture
def files(tmp_path):
    """src.h5 with /g's attributes of several types; dest.h5 whose /d already has ``units``."""
    src, dest = tmp_path / "src.h5", tmp_path / "dest.h5"
    with h5py.File(src, "w") as f:
        g = f.create_group("g")
        g.attrs["units"] = "m"
        g.attrs["scale"] = np.float32(2.5)
        g.attrs["pixel"] = np.array([3.45, 3.45], dtype=">f8")
        g.attrs.create("color", 1, dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="u1"))
        g.attrs.create("label", np.bytes_("ab"), dtype="S7")
        f.create_group("h")
        g.attrs["target"] = f["h"].ref
    with h5py.File(dest, "w") as f:
        f.create_group("d").attrs["units"] = "old"
    return src, dest


def test_paste_every_attribute_with_its_exact_type(files, capsys):
    src, dest = files
    code, out, err = run(capsys, "attrs", dest, "/d", "--copy-from", src, "/g", "--name", "scale",
                         "--name", "pixel", "--name", "color", "--name", "label")
    assert (code, err) == (0, "") and out.splitlines() == ["pasted scale", "pasted pixel", "pasted color",
                                                          "pasted label"]
    with h5py.File(dest, "r") as f:
        a = f["d"].attrs
        assert a["units"] == "old"  # not named: left alone
        assert a.get_id("scale").dtype == np.dtype("f4") and a["scale"] == np.float32(2.5)
        assert a.get_id("pixel").dtype == np.dtype(">f8") and a["pixel"].tolist() == [3.45, 3.45]
        assert h5py.check_enum_dtype(a.get_id("color").dtype) == {"RED": 0, "GREEN": 1}
        assert a.get_id("label").dtype == np.dtype("S7") and a["label"] == b"ab"


def test_a_name_the_destination_has_is_refused_unless_overwrite(files, capsys):
    src, dest = files
    before = content(dest)
    code, out, err = run(capsys, "attrs", dest, "/d", "--copy-from", src, "/g", "--name", "units", "--name", "scale")
    assert code == 2 and out == ""
    one_error(err, "/d", "already has units", "--overwrite")
    assert content(dest) == before, "nothing is written when one name is taken"
    code, out, err = run(capsys, "attrs", dest, "/d", "--copy-from", src, "/g", "--name", "units", "--name", "scale",
                         "--overwrite")
    assert code == 0 and out.splitlines() == ["replaced units", "pasted scale"], err
    with h5py.File(dest, "r") as f:
        assert f["d"].attrs["units"] == "m" and f["d"].attrs["scale"] == np.float32(2.5)


def test_references_are_pasted_only_into_their_own_file(files, capsys):
    src, dest = files
    before = content(dest)
    code, out, err = run(capsys, "attrs", dest, "/d", "--copy-from", src, "/g", "--overwrite")
    assert code == 2 and out == ""
    one_error(err, "attribute target holds references", "cannot be pasted")
    assert content(dest) == before
    code, out, err = run(capsys, "attrs", src, "/h", "--copy-from", src, "/g", "--name", "target", "--json")
    assert code == 0, err
    assert [d["value"] for d in json.loads(out) if d["name"] == "target"] == ["/h"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--copy-from", "{src}", "/g", "--name", "nope"], 3, ["No attribute nope on /g"]),
        (["--copy-from", "{src}", "/nowhere"], 3, ["No object /nowhere"]),
        (["--copy-from", "{src}", "/h"], 2, ["/h in", "has no attributes: nothing to paste"]),
        (["--copy-from", "{missing}", "/g"], 2, ["No such file"]),
        (["--name", "units"], 2, ["--name and --overwrite go with --copy-from"]),
        (["--overwrite"], 2, ["--name and --overwrite go with --copy-from"]),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(files, capsys, tmp_path, args, code, words):
    src, dest = files
    args = [a.format(src=src, missing=tmp_path / "missing.h5") for a in args]
    before = content(dest)
    got, out, err = run(capsys, "attrs", dest, "/d", *args)
    assert got == code and out == ""
    one_error(err, *words)
    assert content(dest) == before


@pytest.fixture
def linked(tmp_path):
    """main.h5 with /near (an external link into sub/ of its folder) and /far (to a file outside it)."""
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    with h5py.File(folder / "sub" / "target.h5", "w") as f:
        d = f.create_dataset("data", data=np.arange(4))
        d.attrs["long_name"] = "counts"
        d.attrs["n"] = np.int16(4)
    with h5py.File(tmp_path / "outside.h5", "w") as f:
        f.create_dataset("data", data=np.arange(2)).attrs["origin"] = "outside"
    main_file = folder / "main.h5"
    with h5py.File(main_file, "w") as f:
        f["near"] = h5py.ExternalLink("sub/target.h5", "/data")
        f["far"] = h5py.ExternalLink("../outside.h5", "/data")
        f.create_group("g")
    return main_file


def test_an_external_link_lists_its_targets_attributes_read_only(linked, capsys):
    before = os.stat(linked.parent / "sub" / "target.h5").st_mtime_ns
    code, out, err = run(capsys, "attrs", linked, "/near")
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["long_name", "n"]
    assert err.splitlines() == ["h5gui-cli: note: attributes of sub/target.h5:/data, reached through the external "
                                "link /near: read-only here (edit them in that file)"]
    code, out, _ = run(capsys, "attrs", linked, "/near", "--json")
    assert code == 0 and [d["name"] for d in json.loads(out)] == ["long_name", "n"]
    assert os.stat(linked.parent / "sub" / "target.h5").st_mtime_ns == before


def test_an_external_link_outside_the_folder_needs_allow_external(linked, capsys):
    code, out, err = run(capsys, "attrs", linked, "/far")
    assert code == 4 and out == ""
    one_error(err, "/far", "outside the file's folder", "add --allow-external")
    code, out, err = run(capsys, "attrs", linked, "/far", "--allow-external")
    assert code == 0 and out.split()[:1] == ["origin"], err


def test_copy_from_an_external_link_copies_its_targets_attributes(linked, capsys):
    code, out, err = run(capsys, "attrs", linked, "/g", "--copy-from", linked, "/near")
    assert code == 0 and out.splitlines() == ["pasted long_name", "pasted n"], err
    with h5py.File(linked, "r") as f:
        assert f["g"].attrs["long_name"] == "counts" and f["g"].attrs.get_id("n").dtype == np.dtype("i2")
    code, _, err = run(capsys, "attrs", linked, "/g", "--copy-from", linked, "/far", "--overwrite")
    assert code == 4 and one_error(err, "add --allow-external")


def test_a_copy_of_the_file_elsewhere_pastes_the_same(files, capsys, tmp_path):
    """Between two files of different folders: the values, not the paths, travel."""
    src, dest = files
    other = tmp_path / "other"
    other.mkdir()
    moved = shutil.copy(dest, other / "dest.h5")
    code, _, err = run(capsys, "attrs", moved, "/", "--copy-from", src, "/g", "--name", "pixel")
    assert code == 0, err
    with h5py.File(moved, "r") as f:
        assert f.attrs["pixel"].tolist() == [3.45, 3.45]
