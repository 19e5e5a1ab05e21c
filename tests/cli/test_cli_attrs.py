"""``h5gui-cli attrs``: list, set, rename and delete attributes with the GUI's parsing and errors."""

import json
import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest
from clitools import one_error, run


@pytest.fixture
def h5(tmp_path):
    p = tmp_path / "cli.h5"
    with h5py.File(p, "w", track_order=True) as f:
        g = f.create_group("g", track_order=True)
        g.attrs["count"] = np.int32(3)
        g.attrs["unit"] = "counts"
        g.attrs["pixel"] = np.array([3.45, 3.45])
    return p


def mtime(p):
    return os.stat(p).st_mtime_ns


def test_list_as_a_table_and_as_json(h5, capsys):
    before = mtime(h5)
    code, out, err = run(capsys, "attrs", h5, "/g")
    assert code == 0 and err == ""
    rows = [line.split() for line in out.splitlines()]
    assert [r[0] for r in rows] == ["count", "unit", "pixel"]
    assert out.splitlines()[0].split() == ["count", "int32", "scalar", "3"]
    code, out, err = run(capsys, "attrs", h5, "/g", "--json")
    data = json.loads(out)
    assert code == 0 and [d["name"] for d in data] == ["count", "unit", "pixel"]
    assert data[2]["shape"] == [2] and data[2]["edit_text"] == "[3.45, 3.45]"
    assert data[0]["type_name"] == "int32" and data[0]["editable"] is True
    assert mtime(h5) == before, "listing never opens the file for writing"


def test_set_keeps_the_type_and_new_attributes_take_type(h5, capsys):
    code, out, err = run(capsys, "attrs", h5, "/g", "--set", "count=42")
    assert (code, err) == (0, "") and out == "set count = 42 (int32, scalar)\n"
    code, out, _ = run(capsys, "attrs", h5, "/g", "--set", "scale=[[1,2],[3,4]]", "--type", "uint16")
    assert code == 0 and out == "set scale = [[1, 2], [3, 4]] (uint16, 2 x 2)\n"
    code, out, _ = run(capsys, "attrs", h5, "/g", "--set", "note=Zoë ✓ a=b", "--set", "CLASS=IMAGE", "--fixed-length")
    assert code == 0
    with h5py.File(h5, "r") as f:
        a = f["g"].attrs
        assert a["count"] == 42 and a.get_id("count").dtype == np.dtype("i4")
        assert a["scale"].tolist() == [[1, 2], [3, 4]] and a["scale"].dtype == np.dtype("u2")
        assert a["note"] == b"Zo\xc3\xab \xe2\x9c\x93 a=b" and a["CLASS"] == b"IMAGE"


def test_rename_and_delete(h5, capsys):
    code, out, err = run(capsys, "attrs", h5, "/g", "--rename", "unit", "units", "--rename", "units", "unité",
                         "--delete", "count", "--delete", "pixel")
    assert code == 0 and err == ""
    assert out.splitlines() == ["renamed unit -> units", "renamed units -> unité", "deleted count", "deleted pixel"]
    code, out, _ = run(capsys, "attrs", h5, "/g", "--json")
    assert [(d["name"], d["value"]) for d in json.loads(out)] == [("unité", "counts")]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--set", "count=300", "--type", "uint8"], 2, ["300 does not fit in uint8 (0..255)"]),
        (["--set", "count=1.5"], 2, ["1.5 is not an integer"]),
        (["--set", "pixel=[1, 2, 3]"], 2, ["expected shape (2,), got (3,)"]),
        (["--set", "x=abc", "--type", "float32"], 2, ["'abc' is not a float32"]),
        (["--set", "x=[[1,2],[3]]", "--type", "int8"], 2, ["ragged list"]),
        (["--set", "x=2", "--type", "bool"], 2, ["2 is not a bool"]),
        (["--set", "x=1", "--type", "uint9"], 2, ["unknown type 'uint9'"]),
        (["--set", "novalue"], 2, ["--set needs NAME=VALUE"]),
        (["--type", "int8"], 2, ["--type and --fixed-length go with --set"]),
        (["--rename", "unit", "count"], 2, ["attribute count already exists on /g"]),
        (["--rename", "nope", "x"], 3, ["No attribute nope on /g"]),
        (["--delete", "unit", "--delete", "nope"], 3, ["No attribute nope on /g"]),
    ],
)
def test_refusals_are_one_line_with_an_exit_code_and_write_nothing(h5, capsys, args, code, words):
    with open(h5, "rb") as fh:
        before = fh.read()
    got, out, err = run(capsys, "attrs", h5, "/g", *args)
    assert got == code and out == ""
    one_error(err, *words)
    with open(h5, "rb") as fh:
        assert fh.read() == before


def test_missing_file_and_object(h5, tmp_path, capsys):
    code, _, err = run(capsys, "attrs", tmp_path / "nope.h5", "/", "--set", "a=1")
    assert code == 2 and one_error(err, "No such file")
    code, _, err = run(capsys, "attrs", h5, "/nowhere", "--set", "a=1")
    assert code == 3 and one_error(err, "No object /nowhere")
    code, _, err = run(capsys, "attrs", h5, "/nowhere")
    assert code == 3


def test_a_file_open_in_another_program_is_not_edited(h5, capsys):
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, h5py
            f = h5py.File({str(h5)!r}, "a")
            print("ready", flush=True)
            sys.stdin.readline()
            f.close()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        code, _, err = run(capsys, "attrs", h5, "/g", "--set", "count=5")
        assert code == 2
        one_error(err, f"Cannot open {h5} for writing: it is open in another program")
        code, out, _ = run(capsys, "attrs", h5, "/g")  # listing still works
        assert code == 0 and "count" in out
    finally:
        writer.communicate("\n", timeout=30)


def test_runs_as_a_program(h5):
    result = subprocess.run(
        [sys.executable, "-m", "h5gui.cli", "attrs", str(h5), "/g", "--set", "count=7"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "set count = 7 (int32, scalar)\n"
    result = subprocess.run(
        [sys.executable, "-m", "h5gui.cli", "attrs", str(h5), "/g", "--set", "count=x"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and result.stderr == "h5gui-cli: error: 'x' is not an int32\n"
