"""``h5gui-cli show``: the preview the GUI shows, headless; ``--out`` writes the same image slice."""

import io
import json

import h5py
import numpy as np
import pytest
from clitools import run
from PIL import Image

STACK = np.random.default_rng(3).integers(0, 60000, (5, 16, 24), dtype=np.uint16)
RGB = np.random.default_rng(4).integers(0, 255, (10, 12, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def h5(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_preview") / "p.h5"
    buf = io.BytesIO()
    Image.fromarray(RGB).save(buf, format="PNG")
    with h5py.File(path, "w") as f:
        f.create_dataset("stack", data=STACK, chunks=(1, 16, 24))
        f["rgb"] = RGB
        f["png"] = np.frombuffer(buf.getvalue(), dtype=np.uint8)
        f["json"] = '{"a": [1, 2]}'
    return path


def test_show_frame_to_npy_is_exact(h5, tmp_path, capsys):
    out = tmp_path / "frame.npy"
    code, text, err = run(capsys, "show", h5, "/stack", "--index", "2,0,0", "--out", out)
    assert code == 0 and err == "" and text.startswith(f"wrote {out}: 24x16 uint16")
    np.testing.assert_array_equal(np.load(out), STACK[2])
    assert not (tmp_path / "frame.npy.partial").exists()


def test_show_png_outputs(h5, tmp_path, capsys):
    out = tmp_path / "rgb.png"
    assert run(capsys, "show", h5, "/rgb", "--out", out)[0] == 0
    np.testing.assert_array_equal(np.asarray(Image.open(out)), RGB)
    out = tmp_path / "decoded.png"
    code, text, _ = run(capsys, "show", h5, "/png", "--out", out)
    assert code == 0 and "PNG 12x10 RGB" in text
    np.testing.assert_array_equal(np.asarray(Image.open(out)), RGB)
    out = tmp_path / "frame.png"
    assert run(capsys, "show", h5, "/stack", "--index", "1,0,0", "--out", out)[0] == 0
    np.testing.assert_array_equal(np.asarray(Image.open(out)), STACK[1])  # 16-bit grey kept


def test_show_summaries(h5, sample, capsys):
    code, text, _ = run(capsys, "show", h5, "/stack")
    assert code == 0 and "Views:      image, table, plot" in text and "Image axes: 1, 2, -" in text
    code, text, _ = run(capsys, "show", h5, "/json")
    assert code == 0 and text.endswith('{\n  "a": [\n    1,\n    2\n  ]\n}\n')
    code, text, _ = run(capsys, "show", sample.h5, "/data/compound")
    assert code == 0 and "x\ty\tname\n1.0\t2.0\tfirst\n" in text
    code, text, _ = run(capsys, "show", h5, "/png", "--json")
    assert code == 0 and json.loads(text)["encoded_format"] == "PNG"


def test_show_errors_are_one_line(h5, sample, tmp_path, capsys):
    code, _, err = run(capsys, "show", sample.filters, "/unknown_filter")
    assert code == 1 and err == "h5gui-cli: error: cannot decompress /unknown_filter: filter 32767 (unknown) not available\n"
    code, _, err = run(capsys, "show", sample.h5, "/external_storage")
    assert code == 4 and len(err.splitlines()) == 1 and sample.secret_text not in err
    code, _, err = run(capsys, "show", h5, "/stack", "--index", "x", "--out", tmp_path / "a.npy")
    assert code == 2 and "--index must be integers" in err
    code, _, err = run(capsys, "show", h5, "/stack", "--out", tmp_path / "a.jpg")
    assert code == 2 and "--out must end in .png or .npy" in err
    code, _, err = run(capsys, "show", sample.h5, "/data/str_vlen", "--out", tmp_path / "a.png")
    assert code == 2 and "has no image view" in err


def test_an_index_with_spaces_is_refused_not_read_as_one_number(h5, capsys):
    """Issue 12 defect 22: ``--index "1 2"`` silently became index 12."""
    code, out, err = run(capsys, "show", h5, "/stack", "--index", "1 2")
    assert code == 2 and out == ""
    assert "--index must be integers separated by commas" in err and "'1 2'" in err
    code, out, _ = run(capsys, "show", h5, "/stack", "--index", "1")
    assert code == 0
