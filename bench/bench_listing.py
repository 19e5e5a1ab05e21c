#!/usr/bin/env python
"""Listing a huge group with h5gui.core.nodes, beside h5py's own iteration (no Qt).

Usage::

    python bench/bench_listing.py [--n 100000] [--layouts dense,old,track] [--reps 5]

Files: a group ``/big`` of N datasets (one per layout: h5py's default old-style group, a dense
new-style group, a dense group with creation order tracked) and a file of 1,000 groups x 100 datasets,
all cached in /tmp/h5gui-bench/.

Three conditions for every operation, each including what the call does itself (opening the file
for h5gui's functions and for the h5py baselines alike):

* cold:   a new Python process, the file's pages dropped from the OS cache (posix_fadvise), modules
          already imported and hdf5plugin loaded before the clock starts (its import is reported apart);
* reopen: this process, the file opened and closed by every call (as the CLI does);
* warm:   the file kept open (h5gui: the I/O thread's handle pool; h5py: one open ``h5py.File``).

Medians of ``--reps`` cold runs and of 10-30 warm/reopen runs.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402

GROUP = "/big"
PAGE = 1000

# ------------------------------------------------------------------------------------------------
# operations: fn(file) -> number of rows/names produced.  ``_h5`` gives the h5py baselines a file
# that is kept open in "warm" mode and opened per call otherwise.

_KEEP: dict[str, object] = {}
_MODE = {"warm": False}


@contextlib.contextmanager
def _h5(file: str) -> Iterator[object]:
    import h5py

    if _MODE["warm"]:
        f = _KEEP.get(file)
        if f is None:
            f = _KEEP[file] = h5py.File(file, "r", locking=False)
        yield f
        return
    with h5py.File(file, "r", locking=False) as f:
        yield f


def op_list_children(file: str) -> int:
    from h5gui.core import nodes

    return len(nodes.list_children(file, GROUP, 0, PAGE))


def op_list_children_mid(file: str) -> int:
    from h5gui.core import nodes

    return len(nodes.list_children(file, GROUP, _COUNT[file] // 2, PAGE))


_COUNT: dict[str, int] = {}


def _prepare_count(file: str) -> None:
    import h5py

    with h5py.File(file, "r", locking=False) as f:
        _COUNT[file] = len(f[GROUP])


def op_names_page(file: str) -> int:
    # names only, native order, one page: what list_children does before describing the rows
    from h5gui.core import nodes
    from h5gui.core.h5 import files

    with files.open_file(file) as f:
        return len(nodes.iter_names(f[GROUP].id, 0, PAGE))


def op_open_group_listing(file: str) -> int:
    from h5gui.core import nodes

    listing = nodes.open_group_listing(file, GROUP)
    return len(listing.names)


def op_list_names(file: str) -> int:
    from h5gui.core import nodes

    return len(nodes.list_names(file, GROUP))


_BATCH_NAMES: dict[str, list[str]] = {}


def _prepare_batch(file: str) -> None:
    from h5gui.core import nodes

    names = nodes.list_names(file, GROUP)
    mid = len(names) // 2
    _BATCH_NAMES[file] = names[mid:mid + 500]


def op_describe_batch(file: str) -> int:
    # one batch of 500 rows in natural order from the middle: what the tree's fetchMore runs
    from h5gui.core import nodes

    return len(nodes.describe_children(file, GROUP, _BATCH_NAMES[file]))


def base_keys_page(file: str) -> int:
    with _h5(file) as f:
        return len(list(f[GROUP].keys())[:PAGE])  # type: ignore[index]


def base_iter_page(file: str) -> int:
    with _h5(file) as f:
        return len(list(itertools.islice(iter(f[GROUP]), PAGE)))  # type: ignore[index]


def base_rows_page(file: str) -> int:
    # what an eager viewer does for the first 1,000 rows: h5py high level, name + shape + dtype
    with _h5(file) as f:
        g = f[GROUP]  # type: ignore[index]
        rows = []
        for name in itertools.islice(iter(g), PAGE):
            obj = g[name]
            rows.append((name, getattr(obj, "shape", None), getattr(obj, "dtype", None)))
        return len(rows)


def base_keys_all(file: str) -> int:
    with _h5(file) as f:
        return len(list(f[GROUP].keys()))  # type: ignore[index]


def op_root_children(file: str) -> int:
    from h5gui.core import nodes

    return len(nodes.list_children(file, "/", 0, PAGE))


def op_root_listing(file: str) -> int:
    from h5gui.core import nodes

    return len(nodes.open_group_listing(file, "/").first)


def op_describe_root(file: str) -> int:
    from h5gui.core import nodes

    return nodes.describe(file, "/").members or 0


def base_root_keys(file: str) -> int:
    with _h5(file) as f:
        return len(list(f.keys()))  # type: ignore[attr-defined]


def base_walk_links(file: str) -> int:
    # the cheapest full walk (names only): what an eager tree would at least do
    n = [0]

    def cb(name: bytes) -> None:
        n[0] += 1

    with _h5(file) as f:
        f.id.links.visit(cb)  # type: ignore[attr-defined]
    return n[0]


OPS: dict[str, Callable[[str], int]] = {
    k: v for k, v in globals().items() if k.startswith(("op_", "base_")) and callable(v)
}
# run before the clock starts (and before the page cache is dropped, for cold runs)
PREPARE: dict[str, Callable[[str], None]] = {"op_list_children_mid": _prepare_count, "op_describe_batch": _prepare_batch}

# ------------------------------------------------------------------------------------------------
# measuring


def run_cold(name: str, file: str) -> float:
    """One cold call in a new process; returns seconds (the process prints its own timing)."""
    bf.drop_page_cache(file)
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, file], check=True, capture_output=True, text=True
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["t"])


def child(name: str, file: str) -> None:
    import h5py  # noqa: F401

    from h5gui.core.h5 import files
    from h5gui.core.nodes import details, listing  # noqa: F401  (imported before the clock starts)

    t = time.perf_counter()
    files.load_plugins()
    t_plugins = time.perf_counter() - t
    if name in PREPARE:
        PREPARE[name](file)
        bf.drop_page_cache(file)
    fn = OPS[name]
    t = time.perf_counter()
    n = fn(file)
    dt = time.perf_counter() - t
    print(json.dumps({"t": dt, "n": n, "plugins": t_plugins}))


def run_inproc(name: str, file: str, warm: bool, reps: int) -> float:
    from h5gui.core.h5 import files

    fn = OPS[name]
    if name in PREPARE:
        PREPARE[name](file)
    _MODE["warm"] = warm
    times = []
    pool = files.HandlePool()
    scope = files.pool_scope(pool) if warm else contextlib.nullcontext()
    with scope:
        fn(file)  # prime (open the pooled handle / kept file, fill caches)
        for _ in range(reps):
            t = time.perf_counter()
            fn(file)
            times.append(time.perf_counter() - t)
    pool.close_all()
    for f in _KEEP.values():
        f.close()  # type: ignore[attr-defined]
    _KEEP.clear()
    _MODE["warm"] = False
    return bf.median(times)


def measure(name: str, file: str, reps: int, inproc_reps: int) -> dict[str, float]:
    cold = bf.median([run_cold(name, file) for _ in range(reps)])
    reopen = run_inproc(name, file, warm=False, reps=inproc_reps)
    warm = run_inproc(name, file, warm=True, reps=inproc_reps)
    return {"cold": cold, "reopen": reopen, "warm": warm}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="members of /big (default 100,000)")
    p.add_argument("--layouts", default="dense,old,track", help="comma-separated: dense, old, track")
    p.add_argument("--groups", default="1000x100", help="groups x datasets of the second file")
    p.add_argument("--reps", type=int, default=3, help="cold runs per figure (new processes)")
    p.add_argument("--child", nargs=2, metavar=("OP", "FILE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return

    t_start = time.perf_counter()
    layouts = [s for s in args.layouts.split(",") if s]
    g, _, d = args.groups.partition("x")
    print(f"bench_listing: {bf.machine()}")
    print("preparing files...", flush=True)
    big = {lay: str(bf.big_group_file(args.n, lay)) for lay in layouts}
    many = str(bf.many_groups_file(int(g), int(d), "dense"))

    plugin_times = [json.loads(subprocess.run(
        [sys.executable, __file__, "--child", "op_describe_root", many], check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1])["plugins"] for _ in range(args.reps)]

    heavy = {"op_open_group_listing", "op_list_names", "base_keys_all", "base_rows_page",
             "op_list_children", "op_list_children_mid"}
    cache: dict[tuple[str, str], dict[str, float]] = {}

    def get(op: str, file: str) -> dict[str, float]:
        key = (op, file)
        if key not in cache:
            cache[key] = measure(op, file, args.reps, 3 if op in heavy else 15)
        return cache[key]

    def cell(r: dict[str, float], b: dict[str, float] | None) -> str:
        text = f"{bf.ms(r['cold'])} / {bf.ms(r['warm'])}"
        if b is not None:
            text += f" ({bf.ratio(r['cold'], b['cold'])} / {bf.ratio(r['warm'], b['warm'])})"
        return text

    # (label, op, baseline op or None)
    big_ops = [
        (f"h5gui `list_children(g, 0, {PAGE})`: first page, rows with kind/shape/dtype", "op_list_children",
         "base_rows_page"),
        (f"h5gui `list_children(g, n/2, {PAGE})`: a page in the middle", "op_list_children_mid", "base_rows_page"),
        (f"h5gui names-only page (`_iter_names(gid, 0, {PAGE})`)", "op_names_page", "base_keys_page"),
        ("h5gui `open_group_listing(g)`: all names sorted + 256 rows (tree expand)", "op_open_group_listing",
         "base_keys_all"),
        ("h5gui `list_names(g)`: all names, natural sort", "op_list_names", "base_keys_all"),
        ("h5gui `describe_children(g, 500 names)`: one tree batch", "op_describe_batch", "base_rows_page"),
        (f"baseline h5py: first {PAGE:,} of `for name in g` + `g[name]` shape/dtype", "base_rows_page", None),
        (f"baseline h5py: `list(g.keys())[:{PAGE}]`", "base_keys_page", None),
        (f"baseline h5py: first {PAGE:,} of `for name in g`", "base_iter_page", None),
        ("baseline h5py: `list(g.keys())`", "base_keys_all", None),
    ]
    results: dict[str, dict[str, str]] = {}
    first_page: list[float] = []
    names_page: list[dict[str, float]] = []
    for lay in layouts:
        file = big[lay]
        print(f"\n== /big: {args.n:,} datasets, layout '{lay}' ({file})", flush=True)
        print(f"{'operation':82s} {'cold':>9s} {'reopen':>9s} {'warm':>9s}  ratio to its baseline (cold/reopen/warm)")
        for label, op, base in big_ops:
            r = get(op, file)
            b = get(base, file) if base else None
            extra = "" if b is None else (f"  {bf.ratio(r['cold'], b['cold'])} / {bf.ratio(r['reopen'], b['reopen'])}"
                                          f" / {bf.ratio(r['warm'], b['warm'])}  vs {base}")
            print(f"{label:82s} {bf.ms(r['cold']):>9s} {bf.ms(r['reopen']):>9s} {bf.ms(r['warm']):>9s}{extra}",
                  flush=True)
            results.setdefault(label, {})[lay] = cell(r, b)
            if op == "op_list_children":
                first_page.append(r["warm"])
            if op == "op_names_page":
                names_page.append(r)

    print(f"\n== root of {int(g):,} groups x {int(d)} datasets ({many})", flush=True)
    print(f"{'operation':82s} {'cold':>9s} {'reopen':>9s} {'warm':>9s}  ratio to its baseline (cold/reopen/warm)")
    root_rows: list[list[str]] = []
    walk = measure("base_walk_links", many, 1, 2)
    cache[("base_walk_links", many)] = walk
    for label, op, base in [
        ("h5gui `describe('/')` (opening the file)", "op_describe_root", "base_root_keys"),
        (f"h5gui `list_children('/', 0, {PAGE})`", "op_root_children", "base_root_keys"),
        ("h5gui `open_group_listing('/')` (tree: expand the file)", "op_root_listing", "base_walk_links"),
        ("baseline h5py: `list(f.keys())`", "base_root_keys", None),
        ("baseline h5py: walk every link (`f.id.links.visit`)", "base_walk_links", None),
    ]:
        r = get(op, many)
        b = get(base, many) if base else None
        extra = "" if b is None else (f"  {bf.ratio(r['cold'], b['cold'])} / {bf.ratio(r['reopen'], b['reopen'])}"
                                      f" / {bf.ratio(r['warm'], b['warm'])}  vs {base}")
        print(f"{label:82s} {bf.ms(r['cold']):>9s} {bf.ms(r['reopen']):>9s} {bf.ms(r['warm']):>9s}{extra}", flush=True)
        root_rows.append([label, cell(r, b)])

    print(f"\nfirst open in a process also imports hdf5plugin: {bf.ms(bf.median(plugin_times))} (not in the figures)")
    if names_page:
        warm = max(r["warm"] for r in names_page)
        cold = max(r["cold"] for r in names_page)
        rows = max(first_page)
        print(f"target 'first page of a {args.n:,}-member group < 10 ms' (worst layout): names-only page "
              f"warm {bf.ms(warm)} -> {'OK' if warm < 0.010 else 'MISSED'}, cold {bf.ms(cold)} -> "
              f"{'OK' if cold < 0.010 else 'MISSED'}; with kinds/shapes/dtypes ({PAGE:,} rows) warm {bf.ms(rows)} -> "
              f"{'OK' if rows < 0.010 else 'MISSED'} ({rows / PAGE * 1e6:.0f} us per row)")
    print(f"total run time {time.perf_counter() - t_start:.0f} s\n")
    print(f"Listing a group of {args.n:,} datasets, `cold / warm (ratio to the baseline below it, cold / warm)`; "
          f"cold = new process with the file evicted from the page cache, warm = file kept open; medians; "
          f"{bf.machine()}.\n")
    print(bf.table(["operation"] + [f"layout `{lay}`" for lay in layouts],
                   [[label] + [results[label].get(lay, "") for lay in layouts] for label, _, _ in big_ops]))
    print(f"\nRoot of a file with {int(g):,} groups x {int(d)} datasets:\n")
    print(bf.table(["operation", "cold / warm (ratio)"], root_rows))


if __name__ == "__main__":
    main()
