"""Data outside the opened file's folder is never read through a chain of virtual dataset sources.

Issue 10 item 1: a virtual dataset whose source lies *inside* the folder was let through, and HDF5
then followed what that source points at (external raw storage, another virtual dataset, an external
link on the source's path) anywhere on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.cli import main
from h5gui.core import export, nodes, preview, progress, transform
from h5gui.core.errors import UnreadableError, UnsafeAccessError
from h5gui.core.h5 import safety

SECRET = b"CHAINED-SECRET-0123456789"
FAR = np.frombuffer(b"FAR-AWAY-SECRET!", dtype="u1")


@dataclass
class Chain:
    box: Path
    vds: Path
    secret_bin: Path
    secret_h5: Path


def _vds(f: h5py.File, name: str, source_file: str, source_path: str, n: int, dtype: str) -> None:
    layout = h5py.VirtualLayout(shape=(n,), dtype=dtype)
    layout[:] = h5py.VirtualSource(source_file, source_path, shape=(n,))
    f.create_virtual_dataset(name, layout, fillvalue=0)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    root = tmp_path_factory.mktemp("chain")
    box, outside = root / "box", root / "outside"
    box.mkdir()
    outside.mkdir()
    secret_bin = outside / "secret.bin"
    secret_bin.write_bytes(SECRET)
    secret_h5 = outside / "secret.h5"
    with h5py.File(secret_h5, "w") as f:
        f["data"] = FAR
    n = len(SECRET)
    with h5py.File(box / "inner.h5", "w") as f:
        f.create_dataset("ext", shape=(n,), dtype="u1", external=[(str(secret_bin), 0, n)])
        _vds(f, "vds_out", str(secret_h5), "/data", len(FAR), "u1")
        f["elink_out"] = h5py.ExternalLink(str(secret_h5), "/data")
        f.create_group("g")["soft_to_elink"] = h5py.SoftLink("/elink_out")
        f["plain"] = np.arange(n, dtype="u1")
        _vds(f, "cycle_b", "vds.h5", "/cycle_a", n, "u1")
    vds = box / "vds.h5"
    with h5py.File(vds, "w") as f:
        _vds(f, "chain_raw", "inner.h5", "/ext", n, "u1")
        _vds(f, "chain_vds", "inner.h5", "/vds_out", len(FAR), "u1")
        _vds(f, "chain_elink", "inner.h5", "/elink_out", len(FAR), "u1")
        _vds(f, "chain_soft_elink", "inner.h5", "/g/soft_to_elink", len(FAR), "u1")
        f.create_dataset("ext_here", shape=(n,), dtype="u1", external=[(str(secret_bin), 0, n)])
        _vds(f, "same_file_chain", ".", "/ext_here", n, "u1")
        _vds(f, "cycle_a", "inner.h5", "/cycle_b", n, "u1")
        _vds(f, "clean", "inner.h5", "/plain", n, "u1")
        _vds(f, "two_level_clean", "vds.h5", "/clean", n, "u1")
    return Chain(box, vds, secret_bin, secret_h5)


CHAINED = {
    "/chain_raw": "secret_bin",
    "/chain_vds": "secret_h5",
    "/chain_elink": "secret_h5",
    "/chain_soft_elink": "secret_h5",
    "/same_file_chain": "secret_bin",
}


def _secret_shown(text: str) -> bool:
    return SECRET.decode() in text or "FAR-AWAY" in text or str(list(FAR[:4])) in text


def test_reading_the_chain_without_the_check_would_leak(chain):
    """The fixture is what the issue describes: plain h5py reads the outside bytes through the chain."""
    with h5py.File(chain.vds, "r") as f:
        assert bytes(f["/chain_raw"][()]) == SECRET
        assert bytes(f["/chain_vds"][()]) == FAR.tobytes()
        assert bytes(f["/chain_elink"][()]) == FAR.tobytes()


@pytest.mark.parametrize("path", sorted(CHAINED))
def test_describe_lists_the_file_at_the_end_of_the_chain_and_reads_nothing(chain, path):
    info = nodes.describe(str(chain.vds), path)
    assert info.needs_confirmation, path
    assert str(getattr(chain, CHAINED[path])) in info.outside_files
    assert info.value is None
    assert not _secret_shown(repr(info))


@pytest.mark.parametrize("path", sorted(CHAINED))
def test_previews_and_exports_refuse_without_consent(chain, path, tmp_path):
    f = str(chain.vds)
    with pytest.raises(UnsafeAccessError):
        preview.preview_info(f, path)
    with pytest.raises(UnsafeAccessError):
        progress.run(export.export(f, path, str(tmp_path / "out.npy")))
    assert not (tmp_path / "out.npy").exists()
    spec = transform.TransformSpec(file=f, source=path, dest="/copy", dtype="float32")
    with pytest.raises(UnsafeAccessError):
        progress.run(transform.run_transform(spec))


def test_consent_reads_the_chain(chain):
    info = nodes.describe(str(chain.vds), "/chain_raw", allow_external=True)
    assert info.data_confirmed and SECRET.decode() in "".join(chr(int(x)) for x in info.value.strip("[]").split(", "))


def test_a_cycle_of_sources_ends_and_clean_chains_need_no_consent(chain):
    cyc = nodes.describe(str(chain.vds), "/cycle_a")
    assert "cycle" in cyc.error and cyc.value is None  # libhdf5 recurses until it crashes on one
    with pytest.raises(UnreadableError, match="cycle"):
        preview.preview_info(str(chain.vds), "/cycle_a", allow_external=True)
    for path in ("/clean", "/two_level_clean"):
        info = nodes.describe(str(chain.vds), path)
        assert not info.needs_confirmation and info.outside_files == (), path


def test_the_depth_limit_refuses_rather_than_trusts(tmp_path):
    n = 4
    with h5py.File(tmp_path / "deep0.h5", "w") as f:
        f["x"] = np.arange(n, dtype="u1")
    for i in range(1, safety.MAX_SOURCE_DEPTH + 3):
        with h5py.File(tmp_path / f"deep{i}.h5", "w") as f:
            _vds(f, "x", f"deep{i - 1}.h5", "/x", n, "u1")
    top = tmp_path / f"deep{safety.MAX_SOURCE_DEPTH + 2}.h5"
    assert nodes.describe(str(top), "/x").needs_confirmation
    shallow = nodes.describe(str(tmp_path / "deep3.h5"), "/x")
    assert not shallow.needs_confirmation


@pytest.mark.parametrize("argv", [
    ["info", "{f}", "{p}"],
    ["info", "{f}", "{p}", "--json"],
    ["show", "{f}", "{p}"],
    ["export", "{f}", "{p}", "{out}.npy"],
    ["export", "{f}", "{p}", "{out}.csv"],
])
@pytest.mark.parametrize("path", ["/chain_raw", "/chain_vds", "/chain_elink"])
def test_cli_never_prints_or_copies_the_outside_bytes(chain, capsys, tmp_path, argv, path):
    args = [a.format(f=chain.vds, p=path, out=tmp_path / "x") for a in argv]
    code = main(args)
    out, err = capsys.readouterr()
    assert not _secret_shown(out + err)
    if argv[0] == "info":
        assert code == 0 and ("outside" in out or "outside_files" in out)
    else:
        assert code == 4, err
        assert not list(tmp_path.glob("x.*"))


def test_cli_transform_refuses(chain, tmp_path):
    copy = tmp_path / "vds.h5"
    copy.write_bytes(chain.vds.read_bytes())
    (tmp_path / "inner.h5").write_bytes((chain.box / "inner.h5").read_bytes())
    code = main(["transform", str(copy), "/chain_raw", "/out", "--dtype", "float32"])
    assert code == 4
    with h5py.File(copy, "r") as f:
        assert "out" not in f
