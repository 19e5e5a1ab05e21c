"""``h5gui-cli`` mkdataset, ln and setvalue: what New dataset..., New dataset from file..., New soft/external
link... and the table editor do in the GUI, read back with h5py; bad input is one line with an exit code."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from clitools import one_error, run


@pytest.fixture
def h5(tmp_path: Path) -> Path:
    p = tmp_path / "new.h5"
    with h5py.File(p, "w") as f:
        f["stack"] = np.zeros((3, 4, 5), dtype=np.uint8)
        f["line"] = np.arange(5, dtype=np.float64)
        f["table"] = np.zeros(3, dtype=[("id", "i4"), ("score", "f8")])
        f["scalar"] = 3
        f.create_group("grp")
    return p


def test_mkdataset_from_a_shape(h5, capsys):
    code, out, err = run(capsys, "mkdataset", h5, "/runs/a/masks", "--shape", "100,28,28", "--dtype", "uint8",
                         "--fill", "7", "--compression", "gzip:4", "--chunks", "1,28,28", "-p")
    assert (code, err) == (0, "") and out == f"created dataset /runs/a/masks (100 x 28 x 28 uint8) in {h5}\n"
    code, out, err = run(capsys, "mkdataset", h5, "/grp/empty", "--shape", "4, 6")
    assert code == 0 and "(4 x 6 float32)" in out
    code, out, err = run(capsys, "mkdataset", h5, "/grp/name", "--shape", "", "--dtype", "string", "--fill", "none")
    assert code == 0 and "(scalar string)" in out
    with h5py.File(h5) as f:
        d = f["runs/a/masks"]
        assert d.shape == (100, 28, 28) and d.dtype == np.uint8 and d[5, 3, 2] == 7
        assert (d.compression, d.compression_opts, d.chunks) == ("gzip", 4, (1, 28, 28))
        assert f["grp/empty"].dtype == np.float32 and not f["grp/empty"][()].any()
        assert f["grp/name"][()] == b"none"


def test_mkdataset_from_a_file(h5, tmp_path, capsys):
    np.save(tmp_path / "arr.npy", np.arange(12, dtype=np.int16).reshape(3, 4))
    (tmp_path / "points.csv").write_text("x,y\n1,2\n3,4.5\n")
    np.savez(tmp_path / "two.npz", train=np.ones(2), test=np.arange(3.0))
    code, out, err = run(capsys, "mkdataset", h5, "/grp/arr", "--from", tmp_path / "arr.npy", "-q")
    assert (code, err) == (0, "") and out == f"created dataset /grp/arr (3 x 4 int16) in {h5}\n"
    code, out, err = run(capsys, "mkdataset", h5, "/points", "--from", tmp_path / "points.csv", "--compression", "lzf")
    assert code == 0, err
    code, out, err = run(capsys, "mkdataset", h5, "/test", "--from", tmp_path / "two.npz", "--key", "test")
    assert code == 0, err
    with h5py.File(h5) as f:
        assert f["grp/arr"][()].tolist() == np.arange(12).reshape(3, 4).tolist() and f["grp/arr"].dtype == np.int16
        assert f["points"][()].tolist() == [[1, 2], [3, 4.5]] and f["points"].compression == "lzf"
        assert f["test"][()].tolist() == [0, 1, 2]
    code, out, err = run(capsys, "mkdataset", h5, "/both", "--from", tmp_path / "two.npz")
    assert (code, out) == (2, "")
    one_error(err, "holds 2 arrays", "pick one")


def test_mkdataset_errors_are_one_line(h5, tmp_path, capsys):
    for argv, code, words in (
        (["/line", "--shape", "2"], 2, ("/line", "already exists")),
        (["/x", "--shape", "2,x"], 2, ("the shape", "'2,x'")),
        (["/x", "--shape", "2", "--fill", "abc"], 2, ("fill value", "not a valid number")),
        (["/x", "--shape", "2", "--compression", "gzip:12"], 2, ("gzip level",)),
        (["/x"], 2, ("--shape", "--from")),
        (["/x", "--from", tmp_path / "a.npy", "--dtype", "uint8"], 2, ("--from", "--dtype")),
        (["/x", "--from", tmp_path / "missing.npy"], 2, ("missing.npy",)),
        (["/no/x", "--shape", "2"], 3, ("/no",)),
    ):
        got, out, err = run(capsys, "mkdataset", h5, *argv)
        assert (got, out) == (code, ""), (argv, err)
        one_error(err, *words)
    with h5py.File(h5) as f:
        assert sorted(f) == ["grp", "line", "scalar", "stack", "table"]


def test_ln_soft_and_external(h5, tmp_path, capsys):
    other = tmp_path / "sub" / "other.h5"
    other.parent.mkdir()
    with h5py.File(other, "w") as f:
        f["grp/data"] = np.arange(4)
    code, out, err = run(capsys, "ln", h5, "/links/stack", "/stack", "-p")
    assert (code, err) == (0, "") and out == f"created soft link /links/stack -> /stack in {h5}\n"
    code, out, err = run(capsys, "ln", h5, "/later", "/not/yet")
    assert code == 0 and "dangles" in out
    code, out, err = run(capsys, "ln", h5, "/grp/ext", "--external", f"{other}:/grp/data")
    assert code == 0 and out == f"created external link /grp/ext -> sub/other.h5:/grp/data in {h5}\n", err
    code, out, err = run(capsys, "ln", h5, "/root_of_other", "--external", other)
    assert code == 0 and "-> sub/other.h5:/ in" in out
    with h5py.File(h5) as f:
        assert f.get("links/stack", getlink=True).path == "/stack" and f["links/stack"].shape == (3, 4, 5)
        assert f.get("later", getlink=True).path == "/not/yet"
        link = f.get("grp/ext", getlink=True)
        assert (link.filename, link.path) == ("sub/other.h5", "/grp/data")
        assert f.get("root_of_other", getlink=True).path == "/"
        assert f["grp/ext"][()].tolist() == [0, 1, 2, 3]  # found beside the file, wherever the command ran


def test_ln_errors_are_one_line(h5, capsys):
    for argv, code, words in (
        (["/stack", "/line"], 2, ("/stack", "already exists")),
        (["/l"], 2, ("needs a TARGET",)),
        (["/l", "/line", "--external", "o.h5"], 2, ("--external", "'/line'")),
        (["/no/l", "/line"], 3, ("/no",)),
    ):
        got, out, err = run(capsys, "ln", h5, *argv)
        assert (got, out) == (code, ""), (argv, err)
        one_error(err, *words)


def test_setvalue_like_the_table_editor(h5, capsys):
    code, out, err = run(capsys, "setvalue", h5, "/stack", "--index", "1,2,3", "200")
    assert (code, err) == (0, "") and out == f"set /stack[1, 2, 3] = 200 in {h5} (was 0)\n"
    code, out, err = run(capsys, "setvalue", h5, "/stack", "--index", "2,0,0", "1", "2", "3")
    assert code == 0 and out == f"set 3 values of /stack[2, 0, 0] onwards in {h5} (were 0, 0, 0)\n"
    code, out, err = run(capsys, "setvalue", h5, "/line", "--index", "3", "1.5", "-2.5")
    assert code == 0, err
    code, out, err = run(capsys, "setvalue", h5, "/line", "--index", "0", "--", "-2e3")  # '--': not an option
    assert code == 0, err
    code, out, err = run(capsys, "setvalue", h5, "/table", "--index", "1", "42", "0.5")
    assert code == 0, err
    code, out, err = run(capsys, "setvalue", h5, "/table", "--index", "2", "--field", "score", "9.25")
    assert code == 0 and "(was 0.0)" in out, err
    with h5py.File(h5) as f:
        assert f["stack"][1, 2, 3] == 200 and f["stack"][2, 0, :4].tolist() == [1, 2, 3, 0]
        assert f["stack"][()].sum() == 206
        assert f["line"][()].tolist() == [-2000, 1, 2, 1.5, -2.5]
        assert f["table"][1].tolist() == (42, 0.5) and f["table"][2].tolist() == (0, 9.25)


def test_setvalue_errors_are_one_line_and_change_nothing(h5, capsys):
    for argv, code, words in (
        (["/stack", "--index", "0,0,0", "300"], 2, ("300", "does not fit in uint8")),
        (["/line", "--index", "0", "abc"], 2, ("'abc'", "float64")),
        (["/stack", "--index", "1,2", "1"], 2, ("3 axes", "3 integers")),
        (["/stack", "--index", "0,9,0", "1"], 2, ("index 9", "axis 1")),
        (["/stack", "--index", "0,0,4", "1", "2"], 2, ("outside /stack",)),
        (["/scalar", "--index", "0", "1"], 2, ("scalar",)),
        (["/table", "--index", "0", "--field", "nope", "1"], 2, ("no field 'nope'", "id, score")),
        (["/grp", "--index", "0", "1"], 2, ("not a dataset",)),
        (["/missing", "--index", "0", "1"], 3, ("/missing",)),
    ):
        got, out, err = run(capsys, "setvalue", h5, *argv)
        assert (got, out) == (code, ""), (argv, err)
        one_error(err, *words)
    with h5py.File(h5) as f:
        assert not f["stack"][()].any() and f["line"][()].tolist() == [0, 1, 2, 3, 4] and not f["table"]["id"].any()


def test_hsds_domains_refuse_what_the_gui_refuses(capsys):
    """A new dataset or a typed value on a domain: the GUI's one line, before any request to a server."""
    domain = "hdf5://home/nobody/x.h5"
    for argv, words in ((["mkdataset", domain, "/d", "--shape", "2"], ("create dataset", "HSDS domains")),
                        (["setvalue", domain, "/d", "--index", "0", "1"], ("write block", "HSDS domains"))):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        one_error(err, domain, *words)


