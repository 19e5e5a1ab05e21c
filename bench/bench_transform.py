#!/usr/bin/env python
"""The transform engine on a big uint8 stack, beside the naive script and the disk's limit (no Qt).

Usage::

    python bench/bench_transform.py            # 1 GB of uint8 (16,384 x 256 x 256): about 2 minutes
    python bench/bench_transform.py --size-gb 4    # the issue's 4 GB case
    python bench/bench_transform.py --skip-naive --skip-compression

Measured in one run, each case in a fresh Python process (peak memory is the whole process's
``VmHWM``, imports included), the input in the OS cache (read once before each case; only ``read``
starts cold) and every output fsync'ed before the clock stops. The disk limit and the h5gui cases
run ``--reps`` times (best kept): other programs on the machine make single runs noisy.

* ``disk limit``: plain ``write_direct`` of the output's bytes (float32, same chunks) from one
  preallocated 64 MiB buffer: the time the output cannot be written faster than;
* ``read``: plain ``read_direct`` of the input in 64 MiB blocks, cold (pages dropped first);
* ``h5gui scale``: (N, 256, 256) uint8 -> (N, 256, 256, 1) float32 / 255 (one pass);
* ``h5gui zscore``: the same with z-score normalization (a statistics pass, then the transform);
* ``naive scale`` / ``naive zscore``: the script users write (``x = ds[()]``, numpy on the whole
  array, ``create_dataset(data=y)``); run on as many samples as fit in memory (noted);
* ``h5gui gzip``/``one-core gzip`` on a 1/8 slice: the transform with compression beside
  ``write_direct`` of the already transformed data into a dataset with the same filter (HDF5
  compressing on one core: the filter's one-core speed).

Statistics: the mean and std the transform stored, beside the exact values (from an exact
histogram of the uint8 data, in integers) and numpy's on the whole array (when it fits in memory).

Files live in ``$H5GUI_BENCH_CACHE`` (default /tmp/h5gui-bench/), written once and reused. The input
file keeps track of its free space, so the space of the outputs deleted after each case is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

CACHE = Path(os.environ.get("H5GUI_BENCH_CACHE", "/tmp/h5gui-bench"))
H, W = 256, 256
BLOCK = 64 * 2**20


# ------------------------------------------------------------------------------------------------
# helpers


def drop_cache(path: Path) -> None:
    """fsync, then ask the kernel to forget the file's cached pages (best effort, no root needed)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except (OSError, AttributeError):
        pass
    finally:
        os.close(fd)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def input_file(n: int) -> Path:
    """``/img``: n x 256 x 256 uint8 that looks like images (smooth shapes, texture, noise)."""
    import h5py
    import numpy as np

    path = CACHE / f"transform_{n}x{H}x{W}.h5"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    t = time.perf_counter()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    batch = 256
    with h5py.File(partial, "w", libver="latest", fs_strategy="fsm", fs_persist=True) as f:
        d = f.create_dataset("img", shape=(n, H, W), dtype="u1", chunks=(16, H, W))
        for i in range(0, n, batch):
            m = min(batch, n - i)
            fx, fy, ph = (rng.uniform(0.01, 0.08, (m, 1, 1)).astype(np.float32) for _ in range(3))
            base = 100 + 60 * np.sin(xx * fx + ph * 50) * np.cos(yy * fy)
            img = base + rng.normal(0, 12, (m, H, W)).astype(np.float32)
            d[i:i + m] = np.clip(img, 0, 255).astype(np.uint8)
        f.attrs["description"] = "h5gui transform benchmark input"
    os.replace(partial, path)
    print(f"  (wrote {path} in {time.perf_counter() - t:.1f} s, {path.stat().st_size / 1e9:.2f} GB)", flush=True)
    return path


