#!/usr/bin/env python
"""Statistics per channel of a channels-last float32 stack (``h5gui-cli stats``, the Statistics dialog, and
the z-score transform's first pass) beside the script a user writes, in the same run.

Usage::

    python bench/bench_stats.py [--reps 3] [--n 4000]

File (cached in ``/tmp/h5gui-bench/``): ``/x`` (N, 64, 64, 3) float32 in chunks of 100 images (N = 4000:
197 MB). Each repetition runs, alternating and with the file's pages already cached:

* h5gui: ``compute_stats`` per channel (count, NaN/inf, min, max, mean, std, 64-bin histogram of all
  channels and of each), through its block pipeline;
* naive: the usual script, blocks of 100 images read with h5py, per-channel ``min``/``max``/``sum``/sum of
  squares with ``axis=(0, 1, 2)``, then a ``np.histogram`` per channel (no NaN handling, a less exact std);
* h5gui, all channels together (``per_channel=False``), for scale.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchfiles as bf  # noqa: E402


def stack_file(n: int) -> Path:
    def make(p: Path) -> None:
        import h5py
        import numpy as np

        rng = np.random.default_rng(0)
        with h5py.File(p, "w") as f:
            d = f.create_dataset("x", (n, 64, 64, 3), "f4", chunks=(100, 64, 64, 3))
            for i in range(0, n, 100):
                d[i : i + 100] = rng.random((min(100, n - i), 64, 64, 3), dtype=np.float32)

    return bf._build(bf.CACHE / f"stats_{n}x64x64x3_f4.h5", make)


def naive(path: str) -> None:
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        ds = f["x"]
        lo = np.full(3, np.inf)
        hi = np.full(3, -np.inf)
        s = np.zeros(3)
        s2 = np.zeros(3)
        for i in range(0, ds.shape[0], 100):
            x = ds[i : i + 100].astype(np.float64)
            lo = np.minimum(lo, x.min(axis=(0, 1, 2)))
            hi = np.maximum(hi, x.max(axis=(0, 1, 2)))
            s += x.sum(axis=(0, 1, 2))
            s2 += (x * x).sum(axis=(0, 1, 2))
        hists = np.zeros((3, 64), dtype=np.int64)
        for i in range(0, ds.shape[0], 100):
            x = ds[i : i + 100]
            for c in range(3):
                hists[c] += np.histogram(x[..., c], bins=64, range=(lo.min(), hi.max()))[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--n", type=int, default=4000)
    args = ap.parse_args()
    from h5gui.core import progress, stats

    path = str(stack_file(args.n))
    size = os.path.getsize(path)
    naive(path)  # the pages in the cache
    cases = {
        "h5gui, per channel": lambda: progress.run(stats.compute_stats(stats.StatsSpec(path, "/x"))),
        "naive script, per channel": lambda: naive(path),
        "h5gui, all channels together": lambda: progress.run(
            stats.compute_stats(stats.StatsSpec(path, "/x", per_channel=False))),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.reps):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    print(f"# statistics per channel ({bf.machine()}, load {os.getloadavg()[0]:.2f}); {size / 1e6:,.0f} MB "
          f"(N={args.n}, 64, 64, 3) float32, pages cached; median of {args.reps} (range)\n")
    med = {k: bf.median(v) for k, v in times.items()}
    rows = [[k, f"{med[k]:.2f} s ({min(v):.2f}-{max(v):.2f})", f"{size / med[k] / 1e6:,.0f} MB/s",
             bf.ratio(med["naive script, per channel"], med[k])] for k, v in times.items()]
    print(bf.table(["", "time", "throughput", "naive / this"], rows))


if __name__ == "__main__":
    main()
