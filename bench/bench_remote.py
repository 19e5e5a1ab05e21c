#!/usr/bin/env python
"""Remote reading: requests, bytes and seconds h5py needs over HTTP, h5gui's defaults beside plain fsspec.

Usage::

    python bench/bench_remote.py [--repeat 3] [--frames 4000] [--delays 0,20] [--wide 100000]

A local HTTP Range server (the one the tests use, ``tests/remote/conftest.py``) serves two files from a
temporary folder, with 0 ms and 20 ms of delay added to every request (a round trip to a nearby
region). For each delay and each client the script opens the files afresh and measures, step by step:

* ``open + root``: open ``demo.h5`` (``h5gui-cli demo``) and list its root as the tree does (names, then
  kind and shape or member count of each member);
* ``metadata``: what the info panel reads of ``/mnist/images`` (shape, dtype, chunks, filters, storage
  size, every attribute);
* ``stack open``: open the stack file ``(N, 512, 512) uint16``, one chunk per frame, and its ``/stack``;
* ``first frame``, ``next frame``, ``far frame``: ``stack[N // 2]``, then ``stack[N // 2 + 1]`` (a slider
  step), then ``stack[N // 4]`` (a jump);
* ``wide: open + rows``: open ``wide.h5`` (``/wide`` holds ``--wide`` datasets, ``/g10k`` 10,000) and show
  the first tree rows of ``/wide`` (64: names, kinds, shapes); ``expand 10k``: the first rows of ``/g10k``.
  h5gui runs the tree's own job (``nodes.open_group_listing``, first 64 rows in native order when a group
  is big); the plain clients list the first 64 names (``islice`` over the group) and read each object.

Clients: ``h5gui`` = ``open_remote`` with its defaults (``blockcache``, 1 MiB x 32 blocks) and
``h5py_kwargs_for``; ``fsspec default`` = ``h5py.File(fsspec.open(url).open())`` (5 MiB ``bytes``
readahead cache); ``no cache`` = the same with ``cache_type="none"``. Requests and bytes are counted by
the server, so every client is measured the same way. One unmeasured warm-up run per client and delay
comes first (sessions, connections, imports). Times are medians over ``--repeat`` runs with the
range in brackets; ratios are the client's median time over h5gui's. Automatic garbage collection is
off during every measured run, for every client (h5py issue #2019: a collection on fsspec's I/O thread
can deadlock h5py; h5gui pauses it by itself, plain fsspec does not).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "remote"))

import fsspec  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
from conftest import RangeServer, make_stack  # noqa: E402

from h5gui.core.demo import make_demo  # noqa: E402
from h5gui.core.h5.remote import close_filesystems, h5py_kwargs_for, open_remote  # noqa: E402

CLIENTS = ("h5gui", "fsspec default", "no cache")
STEPS = ("open + root", "metadata", "stack open", "first frame", "next frame", "far frame", "wide: open + rows",
         "expand 10k")
ROWS = 64  # the tree's first batch (h5gui.gui.models.tree_nodes.FIRST_BATCH)


def open_with(client: str, url: str, stack: ExitStack) -> h5py.File:
    if client == "h5gui":
        rf = stack.enter_context(open_remote(url))
        return stack.enter_context(h5py.File(rf, "r", **h5py_kwargs_for(url)))
    kwargs = {"cache_type": "none"} if client == "no cache" else {}
    fobj = stack.enter_context(fsspec.open(url, "rb", **kwargs))
    return stack.enter_context(h5py.File(fobj, "r"))


def tree_rows(f: h5py.File) -> list[tuple[str, str, Any]]:
    rows = []
    for name in f:
        link = f.get(name, getlink=True)
        obj = f.get(name)
        if isinstance(obj, h5py.Dataset):
            rows.append((name, type(link).__name__, obj.shape))
        else:
            rows.append((name, type(link).__name__, len(obj)))
    return rows


def first_rows(client: str, url: str, path: str, stack: ExitStack, files: dict[str, h5py.File]) -> list[str]:
    """The first ROWS tree rows of ``path``: h5gui's listing job, or names + objects with plain h5py."""
    if client == "h5gui":
        from h5gui.core.nodes import open_group_listing

        return [r.name for r in open_group_listing(url, path, first=ROWS).first]
    import itertools

    if url not in files:
        files[url] = open_with(client, url, stack)
    g = files[url][path]
    names = list(itertools.islice(iter(g), ROWS))
    for n in names:
        obj = g[n]
        _ = obj.shape if isinstance(obj, h5py.Dataset) else len(obj)
    return names


def make_wide(path: Path, n: int) -> Path:
    """``/wide`` with ``n`` small datasets and ``/g10k`` with 10,000 (dense link storage, as h5py writes)."""
    with h5py.File(path, "w", libver="latest") as f:
        for group, count in (("wide", n), ("g10k", 10_000)):
            gid = f.create_group(group).id
            space = h5py.h5s.create_simple((1,))
            for i in range(count):
                h5py.h5d.create(gid, f"d{i:06d}".encode(), h5py.h5t.STD_I32LE, space)
    return path


def info_panel(ds: h5py.Dataset) -> tuple[Any, ...]:
    plist = ds.id.get_create_plist()
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    attrs = {k: ds.attrs[k] for k in ds.attrs}
    return ds.shape, ds.dtype, ds.chunks, filters, ds.id.get_storage_size(), attrs


