"""h5gui's HSDS backend beside plain h5pyd doing the same, against a local HSDS on unix sockets.

    .venv/bin/python bench/bench_hsds.py [--repeat 5] [--frames 100] [--size 512]

Starts HSDS (one data node), uploads a file with h5gui's uploader (a group of 10,000 members, hard
links to 100 small datasets, and a stack of ``frames`` x ``size`` x ``size`` uint16 in one chunk per
frame), has HSDS scan it (``PUT /?rescan=1``: what HSDS does by itself 10-20 s after the last change;
``--unscanned`` skips it), then times, for each action, h5gui (fresh caches every repetition, as after F5) and h5pyd (a
fresh ``h5pyd.File`` every repetition), and counts HTTP requests (every ``requests`` session send).
Prints a table with min-max times, the ratio of medians and requests per action.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import requests

from h5gui.core import preview as local_preview
from h5gui.core.hsds import attrs, browse, local, preview, session, transfer
from h5gui.core.hsds.client import HsdsClient, load_config
from h5gui.core.progress import run

SENT = [0]
_send = requests.Session.send


def _counting_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
    SENT[0] += 1
    return _send(self, request, **kwargs)


requests.Session.send = _counting_send  # type: ignore[method-assign]


def make_file(path: Path, frames: int, size: int) -> None:
    rng = np.random.default_rng(1)
    with h5py.File(path, "w") as f:
        small = f.create_group("small")
        for i in range(100):
            small[f"d{i:03d}"] = rng.integers(0, 100, (4, 4), dtype="i4")
        g = f.create_group("many")
        for i in range(10_000):
            g[f"item{i:05d}"] = small[f"d{i % 100:03d}"]
        ds = f.create_dataset("stack", data=rng.integers(0, 4000, (frames, size, size), dtype="u2"),
                              chunks=(1, size, size))
        ds.attrs["unit"] = "counts"
        ds.attrs["exposure_s"] = 0.01
        ds.attrs["axes"] = np.array(["t", "y", "x"], dtype=h5py.string_dtype())


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], int]:
    times = []
    n0 = SENT[0]
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times, (SENT[0] - n0) // repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--unscanned", action="store_true",
                    help="time the domain before HSDS has scanned it (no domain summary yet)")
    args = ap.parse_args()
    import h5pyd

    with tempfile.TemporaryDirectory() as tmp:
        server = local.start(tmp)
        try:
            cfg = load_config(server.endpoint, server.username, server.password)
            c = HsdsClient(cfg)
            local.make_home(server)
            src = Path(tmp) / "bench.h5"
            make_file(src, args.frames, args.size)
            uri = "hdf5://home/admin/bench.h5"
            t0 = time.perf_counter()
            rep = run(transfer.upload(src, uri, client=c))
            print(f"HSDS started in {server.started_in:.1f} s; upload {rep.bytes / 1e6:.0f} MB, {rep.links:,} links "
                  f"in {time.perf_counter() - t0:.1f} s, {rep.requests} requests")
            if not args.unscanned:  # as HSDS leaves every domain 10-20 s after its last change
                t0 = time.perf_counter()
                c.request("PUT", "/", where=uri, domain="/home/admin/bench.h5", params={"rescan": 1}, write=True)
                while "domain_objs" not in c.get_json("/", where=uri, domain="/home/admin/bench.h5",
                                                      params={"getobjs": 1}):  # written after the scan
                    time.sleep(0.2)
                print(f"HSDS scanned the domain (its summary) in {time.perf_counter() - t0:.1f} s")
            session.use_client(c)
            d = session.open_domain(uri)
            y, x = args.size // 2, args.size // 3
            req0 = local_preview.ImageRequest(axes=(1, 2, None), index=(0,))
            req1 = local_preview.ImageRequest(axes=(1, 2, None), index=(1,))

            def h5gui_fresh(fn: Callable[[], Any]) -> Callable[[], Any]:
                def go() -> Any:
                    d.refresh()
                    return fn()
                return go

            def h5gui_warm(fn: Callable[[], Any]) -> Callable[[], Any]:
                def go() -> Any:
                    return fn()
                return go

            def pyd(fn: Callable[[Any], Any]) -> Callable[[], Any]:
                def go() -> Any:
                    with h5pyd.File(uri, "r", endpoint=server.endpoint, username=server.username,
                                    password=server.password) as f:
                        return fn(f)
                return go

            def pyd_rows(f: Any) -> list[Any]:
                g = f["/many"]
                out = []
                for i, name in enumerate(g):
                    if i >= 256:
                        break
                    o = g[name]
                    out.append((name, o.shape, o.dtype))
                return out

            def pyd_info(f: Any) -> Any:
                ds = f["/stack"]
                return ds.shape, ds.dtype, ds.chunks, ds.compression, {k: ds.attrs[k] for k in ds.attrs}

            actions: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
                ("open + first 256 rows of 10,000", h5gui_fresh(lambda: browse.open_group_listing(uri, "/many", 256)),
                 pyd(pyd_rows)),
                ("Info + Attributes", h5gui_fresh(lambda: (browse.describe(uri, "/stack"),
                                                           attrs.list_attrs(uri, "/stack"))), pyd(pyd_info)),
                ("first frame", h5gui_fresh(lambda: preview.read_image(uri, "/stack", req0)),
                 pyd(lambda f: f["/stack"][0])),
                ("slider step (open file)", h5gui_warm(lambda: preview.read_image(uri, "/stack", req1)),
                 None),
                ("pixel time series", h5gui_fresh(lambda: preview.read_pixel_series(uri, "/stack", 0, (y, x))),
                 pyd(lambda f: f["/stack"][:, y, x])),
            ]
            with h5pyd.File(uri, "r", endpoint=server.endpoint, username=server.username,
                            password=server.password) as f_open:
                ds_open = f_open["/stack"]
                ds_open[0]
                rows = []
                for label, ours, theirs in actions:
                    if theirs is None:
                        theirs = lambda: ds_open[1]  # noqa: E731
                    ours()  # warm the server's caches the same way for both
                    theirs()
                    t_ours, n_ours = timed(ours, args.repeat)
                    t_theirs, n_theirs = timed(theirs, args.repeat)
                    rows.append((label, t_ours, n_ours, t_theirs, n_theirs))
            print(f"\n{'action':34} {'h5gui (ms)':>16} {'req':>5} {'h5pyd (ms)':>16} {'req':>5} {'h5pyd/h5gui':>12}")
            for label, t_o, n_o, t_t, n_t in rows:
                ratio = statistics.median(t_t) / statistics.median(t_o)
                print(f"{label:34} {min(t_o) * 1e3:7.1f}-{max(t_o) * 1e3:<7.1f} {n_o:5d} "
                      f"{min(t_t) * 1e3:7.1f}-{max(t_t) * 1e3:<7.1f} {n_t:5d} {ratio:11.1f}x")
            c.close()
        finally:
            print(f"\nHSDS stopped in {server.stop():.1f} s")


if __name__ == "__main__":
    main()
