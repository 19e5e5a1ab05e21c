"""``h5gui-cli find`` through the reader process prints every hit, also those of the batches that the
process's progress throttling (one report per 0.2 s) did not pass on."""

from __future__ import annotations

import h5py

from h5gui.cli import main


def test_find_prints_every_hit_of_a_big_group(tmp_path, capsys):
    path = tmp_path / "many.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("g")
        for i in range(3000):  # three batches of 1,000 links, made faster than one per 0.2 s
            g.create_group(f"item{i:04d}")
    code = main(["find", str(path), "item"])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert code == 0, err
    assert len(lines) == 3000 and len(set(lines)) == 3000 and "/g/item2999 (group)" in lines