def one_run(client: str, server: RangeServer, n_frames: int, expect: dict[str, Any]) -> dict[str, tuple[int, int, float]]:
    out: dict[str, tuple[int, int, float]] = {}
    mark = [server.requests, server.bytes_sent, time.perf_counter()]

    def step(name: str) -> None:
        now = (server.requests, server.bytes_sent, time.perf_counter())
        out[name] = (now[0] - mark[0], now[1] - mark[1], now[2] - mark[2])
        mark[:] = [server.requests, server.bytes_sent, time.perf_counter()]

    gc.collect()
    gc.disable()
    from h5gui.core.h5.files import HandlePool, pool_scope

    pool = HandlePool()  # h5gui's jobs keep their remote handles in the I/O process's pool
    try:
        with ExitStack() as stack:
            stack.callback(pool.close_all)
            stack.enter_context(pool_scope(pool))
            f = open_with(client, server.url("demo.h5"), stack)
            rows = tree_rows(f)
            step("open + root")
            info = info_panel(f["mnist/images"])
            step("metadata")
            s = open_with(client, server.url("stack.h5"), stack)
            ds = s["stack"]
            step("stack open")
            first = ds[n_frames // 2]
            step("first frame")
            second = ds[n_frames // 2 + 1]
            step("next frame")
            far = ds[n_frames // 4]
            step("far frame")
            opened: dict[str, h5py.File] = {}
            wide_rows = first_rows(client, server.url("wide.h5"), "/wide", stack, opened)
            step("wide: open + rows")
            g10k_rows = first_rows(client, server.url("wide.h5"), "/g10k", stack, opened)
            step("expand 10k")
    finally:
        gc.enable()
    assert rows == expect["rows"] and info[:3] == expect["info"][:3]
    assert np.array_equal(first, expect["first"]) and np.array_equal(second, expect["second"])
    assert np.array_equal(far, expect["far"])
    assert len(wide_rows) == ROWS and len(g10k_rows) == ROWS
    return out


def fmt_range(values: list[float], scale: float, unit: str, digits: int = 0) -> str:
    med = statistics.median(values) * scale
    lo, hi = min(values) * scale, max(values) * scale
    if lo == hi:
        return f"{med:,.{digits}f} {unit}"
    return f"{med:,.{digits}f} {unit} [{lo:,.{digits}f}-{hi:,.{digits}f}]"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--frames", type=int, default=4000, help="frames of the (N, 512, 512) uint16 stack (0.5 MiB each)")
    p.add_argument("--wide", type=int, default=100_000, help="members of /wide in wide.h5")
    p.add_argument("--delays", default="0,20", help="milliseconds added to every request, comma-separated")
    args = p.parse_args(argv)
    delays = [float(d) for d in args.delays.split(",")]

    with tempfile.TemporaryDirectory(prefix="h5gui-bench-remote-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        make_demo(folder / "demo.h5")
        make_stack(folder / "stack.h5", args.frames)
        make_wide(folder / "wide.h5", args.wide)
        sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
        print(f"files: demo.h5 {sizes['demo.h5'] / 1e6:.2f} MB, stack.h5 ({args.frames}, 512, 512) uint16 "
              f"per-frame chunks {sizes['stack.h5'] / 1e6:.0f} MB, wide.h5 {sizes['wide.h5'] / 1e6:.1f} MB (written in {time.perf_counter() - t:.1f} s)")
        with h5py.File(folder / "demo.h5", "r") as f, h5py.File(folder / "stack.h5", "r") as s:
            expect = {"rows": tree_rows(f), "info": info_panel(f["mnist/images"]),
                      "first": s["stack"][args.frames // 2], "second": s["stack"][args.frames // 2 + 1],
                      "far": s["stack"][args.frames // 4]}
        server = RangeServer(folder).start()
        try:
            for delay in delays:
                server.delay = delay / 1000
                results: dict[str, list[dict[str, tuple[int, int, float]]]] = {c: [] for c in CLIENTS}
                for client in CLIENTS:  # warm-up, not counted: sessions, connections, imports
                    one_run(client, server, args.frames, expect)
                for _ in range(args.repeat):
                    for client in CLIENTS:
                        results[client].append(one_run(client, server, args.frames, expect))
                report(delay, results)
        finally:
            server.stop()
            close_filesystems()
    return 0


def report(delay: float, results: dict[str, list[dict[str, tuple[int, int, float]]]]) -> None:
    print(f"\n== {delay:g} ms added per request; median [min-max] of {len(results['h5gui'])} runs")
    print(f"{'step':<18} {'client':<15} {'requests':>14} {'bytes':>22} {'time':>26} {'x h5gui':>8}")
    for step in STEPS:
        base = statistics.median(r[step][2] for r in results["h5gui"])
        for client in CLIENTS:
            runs = results[client]
            req = fmt_range([r[step][0] for r in runs], 1, "")
            nbytes = fmt_range([r[step][1] for r in runs], 1e-6, "MB", 2)
            secs = fmt_range([r[step][2] for r in runs], 1e3, "ms", 1)
            ratio = statistics.median(r[step][2] for r in runs) / base if base else float("nan")
            print(f"{step:<18} {client:<15} {req:>14} {nbytes:>22} {secs:>26} {ratio:>7.1f}x")
    totals: dict[str, Callable[[dict[str, tuple[int, int, float]]], float]] = {
        "requests": lambda r: sum(v[0] for v in r.values()),
        "MB": lambda r: sum(v[1] for v in r.values()) / 1e6,
        "s": lambda r: sum(v[2] for v in r.values()),
    }
    for client in CLIENTS:
        parts = [f"{statistics.median(fn(r) for r in results[client]):,.2f} {unit}" for unit, fn in totals.items()]
        print(f"  all steps, {client}: " + ", ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
