"""``h5gui-cli``: listings and descriptions for people and scripts, one-line errors with exit codes."""

import json
import logging
import os
import subprocess
import sys

import h5py
import pytest
from clitools import one_error, run

from h5gui import __version__
from h5gui.core import nodes
from h5gui.core.paths import natural_key

# ---------------------------------------------------------------------------------------------
# ls


def test_ls_root_lists_members_naturally_sorted_in_columns(sample, capsys):
    code, out, err = run(capsys, "ls", sample.h5)
    assert code == 0 and err == ""
    lines = out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == sorted(names, key=natural_key) and "data" in names and len(names) == 9
    by_name = {line.split()[0]: line for line in lines}
    assert by_name["many"].split("  ")[0] == "many" and "group" in by_name["many"]
    assert "2,000 members" in by_name["many"]
    assert "committed datatype" in by_name["mytype"]
    # columns: every row's second column starts at the same offset
    starts = {len(line) - len(line[len(line.split()[0]):].lstrip()) for line in lines}
    assert len(starts) == 1


def test_ls_group_shows_shapes_and_dtypes(sample, capsys):
    code, out, _ = run(capsys, "ls", sample.h5, "/data")
    assert code == 0
    rows = {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()}
    assert list(rows)[:3] == ["array_dtype", "bool", "compact"]
    assert rows["u8"].split() == ["dataset", "64", "x", "48", "uint8"]
    assert "256 x 256" in rows["gzip"] and rows["gzip"].endswith("float32")
    assert rows["scalar"].split() == ["dataset", "scalar", "float64"]


def test_ls_shows_links_with_their_targets(sample, capsys):
    code, out, _ = run(capsys, "ls", sample.h5, "/links")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert "link -> /data/u8" in rows["soft"] and rows["soft"].rstrip().endswith("uint8")
    assert "link -> /nowhere (dangling)" in rows["dangling"]
    assert "external -> other.h5:/grp" in rows["ext_inside"]
    assert "external -> missing.h5:/x (dangling)" in rows["ext_missing"]
    assert "external -> ../outside/far.h5:/secret_data" in rows["ext_outside"]
    assert "(through an external link)" in rows["soft_to_ext"]
    assert sample.far_secret not in out


def test_ls_of_a_dataset_prints_that_entry(sample, capsys):
    code, out, _ = run(capsys, "ls", sample.h5, "/data/gzip")
    assert code == 0
    assert out.split() == ["/data/gzip", "dataset", "256", "x", "256", "float32"]


def test_ls_of_a_soft_link_to_a_group_lists_the_group(sample, capsys):
    _, via_link, _ = run(capsys, "ls", sample.h5, "/links/soft_group")
    _, direct, _ = run(capsys, "ls", sample.h5, "/data")
    assert via_link == direct


def test_ls_recursive(sample, capsys):
    code, out, _ = run(capsys, "ls", sample.h5, "-r")
    assert code == 0
    paths = [line.split()[0] for line in out.splitlines()]
    assert "/data/u8" in paths and "/links/soft" in paths and "/many/item1999" in paths
    assert paths.index("/many/item9") < paths.index("/many/item10")
    assert len(paths) == len(set(paths))
    code, out, _ = run(capsys, "ls", sample.h5, "/links", "--recursive")
    assert [line.split()[0] for line in out.splitlines()][0] == "/links/cycle_a"


def test_ls_json_for_scripts(sample, capsys):
    code, out, _ = run(capsys, "ls", sample.h5, "/links", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["soft"]["kind"] == "soft_link" and rows["soft"]["link_target"] == "/data/u8"
    assert rows["soft"]["shape"] == [64, 48] and rows["soft"]["dtype"] == "uint8"
    assert rows["dangling"]["dangling"] is True and rows["soft"]["dangling"] is False
    assert rows["ext_inside"]["link_file"] == "other.h5"
    code, out, _ = run(capsys, "ls", sample.h5, "/many", "--json")
    assert [r["name"] for r in json.loads(out)] == [f"item{i}" for i in range(sample.many)]
    code, out, _ = run(capsys, "ls", sample.h5, "-r", "--json")
    assert len(json.loads(out)) > sample.many


# ---------------------------------------------------------------------------------------------
# info


def test_info_prints_aligned_rows(sample, capsys):
    code, out, err = run(capsys, "info", sample.h5, "/data/gzip")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["Path:", "/data/gzip"]
    assert len({line.index(line.split(":", 1)[1].strip()) for line in lines}) == 1, "values in one column"
    text = dict(line.split(":", 1) for line in lines)
    assert text["Filters"].strip() == "shuffle, gzip (level 6)"
    assert text["Chunks"].strip() == "64 x 64"
    assert "compression ratio" in text["Storage"]


def test_info_json(sample, capsys):
    code, out, _ = run(capsys, "info", sample.h5, "/data/compound", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["dtype"] == "compound {x: float32, y: float32, name: 8-byte ascii string}"
    assert d["shape"] == [2] and d["needs_confirmation"] is False and d["filters"] == []


def test_info_of_the_root_is_the_default(sample, capsys):
    code, out, _ = run(capsys, "info", sample.h5)
    assert code == 0 and "Members:" in out and "File size:" in out


def test_info_does_not_read_outside_data_unless_allowed(sample, capsys):
    code, out, _ = run(capsys, "info", sample.h5, "/external_storage")
    assert code == 0 and sample.secret_text not in out
    assert f"Not read:      data lives outside this file's folder: {sample.secret}" in out
    code, out, _ = run(capsys, "info", sample.h5, "/external_storage", "--json")
    assert sample.secret_text not in out and json.loads(out)["needs_confirmation"] is True
    code, out, _ = run(capsys, "info", sample.h5, "/external_storage", "--allow-external")
    assert code == 0 and sample.secret_text in out


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        ("/links/dangling", 3, "dangling soft link: nothing at /nowhere"),
        ("/links/ext_missing", 3, "external link to a missing file"),
        ("/data/time", 1, "h5py cannot read this dataset's datatype (time)"),
    ],
)
def test_info_of_a_broken_object_describes_it_and_fails(sample, capsys, path, code, words):
    got, out, err = run(capsys, "info", sample.h5, path)
    assert got == code
    assert "Path:" in out and words in out
    one_error(err, path, str(sample.h5), words)