def test_mkdataset_fill_values_are_typed_for_the_dataset(h5, capsys):
    """The fill went through float(): int64 9007199254740993 became ...992, int8 300 became 127, uint8 -1
    became 0, int32 2.7 became 2, and complex or bool fills were refused (found in review)."""
    for dtype, fill, expect in (("int64", "9007199254740993", 9007199254740993), ("complex64", "1+2j", 1 + 2j),
                                ("bool", "true", True), ("float32", "nan", None), ("uint8", "255", 255)):
        code, out, err = run(capsys, "mkdataset", h5, f"/fill_{dtype}", "--shape", "3", "--dtype", dtype, "--fill", fill)
        assert code == 0, err
        with h5py.File(h5) as f:
            got = f[f"fill_{dtype}"][0]
            assert np.isnan(got) if expect is None else got == expect, (dtype, got)
    for dtype, fill, words in (("int8", "300", ("300", "does not fit in int8", "-128 .. 127")),
                               ("uint8", "-1", ("does not fit in uint8",)),
                               ("int32", "2.7", ("'2.7'", "not a whole number")),
                               ("int32", "nan", ("not a whole number",)),
                               ("bool", "maybe", ("true or false",))):
        code, out, err = run(capsys, "mkdataset", h5, "/bad", "--shape", "3", "--dtype", dtype, "--fill", fill)
        assert (code, out) == (2, ""), (dtype, fill, err)
        one_error(err, *words)
