"""Terminal escape injection: names and values from a file are printed with their control characters
escaped (one line per object, no raw ESC), and ``--json`` gives them back exactly."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from h5gui.cli import main, output
from h5gui.core.progress import Progress

# what a hostile file puts in names and values: set the terminal title, clear the screen, a CSI in C1
# form, recolour, a new line, a carriage return that overwrites the row, bidi overrides and isolates
TITLE = "title\x1b]0;pwned\x07"
CLEAR = "clear\x1b[2J\x1b[H"
C1 = "csi\x9b31mred"
NEWLINE = "two\nlines"
RETURN = "over\rwrite"
BIDI = "bidi\u202egnp.exe\u202c\u2066iso\u2069"
DEL = "del\x7fete"
HOSTILE = (TITLE, CLEAR, C1, NEWLINE, RETURN, BIDI, DEL)
RAW = ("\x1b", "\x07", "\x9b", "\n", "\r", "\u202e", "\u202c", "\u2066", "\u2069", "\x7f")


@pytest.fixture
def hostile(tmp_path):
    """A file whose groups, datasets, attributes and string values hold control characters."""
    path = tmp_path / "hostile.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("g")
        for i, name in enumerate(HOSTILE):
            f.create_group(name)
            g.create_dataset(name, data=np.arange(i + 1))
            g.attrs[name] = f"value {name}"
        f["text"] = CLEAR + NEWLINE
        f["names"] = np.array([TITLE.encode(), C1.encode()], dtype=object)
        f["g"].attrs["plain"] = 1
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_no_raw_controls(text: str) -> None:
    """Nothing a terminal acts on, but the line ends of the output itself."""
    for ch in RAW:
        if ch != "\n":
            assert ch not in text, (ch, text)


def test_escape():
    assert output.escape("plain /a/b c:\\x") == "plain /a/b c:\\x"
    assert output.escape(TITLE) == "title\\x1b]0;pwned\\x07"
    assert output.escape(NEWLINE + RETURN + "\ttab") == "two\\nlinesover\\rwrite\\ttab"
    assert output.escape(C1 + DEL + "\x00") == "csi\\x9b31mreddel\\x7fete\\x00"
    assert output.escape(BIDI) == "bidi\\u202egnp.exe\\u202c\\u2066iso\\u2069"
    assert output.escape("a\u2028b\ud800") == "a\\u2028b\\ud800"
    assert output.escape("é ü 漢字 ñ") == "é ü 漢字 ñ"
    assert output.escape("a\nb\tc\x1bd", keep="\n\t") == "a\nb\tc\\x1bd"


def test_json_keeps_names_exact_and_terminal_safe():
    buf = io.StringIO()
    output.dump_json({"names": list(HOSTILE), "also": "\ud800"}, buf)
    text = buf.getvalue()
    assert_no_raw_controls(text.replace("\n", ""))
    assert json.loads(text) == {"names": list(HOSTILE), "also": "\ud800"}


def test_ls_one_row_per_object(hostile, capsys):
    code, out, err = run(capsys, "ls", hostile)
    assert code == 0 and err == ""
    assert_no_raw_controls(out)
    lines = out.splitlines()
    assert len(lines) == len(HOSTILE) + 3  # the hostile groups, g, names, text
    assert "title\\x1b]0;pwned\\x07" in out and "two\\nlines" in out and "bidi\\u202egnp.exe" in out

    code, out, _ = run(capsys, "ls", hostile, "--json")
    assert code == 0
    assert {r["name"] for r in json.loads(out)} == {*HOSTILE, "g", "names", "text"}


def test_ls_recursive(hostile, capsys):
    code, out, _ = run(capsys, "ls", "-r", hostile)
    assert code == 0
    assert_no_raw_controls(out)
    assert len(out.splitlines()) == 2 * len(HOSTILE) + 3
    code, out, _ = run(capsys, "ls", "-r", hostile, "--json")
    assert {r["path"] for r in json.loads(out)} >= {f"/g/{n}" for n in HOSTILE}


def test_attrs_one_row_per_attribute(hostile, capsys):
    code, out, err = run(capsys, "attrs", hostile, "/g")
    assert code == 0 and err == ""
    assert_no_raw_controls(out)
    assert len(out.splitlines()) == len(HOSTILE) + 1
    code, out, _ = run(capsys, "attrs", hostile, "/g", "--json")
    listing = {a["name"]: a["value"] for a in json.loads(out)}
    assert {n for n in listing if n != "plain"} == set(HOSTILE)
    assert listing[CLEAR] == f"value {CLEAR}"


def test_attrs_edits_say_so_escaped(hostile, capsys):
    code, out, _ = run(capsys, "attrs", hostile, "/", "--set", f"{TITLE}={CLEAR}", "--delete", TITLE)
    assert code == 0
    assert_no_raw_controls(out)
    assert out.splitlines()[0].startswith("set title\\x1b]0;pwned\\x07 = clear\\x1b[2J")
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize("name", HOSTILE)
def test_info_rows(hostile, capsys, name):
    code, out, err = run(capsys, "info", hostile, f"/g/{name}")
    assert code == 0 and err == ""
    assert_no_raw_controls(out)
    assert all(":" in line for line in out.splitlines())  # every line is a ``Label: value`` row
    assert out.splitlines()[0].split(None, 1)[1] == "/g/" + output.escape(name)
    code, out, _ = run(capsys, "info", hostile, f"/g/{name}", "--json")
    assert json.loads(out)["path"] == f"/g/{name}"


def test_find_one_line_per_hit(hostile, capsys):
    code, out, _ = run(capsys, "find", hostile, "e", "--attrs")
    assert code == 0
    assert_no_raw_controls(out)
    lines = out.splitlines()
    code, js, _ = run(capsys, "find", hostile, "e", "--attrs", "--json")
    hits = json.loads(js)
    assert len(lines) == len(hits) > len(HOSTILE)
    assert {h["path"] for h in hits} >= {f"/{n}" for n in HOSTILE}


def test_show_text_and_table(hostile, capsys):
    code, out, _ = run(capsys, "show", hostile, "/text")
    assert code == 0
    assert_no_raw_controls(out)
    assert "clear\\x1b[2J\\x1b[H" in out
    code, out, _ = run(capsys, "show", hostile, "/names")
    assert code == 0
    assert_no_raw_controls(out)
    code, out, _ = run(capsys, "show", hostile, f"/g/{TITLE}")
    assert code == 0
    assert_no_raw_controls(out)
    assert "Path:" in out and "/g/title\\x1b]0;pwned\\x07" in out
    code, out, _ = run(capsys, "show", hostile, "/text", "--json")
    assert json.loads(out)["path"] == "/text"


def test_errors_stay_one_line(hostile, capsys):
    code, out, err = run(capsys, "info", hostile, "/nothing" + CLEAR + NEWLINE + BIDI)
    assert code == 3 and out == ""
    assert_no_raw_controls(err)
    assert len(err.splitlines()) == 1 and err.startswith("h5gui-cli: error: ")
    assert "clear\\x1b[2J" in err
    code, _, err = run(capsys, "ls", hostile, "/--\x1b[31m", "--bad-option\x1b[2J")
    assert code == 2
    assert_no_raw_controls(err)


def test_progress_line_is_escaped():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    line = output.ProgressLine(stream)
    line(Progress(0, 10, "files", message=f"Copying {CLEAR}"))
    line(Progress(10, 10, "files", message=f"Copying {CLEAR}"))
    line.end()
    text = stream.getvalue()
    assert "Copying clear\\x1b[2J\\x1b[H: 100.0% 10 / 10 files" in text
    assert "\x1b" not in text and text.endswith("\r")


def test_a_real_terminal_gets_no_escape_bytes(hostile):
    """The bytes a shell would receive: no ESC, no C1 CSI (UTF-8 c2 9b), no RLO (e2 80 ae)."""
    proc = subprocess.run([sys.executable, "-m", "h5gui.cli", "ls", "-r", str(hostile)], capture_output=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for raw in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\xe2\x80\xae", b"\x7f"):
        assert raw not in proc.stdout
    assert len(proc.stdout.splitlines()) == 2 * len(HOSTILE) + 3


def test_log_lines_are_escaped():
    import logging

    formatter = output.EscapingFormatter("h5gui-cli: %(levelname)s: %(message)s")
    record = logging.LogRecord("h5gui.core", logging.WARNING, __file__, 1, "skipped %s", (CLEAR + NEWLINE,), None)
    assert formatter.format(record) == "h5gui-cli: WARNING: skipped clear\\x1b[2J\\x1b[Htwo\\nlines"
