"""``h5gui-cli upload`` and ``download`` on a real HSDS: the GUI's Upload to HSDS... and Download... headless."""

from __future__ import annotations

import h5py
import numpy as np

from h5gui.cli import main


def test_upload_then_download_round_trip(hsds_server, hsds_client, demo_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HS_ENDPOINT", hsds_server.endpoint)
    monkeypatch.setenv("HS_USERNAME", hsds_server.username)
    monkeypatch.setenv("HS_PASSWORD", hsds_server.password)
    domain = "hdf5://home/admin/cli-upload.h5"
    assert main(["upload", str(demo_file), domain, "--force", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"uploaded {demo_file} to {domain}") or f"to {domain}" in out
    back = tmp_path / "back.h5"
    assert main(["download", domain, str(back), "-q"]) == 0
    assert "downloaded" in capsys.readouterr().out
    with h5py.File(demo_file, "r") as a, h5py.File(back, "r") as b:
        for name in ("images/gray", "mnist/labels", "signals/sine"):
            np.testing.assert_array_equal(a[name][()], b[name][()])
    assert main(["download", domain, str(back), "-q"]) == 2  # exists: nothing overwritten without --force
    assert "exists" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.partial"))  # refused before downloading: no copy left aside


def test_folders_list_domains_and_subfolders(hsds_client, demo_domain, capsys, hsds_server, monkeypatch):
    from h5gui.core.hsds import folders

    home = folders.list_folder("hdf5://home/")
    assert {"uri": "hdf5://home/admin/", "name": "admin", "folder": True} == {
        k: v for k, v in home[0].items() if k in ("uri", "name", "folder")}
    mine = folders.list_folder("hdf5://home/admin")
    assert "hdf5://home/admin/demo.h5" in [e["uri"] for e in mine if not e["folder"]]
    monkeypatch.setenv("HS_ENDPOINT", hsds_server.endpoint)
    monkeypatch.setenv("HS_USERNAME", hsds_server.username)
    monkeypatch.setenv("HS_PASSWORD", hsds_server.password)
    assert main(["domains", "hdf5://home/admin/"]) == 0
    assert "hdf5://home/admin/demo.h5" in capsys.readouterr().out
