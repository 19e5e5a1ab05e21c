"""Reads are sized before they are done: a crafted claim is refused, never allocated (issue 10 item 4)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from h5gui.core.h5 import limits


@pytest.fixture
def small_limits():
    before = limits.limits()
    yield limits.set_limits(chunk_bytes=1 << 20, read_bytes=8 << 20, attr_bytes=1 << 20)
    limits.set_limits(**{k: getattr(before, k) for k in ("chunk_bytes", "read_bytes", "attr_bytes")})


def _vlen_bomb(path):
    """A 3-element vlen string dataset whose first element claims 0x7fff0000 bytes (patched on disk)."""
    with h5py.File(path, "w") as f:
        f.create_dataset("s", data=np.array(["abc", "de", "f"], dtype=h5py.string_dtype()))
        offset = f["s"].id.get_offset()
    raw = bytearray(path.read_bytes())
    assert int.from_bytes(raw[offset:offset + 4], "little") == 3
    raw[offset:offset + 4] = (0x7FFF0000).to_bytes(4, "little")
    path.write_bytes(bytes(raw))


def test_a_vlen_claim_is_measured_without_reading_it(tmp_path, small_limits):
    p = tmp_path / "bomb.h5"
    _vlen_bomb(p)
    with h5py.File(p, "r") as f:
        assert limits.vlen_claimed_bytes(f["s"]) == 0x7FFF0000 + 3
        with pytest.raises(limits.LimitError, match=r"reading /s \(variable-length values\) needs 2.0 GiB"):
            limits.check_read(f["s"], 3, "/s")


def test_chunks_that_inflate_past_the_limit_are_refused(tmp_path, small_limits):
    p = tmp_path / "chunks.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("z", shape=(4, 1024, 1024), dtype="u1", chunks=(2, 1024, 1024), compression="gzip")
        f.create_dataset("ok", shape=(4, 256, 256), dtype="u1", chunks=(1, 256, 256))
    with h5py.File(p, "r") as f:
        with pytest.raises(limits.LimitError, match="chunks of 2.0 MiB each"):
            limits.check_chunks(f["z"], "/z")
        limits.check_chunks(f["ok"], "/ok")
    limits.set_limits(chunk_bytes=4 << 20)  # the user raised it
    with h5py.File(p, "r") as f:
        limits.check_chunks(f["z"], "/z")


def test_big_attributes_are_refused(tmp_path, small_limits):
    p = tmp_path / "attr.h5"
    with h5py.File(p, "w", libver="latest") as f:  # dense attribute storage takes values over 64 KiB
        f.attrs.create("big", np.zeros(2 << 20, dtype="u1"))
        f.attrs["small"] = 1
    with h5py.File(p, "r") as f:
        with pytest.raises(limits.LimitError, match="the value of /@big needs 2.0 MiB"):
            limits.check_attr(h5py.h5a.open(f.id, b"big"), "/@big")
        limits.check_attr(h5py.h5a.open(f.id, b"small"), "/@small")


def test_info_preview_export_and_attributes_refuse_the_claims_in_one_line(tmp_path, small_limits):
    from h5gui.core import attrs, export, nodes, preview, progress

    p = tmp_path / "bomb.h5"
    _vlen_bomb(p)
    info = nodes.describe(str(p), "/s")
    assert info.value is None and "needs 2.0 GiB" in info.error and "\n" not in info.error
    with pytest.raises(limits.LimitError, match="variable-length values"):
        preview.read_text(str(p), "/s")
    with pytest.raises(limits.LimitError):
        progress.run(export.export(str(p), "/s", str(tmp_path / "out.csv")))
    assert not (tmp_path / "out.csv").exists()
    big = tmp_path / "attr.h5"
    with h5py.File(big, "w", libver="latest") as f:
        f.attrs.create("big", np.zeros((2 << 10, 1 << 10), dtype="f8")[:, :128])  # 2 MiB, 262,144 elements
        f.attrs["small"] = 7
    rows = {a.name: a for a in attrs.list_attrs(str(big), "/")}
    assert "needs 2.0 MiB" in rows["big"].value and not rows["big"].editable
    assert rows["small"].value == "7"
