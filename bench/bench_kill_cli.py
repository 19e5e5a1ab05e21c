#!/usr/bin/env python
"""Kill -9 trials of h5gui's own writes, as a user runs them: ``h5gui-cli`` killed at random moments.

Usage::

    python bench/bench_kill_cli.py [--trials 20] [--seed 1] [--scenarios attrs,import-existing,...]

Scenarios (each on a superblock-v0 file and a v3 one, ``libver="latest"``):

* ``attrs``: ``attrs FILE / --set note=...`` (one attribute edit);
* ``import-existing``: ``import-images FOLDER FILE --group new`` (a new group in an existing file);
* ``import-new``: ``import-images FOLDER NEW.h5`` (a new file, written as ``NEW.h5.partial``);
* ``transform-new``: ``transform FILE /images /scaled --dtype float32 --normalize scale:255``;
* ``transform-replace``: the same with ``--replace``.

The command is run once to completion for its duration ``T`` and its result; then each trial runs it
on a fresh copy and SIGKILLs it after a random time in [0, 1.1 T) (seeded). The next ``h5gui-cli ls
-r`` opens the file (rolling back an interrupted edit). Columns: ``killed`` (the kill came before the
command ended), ``opens`` (plain ``h5py.File(p, "r")`` reads every object), ``intact`` (the bytes
equal those before the command or the result of a complete run; for ``import-new``: no file, or a
complete one), ``leftovers`` (a journal, a ``.partial`` file or a ``.h5gui-`` object remaining after
the next open; ``import-new`` leaves its ``.partial`` file on purpose: the next import names it).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "h5gui.cli"]


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def make_base(path: Path, libver: str) -> None:
    with h5py.File(path, "w", libver=libver) as f:
        f.create_dataset("images", data=np.random.default_rng(0).integers(0, 255, (600, 128, 128), dtype="u1"),
                         chunks=(16, 128, 128))
        for i in range(12):
            f.attrs[f"a{i}"] = i


def make_folder(folder: Path) -> None:
    rng = np.random.default_rng(1)
    for c in ("cats", "dogs"):
        (folder / c).mkdir(parents=True)
        for i in range(150):
            Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(folder / c / f"{i}.png")


def command(scenario: str, file: Path, folder: Path) -> list[str]:
    return {
        "attrs": [*CLI, "attrs", str(file), "/", "--set", "note=" + "x" * 200],
        "import-existing": [*CLI, "import-images", str(folder), str(file), "--group", "new", "-q"],
        "import-new": [*CLI, "import-images", str(folder), str(file.with_name("new.h5")), "-q"],
        "transform-new": [*CLI, "transform", str(file), "/images", "/scaled", "--dtype", "float32",
                          "--normalize", "scale:255", "-q"],
        "transform-replace": [*CLI, "transform", str(file), "/images", "--replace", "--dtype", "float32",
                              "--normalize", "scale:255", "-q"],
    }[scenario]


def content(p: Path) -> str:
    """A digest of what the file holds (objects, values, attributes), blind to time stamps: HDF5's object
    times and h5gui's provenance times differ between two complete runs of the same command."""
    h = hashlib.sha256()
    with h5py.File(p, "r") as f:
        items: list[str] = []
        f.visit(items.append)
        for name in sorted(items):
            obj = f[name]
            h.update(name.encode())
            if isinstance(obj, h5py.Dataset):
                h.update(str((obj.shape, obj.dtype)).encode())
                if obj.dtype.kind not in "OV" and obj.size:
                    h.update(np.ascontiguousarray(obj[()]).tobytes())
            for k in sorted(obj.attrs):
                if not k.startswith(("h5gui_", "import_")) and not any(w in k.lower() for w in ("time", "date", "created")):
                    h.update(k.encode() + repr(obj.attrs[k]).encode())
    return h.hexdigest()


def reads(p: Path) -> bool:
    try:
        with h5py.File(p, "r") as f:
            f.visititems(lambda _n, o: o[()] if isinstance(o, h5py.Dataset) and o.size < 10**7 else None)
        return True
    except Exception:  # noqa: BLE001 - any failure means: does not open
        return False


def leftovers(p: Path) -> int:
    n = sum(1 for q in p.parent.iterdir() if q.name.endswith((".h5gui-journal", ".partial")) and "new.h5" not in q.name)
    try:
        with h5py.File(p, "r") as f:
            f.visit(lambda name: None)
            names: list[str] = []
            f.visit(names.append)
            n += sum(1 for name in names if name.rsplit("/", 1)[-1].startswith(".h5gui-"))
    except OSError:
        pass
    return n


def run_trials(scenario: str, version: str, trials: int, seed: int, work: Path) -> dict[str, int]:
    libver = {"v0": "earliest", "v3": "latest"}[version]
    folder = work / "images"
    if not folder.exists():
        make_folder(folder)
    base = work / f"base-{version}.h5"
    if not base.exists():
        make_base(base, libver)
    ref = work / "ref" / "f.h5"
    shutil.rmtree(ref.parent, ignore_errors=True)
    ref.parent.mkdir()
    shutil.copy(base, ref)
    t0 = time.monotonic()
    subprocess.run(command(scenario, ref, folder), check=True, capture_output=True)
    duration = time.monotonic() - t0
    done_digest = content(ref)
    before = digest(base)
    rng = random.Random(f"{seed}-{scenario}-{version}")
    out = {"trials": trials, "killed": 0, "opens": 0, "intact": 0, "leftovers": 0}
    for _ in range(trials):
        d = work / "trial"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        p = d / "f.h5"
        shutil.copy(base, p)
        proc = subprocess.Popen(command(scenario, p, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 1.1 * duration))
        if proc.poll() is None:
            out["killed"] += 1
            proc.kill()
        proc.wait()
        subprocess.run([*CLI, "ls", "-r", str(p)], capture_output=True)  # the next open: rolls back
        out["opens"] += reads(p)
        if scenario == "import-new":
            new = d / "new.h5"
            ok = digest(p) == before and (not new.exists() or reads(new))
        else:
            ok = digest(p) == before or (reads(p) and content(p) == done_digest)
        out["intact"] += ok
        out["leftovers"] += leftovers(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", default="attrs,import-existing,import-new,transform-new,transform-replace")
    ap.add_argument("--versions", default="v0,v3")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="h5gui-kill-"))
    try:
        print(f"{'scenario':<18} {'file':<4} {'trials':>6} {'killed':>6} {'opens':>6} {'intact':>6} {'leftovers':>9}")
        for scenario in args.scenarios.split(","):
            for version in args.versions.split(","):
                r = run_trials(scenario, version, args.trials, args.seed, work)
                print(f"{scenario:<18} {version:<4} {r['trials']:>6} {r['killed']:>6} {r['opens']:>6} "
                      f"{r['intact']:>6} {r['leftovers']:>9}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
