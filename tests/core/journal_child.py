"""A child process for the kill trials of the edit journal (tests/core/test_journal.py, bench/bench_kill_trials.py).

Usage: ``python journal_child.py SCENARIO MODE PATH [ROUNDS]``

* SCENARIO: ``attrs`` (attribute sets, rewrites and deletes on groups with more than 8 attributes),
  ``datasets`` (new groups and chunked datasets written chunk by chunk), ``deletes`` (objects and
  attributes removed, a few added), ``mixed`` (a little of each);
* MODE: ``journal`` (one :func:`open_for_edit` block) or ``plain`` (``h5py.File(PATH, "r+")``);
* ROUNDS: how much work (default 1).

It prints ``ready`` once imported, waits for a line on stdin (the parent starts its clock as it
sends it), does the whole edit in one open file (flushing now and then so that HDF5 writes while it
works, as long jobs do), closes it and prints ``done SECONDS`` (the edit's own time). The edit is
deterministic: the same scenario gives the same content. :func:`make_prior` writes the file before
the edit; :func:`snapshot` reads every object and attribute of a file for comparison.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from h5gui.core.h5.journal import open_for_edit

N_GROUPS = 4
N_ATTRS = 12  # > 8: dense attribute storage in libver="latest" files


def make_prior(path: str, libver: str) -> None:
    """The file the trials edit: groups with many attributes, datasets (chunked and contiguous), nesting."""
    with h5py.File(path, "w", libver=libver) as f:
        f.attrs["title"] = "kill trials"
        for g in range(N_GROUPS):
            grp = f.create_group(f"g{g}")
            for a in range(N_ATTRS):
                grp.attrs[f"a{a}"] = np.arange(a + 3, dtype="f8") * (g + 1)
            grp.create_dataset("chunked", data=np.arange(64 * 1024, dtype="i4").reshape(256, 256) + g, chunks=(32, 32))
            grp.create_dataset("plain", data=np.linspace(0, 1, 5000) * g)
            sub = grp.create_group("sub")
            sub.attrs["note"] = f"group {g}"
            sub.create_dataset("small", data=np.arange(100) * g)


def _attrs(f: h5py.File, rounds: int) -> None:
    for r in range(rounds * 40):
        grp = f[f"g{r % N_GROUPS}"]
        grp.attrs[f"a{r % N_ATTRS}"] = np.full(r % 17 + 1, r, dtype="i8")
        grp.attrs[f"new{r}"] = f"value {r}" * (r % 5 + 1)
        if r % 3 == 0 and f"new{r - 3}" in grp.attrs:
            del grp.attrs[f"new{r - 3}"]
        if r % 7 == 0:
            f.flush()


def _datasets(f: h5py.File, rounds: int) -> None:
    rng = np.random.default_rng(7)
    for r in range(rounds * 4):
        grp = f.require_group(f"new{r % 3}")
        ds = grp.create_dataset(f"d{r}", shape=(64, 256, 256), dtype="u1", chunks=(4, 256, 256))
        for i in range(0, 64, 4):
            ds[i : i + 4] = rng.integers(0, 255, (4, 256, 256), dtype="u1")
            if i % 16 == 0:
                f.flush()
        ds.attrs["round"] = r
        f[f"g{r % N_GROUPS}/chunked"][r : r + 8, :] = -r


def _deletes(f: h5py.File, rounds: int) -> None:
    for g in range(N_GROUPS):
        grp = f[f"g{g}"]
        del grp["plain"]
        f.flush()
        for a in range(0, N_ATTRS, 2):
            del grp.attrs[f"a{a}"]
        del grp["sub"]
        f.flush()
    for r in range(rounds * 10):
        f.create_group(f"after{r}").attrs["r"] = r
    del f["g0"]


def _mixed(f: h5py.File, rounds: int) -> None:
    _attrs(f, rounds)
    grp = f.create_group("mixed")
    grp.create_group("empty").attrs["made"] = True
    ds = grp.create_dataset("d", shape=(32, 128, 128), dtype="f4", chunks=(2, 128, 128))
    for i in range(0, 32, 2):
        ds[i : i + 2] = i
        f.flush()
    del f["g1/sub"]
    del f["g2"].attrs["a3"]


SCENARIOS = {"attrs": _attrs, "datasets": _datasets, "deletes": _deletes, "mixed": _mixed}


def _hash(value: object) -> str:
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        return hashlib.sha256(repr(arr.tolist()).encode()).hexdigest()[:16]
    return hashlib.sha256(arr.tobytes() + str(arr.dtype).encode() + str(arr.shape).encode()).hexdigest()[:16]


def snapshot(path: str) -> dict[str, str]:
    """Every object and attribute of ``path`` (name -> hash of the value), read with plain h5py."""
    out: dict[str, str] = {}
    with h5py.File(path, "r") as f:
        def visit(name: str, obj: object) -> None:
            assert isinstance(obj, h5py.Group | h5py.Dataset)
            if isinstance(obj, h5py.Dataset):
                out[name] = _hash(obj[()])
            else:
                out[name] = "group"
            for key in obj.attrs:
                out[f"{name}@{key}"] = _hash(obj.attrs[key])
        for key in f.attrs:
            out[f"@{key}"] = _hash(f.attrs[key])
        f.visititems(visit)
    return out


def run(path: str, scenario: str, mode: str, *, rounds: int = 1, kill_after: float | None = None) -> tuple[bool, float]:
    """Run the child on ``path``; SIGKILL it ``kill_after`` seconds after it is ready (None: let it finish).

    Returns
    -------
    killed, seconds
        Whether the kill came before the edit was over (the child had not printed ``done``); how
        long the edit took (from ``ready`` to ``done``, or to the kill).
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), _ROOT])))
    child = subprocess.Popen([sys.executable, __file__, scenario, mode, path, str(rounds)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the journal child did not start: {line!r}")
        child.stdin.write("go\n")
        child.stdin.flush()
        start = time.perf_counter()
        if kill_after is None:
            line = child.stdout.readline().strip()
            if child.wait() != 0 or not line.startswith("done "):
                raise RuntimeError(f"the journal child failed with exit code {child.returncode}")
            return False, float(line.split()[1])
        time.sleep(max(0.0, kill_after - (time.perf_counter() - start)))
        child.send_signal(signal.SIGKILL)
        child.wait()
        return "done" not in child.stdout.read(), kill_after
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stdin.close()


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv: list[str]) -> None:
    scenario, mode, path = argv[:3]
    rounds = int(argv[3]) if len(argv) > 3 else 1
    edit = SCENARIOS[scenario]
    print("ready", flush=True)
    sys.stdin.readline()  # "go": the parent's clock starts now
    start = time.perf_counter()
    if mode == "journal":
        with open_for_edit(path) as f:
            edit(f, rounds)
    else:
        with h5py.File(path, "r+") as f:
            edit(f, rounds)
    print(f"done {time.perf_counter() - start:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
