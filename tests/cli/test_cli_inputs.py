"""Bad input gets a classified one-line reason, never "unexpected <Exception>", and nothing is ignored
without a word (issue 10 items 9 and 10)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from clitools import run


@pytest.fixture(scope="module")
def f(tmp_path_factory):
    p = tmp_path_factory.mktemp("inputs") / "f.h5"
    dt = np.dtype("i4")
    for _ in range(400):
        dt = np.dtype([("f", dt)])
    with h5py.File(p, "w") as h:
        h["line"] = np.arange(10.0)
        h["notes"] = np.array(["a", "b", "c"], dtype=h5py.string_dtype())
        h["scalar"] = 2.5
        h["cube"] = np.zeros((4, 5, 6), dtype="u1")
        h.create_dataset("deep", (2,), dtype=dt)
        h.create_dataset("ext", (10,), maxshape=(None,), dtype="u1",
                         external=[(str(p.parent / "raw.bin"), 0, h5py.h5f.UNLIMITED)])
    return p


@pytest.mark.parametrize(("args", "words"), [
    (["show", "{f}", "/line", "--index", "99"], "index 99 out of range for axis 0 of /line (size 10)"),
    (["show", "{f}", "/notes", "--index", "7"], "index 7 out of range for axis 0 of /notes (size 3)"),
    (["show", "{f}", "/scalar", "--index", "1"], "/scalar is a scalar: it takes no index"),
    (["show", "{f}", "/cube", "--index", "1,2,3,4"], "the index (1, 2, 3, 4) has 4 values: /cube has 3 axis(es)"),
    (["info", "~nouser-h5gui/x.h5"], "no home folder for ~nouser-h5gui"),
    (["export", "{f}", "/line", "{tmp}/x.csv", "--delimiter", ""], "the delimiter must be one character"),
])
def test_refused_in_one_line(f, capsys, tmp_path, args, words):
    code, out, err = run(capsys, *(a.format(f=f, tmp=tmp_path) for a in args))
    assert code in (2, 3) and len(err.splitlines()) == 1 and words in err and "nexpected" not in err


def test_a_400_deep_compound_is_described_and_shown(f, capsys):
    code, out, err = run(capsys, "info", f, "/deep")
    assert code == 0 and "compound {f: compound" in out and "..." in out and err == ""
    code, out, err = run(capsys, "show", f, "/deep")
    assert code == 0 and "{...}" in out and "nexpected" not in err


def test_unlimited_external_storage_is_called_so(f, capsys):
    code, out, _ = run(capsys, "info", f, "/ext")
    assert "unlimited size" in out and "EiB" not in out