def test_info_of_a_dataset_whose_filter_is_missing(sample, capsys):
    code, out, err = run(capsys, "info", sample.filters, "/unknown_filter")
    assert code == 1
    assert "Filters:    filter 32767 (unknown): not available" in out
    one_error(err, "/unknown_filter", "cannot decompress the data")


# ---------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    ("which", "words"),
    [
        ("not_hdf5", "is not an HDF5 file"),
        ("empty", "is empty (0 bytes)"),
        ("truncated", "is truncated or incomplete"),
        ("missing", "No such file"),
        ("root", "is a folder"),
    ],
)
@pytest.mark.parametrize("command", [["ls"], ["ls", "-r"], ["info"], ["info", "--json"]])
def test_bad_files(sample, capsys, which, words, command):
    path = getattr(sample, which)
    code, out, err = run(capsys, command[0], path, *command[1:])
    assert code == 2 and out == ""
    one_error(err, str(path), words)


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["ls", "{h5}", "/nowhere"], 3, "No object /nowhere in"),
        (["info", "{h5}", "/nowhere"], 3, "No object /nowhere in"),
        (["ls", "{h5}", "/links/dangling"], 3, "dangling soft link to /nowhere"),
        (["ls", "{h5}", "/links/dangling/x"], 3, "dangling soft link"),
        (["ls", "{h5}", "/links/ext_outside_group/far_member"], 4, "outside its folder"),
        (["ls", "{h5}", "/links/ext_missing/x"], 3, "external link to a missing file"),
        (["info", "{h5}", "/data/../x"], 2, "'..' are not allowed"),
    ],
)
def test_bad_paths(sample, capsys, argv, code, words):
    got, out, err = run(capsys, *[a.format(h5=sample.h5) for a in argv])
    assert got == code and out == ""
    one_error(err, words)


def test_usage_errors_and_version(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys)
    assert code == 2 and "usage:" in err
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"h5gui-cli {__version__}"


def test_unexpected_errors_are_one_line_without_debug(sample, capsys, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("something odd\nhappened")

    monkeypatch.setattr(nodes, "describe", broken)
    code, out, err = run(capsys, "info", sample.h5, "/", "--in-process")  # the patch lives in this process
    assert code == 1 and out == ""
    one_error(err, "unexpected RuntimeError: something odd happened", "--debug")
    assert "Traceback" not in caplog.text
    with caplog.at_level(logging.DEBUG):
        code, _, err = run(capsys, "info", sample.h5, "/", "--debug", "--in-process")
    assert code == 1 and "Traceback" in caplog.text and "something odd" in caplog.text
    one_error(err, "unexpected RuntimeError")


def test_ctrl_c_exits_130(sample, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(nodes, "walk", interrupted)
    code, _, err = run(capsys, "ls", sample.h5, "-r", "--in-process")
    assert code == 130 and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# demo


def test_demo_writes_the_file_and_prints_its_path(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", tmp_path / "d.h5")
    assert code == 0 and out.strip() == str(tmp_path / "d.h5")
    with h5py.File(tmp_path / "d.h5", "r") as f:
        assert f["mnist/images"].shape == (100, 28, 28)
    code, out, _ = run(capsys, "demo", tmp_path)  # a folder: the file goes inside
    assert code == 0 and out.strip() == str(tmp_path / "demo.h5")
    code, out, _ = run(capsys, "ls", out.strip())
    assert out.split()[0] == "images"


def test_demo_default_location(tmp_path, capsys, monkeypatch):
    if sys.platform != "linux":
        pytest.skip("XDG layout")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    code, out, _ = run(capsys, "demo")
    assert code == 0 and out.strip() == str(tmp_path / "h5gui" / "demo.h5")
    assert h5py.is_hdf5(out.strip())


# ---------------------------------------------------------------------------------------------
# real processes: exit codes as a shell sees them


def _cli(*args, **kwargs):
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [sys.executable, "-m", "h5gui.cli", *map(str, args)], capture_output=True, text=True, timeout=60, env=env,
        **kwargs,
    )


def test_subprocess_exit_codes(sample):
    ok = _cli("ls", sample.h5, "/data")
    assert ok.returncode == 0 and ok.stderr == "" and "u8" in ok.stdout
    bad = _cli("info", sample.not_hdf5)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == f"h5gui-cli: error: {sample.not_hdf5} is not an HDF5 file (no HDF5 signature found)\n"
    dangling = _cli("info", sample.h5, "/links/dangling")
    assert dangling.returncode == 3 and len(dangling.stderr.splitlines()) == 1


def test_piping_into_head_prints_no_traceback(sample):
    """``h5gui-cli ls -r big.h5 | head -1``: the reader leaves early, the CLI stops quietly."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "h5gui.cli", "ls", "-r", str(sample.h5)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # like head after its first line
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = proc.wait(timeout=60)
    assert first.split()[0] == b"/data"
    assert err == "", err
    assert code in (0, 141)
