"""``h5gui-cli transform``: the engine from the command line, one-line errors, dry runs, JSON."""

import json
import os

import h5py
import numpy as np
import pytest
from clitools import one_error, run


@pytest.fixture
def mnist(tmp_path):
    p = tmp_path / "mnist.h5"
    x = np.random.default_rng(0).integers(0, 256, (60, 28, 28), dtype=np.uint8)
    with h5py.File(p, "w", track_order=True) as f:
        f.create_dataset("images", data=x, chunks=(10, 28, 28))
        f["labels"] = np.arange(60) % 10
    return p, x


def test_mnist_to_float32_channels_last(mnist, capsys):
    p, x = mnist
    code, out, err = run(capsys, "transform", p, "/images", "--add-axis=-1", "--dtype", "float32",
                         "--normalize", "scale:255")
    assert code == 0 and err == ""  # no progress line when stderr is not a terminal
    assert out.startswith("wrote /images_f32: 60 x 28 x 28 x 1 float32")
    assert "statistics: scale 255, offset 0" in out
    with h5py.File(p) as f:
        np.testing.assert_array_equal(f["images_f32"][()], (x[..., None] / 255).astype(np.float32))


def test_every_option(mnist, capsys):
    p, x = mnist
    code, out, _ = run(capsys, "transform", p, "/images", "/out", "--reshape=-1,28,28,1", "--move-axis", "-1", "1",
                       "--normalize", "zscore", "--per-channel", "--channel-axis", "2", "--dtype", "float64",
                       "--chunks", "5,1,28,28", "--compression", "gzip:6", "--shuffle", "--json", "-q")
    assert code == 0
    report = json.loads(out)
    assert report["dest"] == "/out" and report["out_shape"] == [60, 1, 28, 28] and report["passes"] == 2
    assert len(report["stats"]["mean"]) == 28
    with h5py.File(p) as f:
        d = f["out"]
        assert d.chunks == (5, 1, 28, 28) and d.compression == "gzip" and d.compression_opts == 6 and d.shuffle
        xf = np.moveaxis(x[..., None], -1, 1).astype(np.float64)
        mean = xf.mean(axis=(0, 1, 3), keepdims=True)
        std = xf.std(axis=(0, 1, 3), keepdims=True)
        np.testing.assert_allclose(d[()], (xf - mean) / std, rtol=1e-12, atol=1e-12)


def test_transpose_percentiles_and_replace(mnist, capsys):
    p, x = mnist
    code, out, _ = run(capsys, "transform", p, "/images", "/t", "--transpose", "2,0,1", "--chunks", "none",
                       "--normalize", "clip-percentiles:5,95")
    assert code == 0 and "clip_min" in out
    code, out, _ = run(capsys, "transform", p, "/labels", "--replace", "--dtype", "uint8")
    assert code == 0 and out.startswith("wrote /labels:")
    with h5py.File(p) as f:
        assert f["t"].shape == (28, 60, 28) and f["t"].chunks is None
        lo, hi = np.percentile(x, [5, 95])
        np.testing.assert_allclose(f["t"][()], (np.clip(x, lo, hi) - lo).transpose(2, 0, 1) / (hi - lo), rtol=1e-6)
        assert f["labels"].dtype == np.uint8 and sorted(f) == ["images", "labels", "t"]


def test_dry_run_changes_nothing(mnist, capsys):
    p, _ = mnist
    before = os.stat(p).st_mtime_ns
    code, out, err = run(capsys, "transform", p, "/images", "--add-axis=-1", "--dtype", "float32", "--dry-run")
    assert code == 0 and err == ""
    assert "Output:      /images_f32: 60 x 28 x 28 x 1 float32" in out
    assert "Chunks:      60 x 28 x 28 x 1" in out and "Size:        183.8 KiB" in out
    assert "1. add an axis at position -1" in out
    code, out, _ = run(capsys, "transform", p, "/images", "/x", "--dtype", "int8", "--dry-run", "--json")
    plan = json.loads(out)
    assert plan["out_dtype"] == "int8" and plan["dest"] == "/x" and plan["spec"]["dtype"] == "int8"
    assert any("refuse" in s or "clip" in s for s in plan["steps"])
    assert os.stat(p).st_mtime_ns == before
    with h5py.File(p) as f:
        assert list(f) == ["images", "labels"]


@pytest.mark.parametrize("argv, words", [
    (["--reshape=60,28,29,1"], ["cannot reshape 47040 elements into 60 x 28 x 29 x 1"]),
    (["--reshape", "a,b"], ["--reshape must be integers"]),
    (["--dtype", "floot"], ["unknown dtype 'floot'"]),
    (["--normalize", "scale"], ["scale:255"]),
    (["--normalize", "scale:x"], ["not a number"]),
    (["--normalize", "zscore:3"], ["takes no value"]),
    (["--normalize", "clip-percentiles:5"], ["give two percentiles"]),
    (["--compression", "gzip:11"], ["gzip level must be 0 to 9, not 11"]),
    (["--chunks", "1,2"], ["chunk shape 1 x 2 has 2 axes"]),
    (["--dtype", "int8", "--overflow", "refuse"], ["do not fit in int8", "the first is"]),
])
def test_one_line_errors(mnist, capsys, argv, words):
    p, _ = mnist
    code, out, err = run(capsys, "transform", p, "/images", "/bad", *argv)
    assert code == 2 and out == ""
    one_error(err, *words)
    with h5py.File(p) as f:
        assert list(f) == ["images", "labels"]


def test_missing_things(mnist, capsys):
    p, _ = mnist
    code, _, err = run(capsys, "transform", p, "/nothing")
    assert code == 3
    one_error(err, "/nothing")
    code, _, err = run(capsys, "transform", p.with_name("missing.h5"), "/images")
    assert code == 2
    one_error(err, "No such file")
    code, _, err = run(capsys, "transform", p, "/images", "/images_f32", "--dtype", "float32")
    assert code == 0
    code, _, err = run(capsys, "transform", p, "/images", "/images_f32", "/x", "--dtype", "float32")
    assert code == 2
    one_error(err, "/x is not in")


def test_progress_line_on_a_terminal(mnist, capsys, monkeypatch):
    p, _ = mnist
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    code, out, err = run(capsys, "transform", p, "/images", "/z", "--normalize", "zscore")
    assert code == 0
    assert "\r" in err and "elements" in err and "100.0%" in err
    assert err.endswith("\r") and err.rsplit("\r", 2)[1].strip() == ""  # the one progress line clears itself


def test_warnings_go_to_stderr(tmp_path, capsys):
    p = tmp_path / "k.h5"
    with h5py.File(p, "w") as f:
        f["k"] = np.array([-5, 300], dtype=np.int16)
    code, out, err = run(capsys, "transform", p, "/k", "--dtype", "uint8")
    assert code == 0 and "clipped: 2 values" in out
    assert "h5gui-cli: warning: 2 values did not fit in uint8: clipped" in err


def test_ctrl_c_removes_the_partial_output(mnist, capsys, monkeypatch):
    from h5gui.cli import output
    from h5gui.core.transform import plan as planning

    p, _ = mnist
    monkeypatch.setattr(planning, "BLOCK_BYTES", 28 * 28 * 5 * 4)  # many blocks
    calls = []

    def interrupt(self, progress):
        calls.append(progress)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(output.ProgressLine, "__call__", interrupt)
    code, out, err = run(capsys, "transform", p, "/images", "--replace", "--dtype", "float32")
    assert code == 130 and "interrupted" in err
    with h5py.File(p) as f:
        assert list(f) == ["images", "labels"] and f["images"].dtype == np.uint8
