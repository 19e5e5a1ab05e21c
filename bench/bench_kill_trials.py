#!/usr/bin/env python
"""Kill -9 trials of in-place edits, journaled (h5gui's ``open_for_edit``) beside plain h5py, and the journal's cost.

Usage::

    python bench/bench_kill_trials.py                      # 40 trials per case, then the overheads (~10 min)
    python bench/bench_kill_trials.py --trials 10 --skip-overhead
    python bench/bench_kill_trials.py --skip-trials --overhead-mb 100

**Trials.** For each scenario (``attrs``: attribute sets, rewrites and deletes on groups with 12
attributes, dense storage in v3 files; ``datasets``: new groups and chunked datasets written chunk
by chunk, and an in-place overwrite of existing chunks; ``deletes``: datasets, groups and
attributes removed), each superblock version (v0: h5py's default ``libver``; v3:
``libver="latest"``) and each writer (``journal``: one ``open_for_edit`` block; ``plain``:
``h5py.File(p, "r+")``), a child process (``tests/core/journal_child.py``) edits a fresh copy of
the same file and is SIGKILLed at a random moment (seeded) between 0 and 1.1 x the time the edit
takes when left alone. Then, for the journal only, ``recover()`` runs. Columns:

* ``killed``: the kill came before the edit was over (the others finished first: they must equal
  the committed result);
* ``opens``: plain ``h5py.File(p, "r")`` opens the file and reads every object and attribute;
* ``intact``: what it reads equals the content before the edit or the committed result;
* ``bytes=``: the file is byte-equal to the file before the edit or to the committed result;
* ``flagged``: the superblock keeps HDF5's "open for writing" mark (v3: unopenable until h5clear);
* ``leftovers``: a journal (or half-made journal) is still beside the file after recovery.

**Overhead.** The same work journaled and plain, best of ``--reps``: (a) 100 attribute edits of a
v3 file, each in its own open/close; (b) ``--overhead-mb`` MB (default 500) of 1 MiB chunks written
into a new dataset of an existing file. Plain h5py does not sync the file: "plain + fsync" adds one
``os.fsync`` at the end (per edit in (a)), the durability a journaled commit gives.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT))

import h5py  # noqa: E402
import journal_child  # noqa: E402
import numpy as np  # noqa: E402

from h5gui.core.h5.journal import consistency_flag_set, journal_path, open_for_edit, recover  # noqa: E402

ROUNDS = {"attrs": 10, "datasets": 1, "deletes": 1}
LIBVERS = {"v0": "earliest", "v3": "latest"}


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def readable(path: Path) -> dict[str, str] | None:
    """Everything in the file, or None when plain h5py cannot open or read it."""
    try:
        return journal_child.snapshot(str(path))
    except (OSError, KeyError, RuntimeError, ValueError, TypeError, AssertionError):
        return None


def trials(folder: Path, scenario: str, version: str, mode: str, n: int, seed: int) -> dict[str, int]:
    template = folder / f"prior-{version}.h5"
    if not template.exists():
        journal_child.make_prior(str(template), LIBVERS[version])
    prior, prior_content = digest(template), journal_child.snapshot(str(template))
    p = folder / "trial.h5"
    shutil.copyfile(template, p)
    _, duration = journal_child.run(str(p), scenario, mode, rounds=ROUNDS[scenario])
    after, after_content = digest(p), journal_child.snapshot(str(p))
    rng = random.Random(f"{seed}-{scenario}-{version}-{mode}")
    row = {"trials": n, "killed": 0, "rolled back": 0, "opens": 0, "intact": 0, "bytes=": 0, "flagged": 0,
           "leftovers": 0}
    for _ in range(n):
        shutil.copyfile(template, p)
        killed, _ = journal_child.run(str(p), scenario, mode, rounds=ROUNDS[scenario],
                                      kill_after=rng.uniform(0, 1.1 * duration))
        row["killed"] += killed
        if mode == "journal":
            message = recover(p)
            row["rolled back"] += bool(message and "rolled back" in message)
        row["flagged"] += consistency_flag_set(p)
        content = readable(p)
        row["opens"] += content is not None
        row["intact"] += content in (prior_content, after_content)
        row["bytes="] += digest(p) in (prior, after)
        jp = journal_path(p)
        row["leftovers"] += jp.exists() or jp.with_name(jp.name + "-new").exists()
        if jp.exists() and mode == "plain":
            raise RuntimeError("a plain h5py edit left a journal?")
    row["edit ms"] = round(duration * 1000)
    return row


def print_table(rows: list[tuple[str, str, str, dict[str, int]]]) -> None:
    cols = ["trials", "killed", "rolled back", "opens", "intact", "bytes=", "flagged", "leftovers", "edit ms"]
    print(f"{'scenario':<9} {'file':<4} {'writer':<8} " + " ".join(f"{c:>11}" for c in cols))
    for scenario, version, mode, row in rows:
        cells = []
        for c in cols:
            cells.append(f"{'-' if c == 'rolled back' and mode == 'plain' else row[c]:>11}")
        print(f"{scenario:<9} {version:<4} {mode:<8} " + " ".join(cells), flush=True)


def best(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        times.append(fn())
    return min(times)


def overhead_attrs(folder: Path, reps: int) -> tuple[float, float, float]:
    template = folder / "prior-v3.h5"
    if not template.exists():
        journal_child.make_prior(str(template), "latest")
    p = folder / "attrs.h5"

    def run(kind: str) -> float:
        shutil.copyfile(template, p)
        t = time.perf_counter()
        for i in range(100):
            if kind == "journal":
                with open_for_edit(p) as f:
                    f[f"g{i % 4}"].attrs[f"edit{i}"] = np.arange(i % 10 + 1)
            else:
                with h5py.File(p, "r+") as f:
                    f[f"g{i % 4}"].attrs[f"edit{i}"] = np.arange(i % 10 + 1)
                if kind == "plain+fsync":
                    fd = os.open(p, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
        return time.perf_counter() - t

    return best(lambda: run("plain"), reps), best(lambda: run("plain+fsync"), reps), best(lambda: run("journal"), reps)


def overhead_chunks(folder: Path, mb: int, reps: int) -> tuple[float, float, float]:
    template = folder / "prior-v3.h5"
    p = folder / "chunks.h5"
    block = np.random.default_rng(1).integers(0, 255, (1, 1024, 1024), dtype="u1")

    def write(f: h5py.File) -> None:
        ds = f.create_dataset("big", shape=(mb, 1024, 1024), dtype="u1", chunks=(1, 1024, 1024))
        for i in range(mb):
            ds[i : i + 1] = block

    def run(kind: str) -> float:
        shutil.copyfile(template, p)
        t = time.perf_counter()
        if kind == "journal":
            with open_for_edit(p) as f:
                write(f)
        else:
            with h5py.File(p, "r+") as f:
                write(f)
            if kind == "plain+fsync":
                fd = os.open(p, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
        seconds = time.perf_counter() - t
        p.unlink()
        return seconds

    return best(lambda: run("plain"), reps), best(lambda: run("plain+fsync"), reps), best(lambda: run("journal"), reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=40, help="kill trials per scenario, file version and writer")
    ap.add_argument("--scenarios", default="attrs,datasets,deletes")
    ap.add_argument("--versions", default="v0,v3")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--overhead-mb", type=int, default=500)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-trials", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    logging.getLogger("h5gui").setLevel(logging.ERROR)  # one "rolled back" warning per trial otherwise
    print(f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="h5gui-kill-") as tmp:
        folder = Path(tmp)
        if not args.skip_trials:
            rows = []
            t = time.perf_counter()
            for scenario in args.scenarios.split(","):
                for version in args.versions.split(","):
                    for mode in ("journal", "plain"):
                        rows.append((scenario, version, mode, trials(folder, scenario, version, mode, args.trials,
                                                                     args.seed)))
            print(f"\nkill -9 trials ({time.perf_counter() - t:.0f} s)")
            print_table(rows)
        if not args.skip_overhead:
            print(f"\noverhead of journaled edits (best of {args.reps})")
            print(f"{'case':<38} {'plain':>9} {'plain+fsync':>12} {'journal':>9} {'/plain':>7} {'/+fsync':>8}")
            plain, synced, journal = overhead_attrs(folder, args.reps)
            print(f"{'100 attribute edits, one open each':<38} {plain:>8.2f}s {synced:>11.2f}s {journal:>8.2f}s "
                  f"{journal / plain:>7.2f} {journal / synced:>8.2f}", flush=True)
            plain, synced, journal = overhead_chunks(folder, args.overhead_mb, args.reps)
            label = f"{args.overhead_mb} MB of chunks into a new dataset"
            print(f"{label:<38} {plain:>8.2f}s {synced:>11.2f}s {journal:>8.2f}s "
                  f"{journal / plain:>7.2f} {journal / synced:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
