"""Encoded images (PNG/JPEG bytes) in an HSDS domain: the preview chooses the encoded view and decodes
the same pictures as for the local file."""

from __future__ import annotations

import io

import h5py
import numpy as np
import pytest
from PIL import Image

from h5gui.core import preview as local
from h5gui.core.errors import BadRequestError
from h5gui.core.hsds import preview_info, read_encoded


def _png(i: int) -> bytes:
    arr = np.zeros((12, 16, 3), np.uint8)
    arr[..., 0] = i * 40
    arr[i, :, 1] = 255
    out = io.BytesIO()
    Image.fromarray(arr).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def encoded(hsds_client, tmp_path_factory):
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    path = tmp_path_factory.mktemp("enc") / "enc.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("pngs", (5,), dtype=h5py.vlen_dtype(np.uint8))
        for i in range(5):
            ds[i] = np.frombuffer(_png(i), np.uint8)
        out = io.BytesIO()
        Image.fromarray(np.full((20, 30), 7, np.uint8)).save(out, "JPEG")
        f["blob"] = np.frombuffer(out.getvalue(), np.uint8)
    uri = "hdf5://home/admin/encoded.h5"
    run(transfer.upload(path, uri, overwrite=True))
    return uri, str(path)


@pytest.mark.parametrize(("path", "index"), [("/pngs", 0), ("/pngs", 3), ("/blob", 0)])
def test_encoded_pictures_as_for_the_local_file(encoded, path, index):
    uri, file = encoded
    info, mine = preview_info(uri, path), local.preview_info(file, path)
    assert info.views[0] == "encoded" and info.views == mine.views
    assert (info.encoded_format, info.encoded_count) == (mine.encoded_format, mine.encoded_count)
    got, text = read_encoded(uri, path, index=index)
    want, want_text = local.read_encoded(file, path, index=index)
    assert text == want_text and text.startswith("PNG 16x12" if path == "/pngs" else "JPEG 30x20")
    np.testing.assert_array_equal(got.data, want.data)


def test_out_of_range_is_one_line(encoded):
    uri, _ = encoded
    with pytest.raises(BadRequestError, match=r"out of range .*5 elements"):
        read_encoded(uri, "/pngs", index=9)


def test_cli_show_decodes_as_for_the_local_file(encoded, hsds_server, monkeypatch, capsys):
    from h5gui.cli import main

    monkeypatch.setenv("HS_ENDPOINT", hsds_server.endpoint)
    monkeypatch.setenv("HS_USERNAME", hsds_server.username)
    monkeypatch.setenv("HS_PASSWORD", hsds_server.password)
    uri, file = encoded
    outs = []
    for source in (uri, file):
        code = main(["show", source, "/pngs", "--index", "2", "--in-process"])
        out, err = capsys.readouterr()
        assert code == 0, err
        outs.append(out)
    assert outs[0] == outs[1] and "PNG 16x12" in outs[0]