def exact_moments(path: Path, name: str = "/img") -> tuple[float, float, int, int]:
    """Exact mean and std of uint8 data (integer histogram, rational arithmetic), min, max."""
    import h5py
    import numpy as np

    counts = np.zeros(256, dtype=np.int64)
    with h5py.File(path, "r") as f:
        d = f[name]
        step = max(1, BLOCK // (H * W))
        buf = np.empty((step, H, W), dtype=np.uint8)
        for i in range(0, d.shape[0], step):
            m = min(step, d.shape[0] - i)
            d.read_direct(buf[:m], source_sel=np.s_[i:i + m])
            counts += np.bincount(buf[:m].ravel(), minlength=256)
    n = int(counts.sum())
    s1 = sum(int(c) * v for v, c in enumerate(counts))
    s2 = sum(int(c) * v * v for v, c in enumerate(counts))
    mean = Fraction(s1, n)
    var = Fraction(s2, n) - mean * mean
    nz = np.flatnonzero(counts)
    return float(mean), float(var) ** 0.5, int(nz[0]), int(nz[-1])


def warm(path: Path) -> None:
    """Read the file once so that its pages are in the OS cache (without keeping them in memory)."""
    with open(path, "rb", buffering=0) as fh:
        while fh.read(BLOCK):
            pass


def child(case: str, file: str, n: int, extra: str = "", cold: bool = False) -> dict:
    """Run one case in a fresh process; return what it printed (seconds, maxrss, ...)."""
    if cold:
        drop_cache(Path(file))
    else:
        fsync(Path(file))
        warm(Path(file))
    cmd = [sys.executable, __file__, "--child", case, "--file", file, "--n", str(n)] + (["--extra", extra] if extra else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------
# the cases (each runs in its own process)


def _maxrss_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def _cleanup(f, names) -> None:
    for name in names:
        if name in f:
            del f[name]


def run_case(case: str, file: str, n: int, extra: str) -> dict:
    import h5py
    import numpy as np

    from h5gui.core import transform
    from h5gui.core.progress import run

    base_rss = _maxrss_mb()
    result: dict = {"case": case, "n": n, "base_rss_mb": base_rss}
    out_shape = (n, H, W, 1)
    chunks = transform.auto_chunks(out_shape, 4)
    if case == "disk":
        buf = np.ones((BLOCK // (H * W * 4), H, W, 1), dtype=np.float32)
        t = time.perf_counter()
        with h5py.File(file, "a") as f:
            d = f.create_dataset("disk", shape=out_shape, dtype="f4", chunks=chunks)
            step = buf.shape[0]
            for i in range(0, n, step):
                m = min(step, n - i)
                d.write_direct(buf[:m], dest_sel=np.s_[i:i + m])
            f.flush()
        fsync(Path(file))
        result["seconds"] = time.perf_counter() - t
        with h5py.File(file, "a") as f:
            _cleanup(f, ["disk"])
    elif case == "read":
        t = time.perf_counter()
        with h5py.File(file, "r") as f:
            d = f["img"]
            step = BLOCK // (H * W)
            buf = np.empty((step, H, W), dtype=np.uint8)
            for i in range(0, n, step):
                m = min(step, n - i)
                d.read_direct(buf[:m], source_sel=np.s_[i:i + m])
        result["seconds"] = time.perf_counter() - t
    elif case in ("scale", "zscore", "gzip"):
        kw = {"normalize": "scale", "scale": 255} if case != "zscore" else {"normalize": "zscore"}
        source = "/img" if case != "gzip" else "/small"
        if case == "gzip":
            kw.update(compression="gzip", compression_opts=int(extra or 1))
        spec = transform.TransformSpec(file, source, dest="/out", add_axis=-1, dtype="float32", **kw)
        t = time.perf_counter()
        report = run(transform.run_transform(spec))
        fsync(Path(file))
        result["seconds"] = time.perf_counter() - t
        result["stats"] = report.stats
        result["passes"] = report.passes
        result["storage_bytes"] = report.storage_bytes
        with h5py.File(file, "a") as f:
            _cleanup(f, ["out"])
    elif case == "onecore":  # write_direct of transformed data into a gzip dataset: HDF5 compresses on one core
        with h5py.File(file, "a") as f:
            src = f["small"]
            m = src.shape[0]
            y = (src[()][..., None] / np.float32(255)).astype(np.float32)
            t = time.perf_counter()
            d = f.create_dataset("onecore", shape=y.shape, dtype="f4", chunks=transform.auto_chunks(y.shape, 4),
                                 compression="gzip", compression_opts=int(extra or 1))
            step = BLOCK // (H * W * 4)
            for i in range(0, m, step):
                d.write_direct(np.ascontiguousarray(y[i:i + step]), dest_sel=np.s_[i:i + min(step, m - i)])
            f.flush()
            result["seconds"] = time.perf_counter() - t
            result["storage_bytes"] = d.id.get_storage_size()
            del y
            _cleanup(f, ["onecore"])
    elif case in ("naive-scale", "naive-zscore"):
        t = time.perf_counter()
        with h5py.File(file, "a") as f:
            x = f["img"][:n]
            if case == "naive-scale":
                y = (x[..., None] / 255).astype(np.float32)
            else:
                m, s = x.mean(), x.std()
                result["stats"] = {"mean": float(m), "std": float(s)}
                y = ((x - m) / s).astype(np.float32)[..., None]
            f.create_dataset("naive", data=y, chunks=chunks)
            f.flush()
        fsync(Path(file))
        result["seconds"] = time.perf_counter() - t
        with h5py.File(file, "a") as f:
            _cleanup(f, ["naive"])
    else:
        raise SystemExit(f"unknown case {case}")
    result["maxrss_mb"] = _maxrss_mb()
    return result


# ------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-gb", type=float, default=1.0, help="input size in GB of uint8 (default 1; the issue: 4)")
    ap.add_argument("--gzip-level", type=int, default=1)
    ap.add_argument("--reps", type=int, default=2, help="runs of the disk limit and h5gui cases (best kept)")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-compression", action="store_true")
    ap.add_argument("--cases", help="run only these cases (comma-separated: disk,read,scale,zscore,naive-scale,"
                    "naive-zscore,gzip,onecore)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.file, args.n, args.extra)))
        return 0

    import h5py
    import numpy as np

    from h5gui.core import transform

    n = max(16, int(args.size_gb * 2**30 // (H * W)))
    in_bytes = n * H * W
    out_bytes = in_bytes * 4
    print(f"h5gui transform benchmark: {n:,} x {H} x {W} uint8 ({in_bytes / 1e9:.2f} GB) -> float32 "
          f"({out_bytes / 1e9:.2f} GB); {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}", flush=True)
    path = input_file(n)
    n_small = max(16, n // 8)
    with h5py.File(path, "a") as f:
        for leftover in ("out", "disk", "naive", "onecore"):
            if leftover in f:
                del f[leftover]
        if "small" not in f:
            small = f.create_dataset("small", shape=(n_small, H, W), dtype="u1", chunks=(16, H, W))
            for i in range(0, n_small, 256):
                small[i:i + 256] = f["img"][i:min(i + 256, n_small)]
    file = str(path)
    block = transform.BLOCK_BYTES
    limit_mb = 2 * block / 1e6 + 100

    res: dict[str, dict] = {}
    plan = [("disk", n, ""), ("read", n, ""), ("scale", n, ""), ("zscore", n, "")]
    try:
        avail = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemAvailable"))) * 1024
    except (OSError, StopIteration):
        avail = 8 * 2**30
    n_naive = min(n, int(avail * 0.75 / (H * W * 14)))  # x (1) + float64 temporary (8) + float32 (4) + slack
    if not args.skip_naive:
        plan += [("naive-scale", n_naive, ""), ("naive-zscore", n_naive, "")]
    if not args.skip_compression:
        plan += [("gzip", n_small, str(args.gzip_level)), ("onecore", n_small, str(args.gzip_level))]
    if args.cases:
        plan = [p for p in plan if p[0] in args.cases.split(",")]
    for case, count, extra in plan:
        print(f"  {case} ({count:,} samples) ...", end=" ", flush=True)
        best: dict = {}
        for _ in range(args.reps if case in ("disk", "scale", "zscore") else 1):
            r = child(case, file, count, extra, cold=case == "read")
            if "seconds" in r and (not best or r["seconds"] < best["seconds"]):
                best = r
            print(f"{r['seconds']:.1f} s, peak {r['maxrss_mb']:.0f} MB;" if "seconds" in r else r.get("error"),
                  end=" ", flush=True)
        res[case] = best
        print(flush=True)

    exact_mean, exact_std, exact_min, exact_max = exact_moments(path)

    def secs(case: str) -> float:
        return res.get(case, {}).get("seconds", float("nan"))

    def rss(case: str) -> float:
        return res.get(case, {}).get("maxrss_mb", float("nan"))

    def mbps(nbytes: float, case: str) -> str:
        s = secs(case)
        return f"{nbytes / s / 1e6:,.0f}" if s == s else "n/a"

    disk = secs("disk")
    rows = []
    rows.append(("disk limit: write_direct float32", f"{disk:.1f}", "-", mbps(out_bytes, "disk"), f"{rss('disk'):.0f}",
                 "-", "1.00x"))
    rows.append(("read_direct uint8", f"{secs('read'):.1f}", mbps(in_bytes, "read"), "-", f"{rss('read'):.0f}", "-", "-"))
    for case, label in (("scale", "h5gui: /255 -> float32 (1 pass)"), ("zscore", "h5gui: z-score (2 passes)")):
        rows.append((label, f"{secs(case):.1f}", mbps(in_bytes, case), mbps(out_bytes, case), f"{rss(case):.0f}",
                     f"{rss(case) * 1e6 / in_bytes:.2f}x", f"{disk / secs(case):.2f}x"))
    if not args.skip_naive:
        nb = n_naive * H * W
        for case, label in (("naive-scale", "naive script: /255"), ("naive-zscore", "naive script: z-score")):
            what = label + ("" if n_naive == n else f" ({n_naive:,} samples)")
            rows.append((what, f"{secs(case):.1f}", mbps(nb, case), mbps(nb * 4, case), f"{rss(case):.0f}",
                         f"{rss(case) * 1e6 / nb:.2f}x", f"{disk * n_naive / n / secs(case):.2f}x"))
    if not args.skip_compression:
        sb = n_small * H * W
        rows.append((f"h5gui: /255, gzip {args.gzip_level} ({n_small:,} samples)", f"{secs('gzip'):.1f}",
                     mbps(sb, "gzip"), mbps(sb * 4, "gzip"), f"{rss('gzip'):.0f}", "-", "-"))
        rows.append((f"one-core gzip {args.gzip_level}: write_direct ({n_small:,} samples)", f"{secs('onecore'):.1f}",
                     "-", mbps(sb * 4, "onecore"), f"{rss('onecore'):.0f}", "-", "-"))

    print()
    print("| case | seconds | input MB/s | output MB/s | peak RSS MB | RSS / input | speed vs disk limit |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")

    print()
    stats = res.get("zscore", {}).get("stats", {})
    naive_stats = res.get("naive-zscore", {}).get("stats", {}) if n_naive == n else {}
    print("| statistic | exact | h5gui (streaming) | rel. error | numpy on the whole array | rel. error |")
    print("|---|---|---|---|---|---|")
    for key, exact in (("mean", exact_mean), ("std", exact_std), ("min", exact_min), ("max", exact_max)):
        ours = stats.get(key, float("nan"))
        theirs = naive_stats.get(key)
        err = abs(ours - exact) / abs(exact) if exact else abs(ours)
        cells = [key, f"{exact:.17g}", f"{ours:.17g}", f"{err:.1e}"]
        if theirs is not None:
            cells += [f"{theirs:.17g}", f"{abs(theirs - exact) / abs(exact):.1e}"]
        else:
            cells += ["not run" if n_naive != n else "-", "-"]
        print("| " + " | ".join(cells) + " |")

    print()
    print("| target (issue 6) | measured | met |")
    print("|---|---|---|")
    for case in ("scale", "zscore"):
        print(f"| peak memory {case} <= 2 blocks + 100 MB ({limit_mb:.0f} MB) | {rss(case):.0f} MB "
              f"(bare process with imports: {res.get(case, {}).get('base_rss_mb', float('nan')):.0f} MB) | "
              f"{'yes' if rss(case) <= limit_mb else 'no'} |")
    if not args.skip_naive:
        print(f"| naive script peak memory (for comparison) | {rss('naive-scale'):.0f} MB = "
              f"{rss('naive-scale') * 1e6 / (n_naive * H * W):.1f}x its input | - |")
    r = disk / secs("scale")
    print(f"| /255 throughput >= 0.7x disk limit | {r:.2f}x ({in_bytes / secs('scale') / 1e6:,.0f} MB/s of input) | "
          f"{'yes' if r >= 0.7 else 'no'} |")
    r2 = disk / secs("zscore")
    print(f"| z-score (2 passes) vs disk limit | {r2:.2f}x ({in_bytes / secs('zscore') / 1e6:,.0f} MB/s of input) | "
          f"{'yes' if r2 >= 0.7 else 'no'} |")
    if not args.skip_compression:
        rc = secs("onecore") / secs("gzip")
        print(f"| gzip: >= 1.6x the filter's one-core speed | {rc:.2f}x | {'yes' if rc >= 1.6 else 'no'} |")
    if stats:
        worst = max(abs(stats["mean"] - exact_mean) / exact_mean, abs(stats["std"] - exact_std) / exact_std)
        print(f"| statistics equal to float64 round-off | max rel. error {worst:.1e} | {'yes' if worst < 1e-12 else 'no'} |")
    np.testing.assert_equal(stats.get("min"), exact_min) if stats else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
