#!/usr/bin/env python
"""Image folder import (h5gui.core.importer) beside its baselines, measured in one run.

Usage::

    python bench/bench_import.py                  # defaults: finish in a few minutes
    python bench/bench_import.py --full           # the issue's sizes: 1,000 JPEGs, up to 100,000 PNGs
    python bench/bench_import.py --pngs 10000 --jpegs 300 --scale 1000,10000 --workers 2

Measurements (the issue's "Speed and memory"):

1. N PNG files (64x64 RGB) in a 3-level tree:
   * naive: one ``create_dataset(data=np.array(Image.open(p)))`` per image in nested groups;
   * read: just reading every file's bytes (one process);
   * decode x1 / x2: decoding every file (numpy array out) in 1 and 2 processes, no writing;
   * limit = min(decode x2, read);
   * import (stack layout, end to end: scan + decode + write), and import with a scan done before.
2. M JPEG files (1024x768): decode x2 vs the stack import.
3. Encoded bytes: the N PNG files stored untouched vs just reading them; the file's size vs the folder's.
4. Scaling: time per image of the stack import at each size of ``--scale`` (~100 images a folder);
   peak memory (PSS of the importing process and all its descendants, summed, sampled every 50 ms).
5. Every layout beside the naive script a user would write (``bench/_naive_import.py``), side by side
   in this run, on 3,000 JPEGs of 200-500 px in class folders x train/val and on the N PNGs: encoded
   vs the blog's one-dataset-per-file loop (>= 1.0x), per-image vs the naive decode loop, classes at
   128x128 vs decode + resize + stack, stack vs decode + stack (>= 1.5x on 2 cores). ``--trees-only``
   runs just these.

Every figure is the best of ``--reps`` runs (default 2), each started when the CPUs are quiet (other
programs share the machine).
"cold": every source file's pages are dropped from the OS cache first (posix_fadvise DONTNEED; works
without root for files not being written). Source folders are cached in /tmp/h5gui-bench/import/.
Every import runs in a fresh subprocess (so the pool start-up is counted, and memory is its own).
Prints a markdown table at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _naive_import import BLOG_ENCODED, NAIVE_CLASSES, NAIVE_DECODE, NAIVE_STACK, jpeg_tree

CACHE = Path(os.environ.get("H5GUI_BENCH_CACHE", "/tmp/h5gui-bench")) / "import"
ROWS: list[tuple[str, str, str, str, str]] = []  # measurement, value, baseline, ratio, target


# ------------------------------------------------------------------------------------------------
# source folders


def _fanout(n: int) -> tuple[int, int, int]:
    """Folders per level of a 3-level tree holding ~100 images per leaf folder (10,000: 5 x 5 x 4)."""
    leaves = max(1, round(n / 100))
    side = max(1, round(leaves ** (1 / 3)))
    return side, side, max(1, math.ceil(leaves / (side * side)))


def _png_tree(n: int, fanout: tuple[int, int, int] | None = None) -> Path:
    """``n`` 64x64 RGB PNGs spread over a 3-level tree (``fanout`` folders per level)."""
    fanout = fanout or _fanout(n)
    root = CACHE / f"png64_{n}_{'x'.join(map(str, fanout))}"
    if (root / ".complete").exists():
        return root
    import numpy as np
    from PIL import Image

    shutil.rmtree(root, ignore_errors=True)
    leaves = [f"l{a}/m{b}/s{c}" for a in range(fanout[0]) for b in range(fanout[1]) for c in range(fanout[2])]
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    # photo-like content: smooth gradient plus mild noise (PNG compresses it ~2x, like real pictures)
    yy, xx = np.mgrid[0:64, 0:64]
    t0 = time.perf_counter()
    for i in range(n):
        leaf = root / leaves[i % len(leaves)]
        leaf.mkdir(parents=True, exist_ok=True)
        noise = rng.integers(0, 24, (64, 64, 3), dtype=np.uint8)
        img = ((xx * (i % 7 + 1) + yy * (i % 5 + 1))[..., None] % 256).astype(np.uint8) // 2 + noise + base // 8
        Image.fromarray(img).save(leaf / f"img{i}.png", compress_level=6)
    (root / ".complete").write_text("")
    print(f"  made {n:,} PNGs in {time.perf_counter() - t0:.1f} s: {root}", file=sys.stderr)
    return root


def _jpeg_folder(n: int) -> Path:
    root = CACHE / f"jpeg1024x768_{n}"
    if (root / ".complete").exists():
        return root
    import numpy as np
    from PIL import Image

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:768, 0:1024]
    bases = []
    for k in range(8):
        r = (np.sin(xx / (40 + 9 * k)) * 60 + np.cos(yy / (25 + 5 * k)) * 60 + 128)
        g = (xx + yy * (k + 1)) % 256
        b = (np.hypot(xx - 512, yy - 384) * (k + 1) / 4) % 256
        bases.append(np.dstack([r, g, b]).astype(np.uint8))
    t0 = time.perf_counter()
    for i in range(n):
        noise = rng.integers(0, 12, (768, 1024, 3), dtype=np.uint8)
        img = np.roll(bases[i % 8], i * 7, axis=1) // 2 + noise + 40
        Image.fromarray(img).save(root / f"photo{i:05d}.jpg", quality=90)
    (root / ".complete").write_text("")
    print(f"  made {n:,} JPEGs in {time.perf_counter() - t0:.1f} s: {root}", file=sys.stderr)
    return root


def _files(root: Path) -> list[str]:
    out = []
    for dirpath, _, names in os.walk(root):
        out.extend(os.path.join(dirpath, n) for n in names if not n.startswith("."))
    out.sort()
    return out


def drop_cache(paths: list[str]) -> bool:
    os.sync()  # dirty pages (files just written) cannot be dropped
    ok = True
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            ok = False
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except (OSError, AttributeError):
            ok = False
        finally:
            os.close(fd)
    return ok


# ------------------------------------------------------------------------------------------------
# baselines


def read_rate(paths: list[str], cold: bool) -> tuple[float, int]:
    if cold:
        drop_cache(paths)
    t0 = time.perf_counter()
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            total += len(fh.read())
    return len(paths) / (time.perf_counter() - t0), total


def read_rate_hinted(paths: list[str], batch: int = 256) -> float:
    """Cold read, asking the OS for ``batch`` files at a time (posix_fadvise WILLNEED), as the importer does."""
    drop_cache(paths)
    t0 = time.perf_counter()
    for i in range(0, len(paths), batch):
        group = paths[i : i + batch]
        for p in group:
            fd = os.open(p, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            os.close(fd)
        for p in group:
            with open(p, "rb") as fh:
                fh.read()
    return len(paths) / (time.perf_counter() - t0)


def _decode_some(paths: list[str]) -> int:
    import numpy as np
    from PIL import Image

    n = 0
    for p in paths:
        with Image.open(p) as im:
            n += np.asarray(im).shape[0] > 0
    return n


def decode_rate(paths: list[str], processes: int) -> float:
    """Files decoded per second with ``processes`` processes (pool start-up not counted)."""
    if processes == 1:
        t0 = time.perf_counter()
        _decode_some(paths)
        return len(paths) / (time.perf_counter() - t0)
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(processes) as pool:
        pool.map(_decode_some, [[paths[0]]] * processes)  # warm the workers up
        step = max(1, min(256, len(paths) // (processes * 8)))
        chunks = [paths[i : i + step] for i in range(0, len(paths), step)]
        t0 = time.perf_counter()
        pool.map(_decode_some, chunks, chunksize=1)
        return len(paths) / (time.perf_counter() - t0)


def naive_rate(root: Path, out: Path, paths: list[str]) -> float:
    out.unlink(missing_ok=True)
    drop_cache(paths)
    proc = subprocess.run([sys.executable, "-c", NAIVE_DECODE, str(root), str(out)], capture_output=True, text=True,
                          check=True)
    out.unlink(missing_ok=True)
    return float(proc.stdout.strip())


# ------------------------------------------------------------------------------------------------
# the import, in a subprocess, with its peak memory

IMPORT = r"""
import json, sys, time
from h5gui.core import importer, progress
src, out, layout, workers, prescan = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
spec = importer.ImportSpec(src, out, layout=layout, workers=workers, **extra)
t0 = time.perf_counter()
scan = progress.run(importer.scan(src, workers=workers)) if prescan else None
t1 = time.perf_counter()
report = progress.run(importer.run_import(spec, scan))
t2 = time.perf_counter()
print(json.dumps({"total": t2 - t0, "scan": t1 - t0, "import": t2 - t1, "n": report.n_imported,
                  "skipped": report.n_skipped, "bytes": report.nbytes_read}))
"""


def _tree_memory(pid: int) -> int:
    """Memory of a process and all its descendants (PSS where available: shared pages are counted once)."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            info = q.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return total


def run_import(src: Path, out: Path, layout: str, workers: int, cold: bool, paths: list[str],
               prescan: bool = False, extra: dict[str, Any] | None = None) -> dict[str, float]:
    out.unlink(missing_ok=True)
    if cold:
        drop_cache(paths)
    proc = subprocess.Popen([sys.executable, "-c", IMPORT, str(src), str(out), layout, str(workers),
                             "1" if prescan else "0", json.dumps(extra or {})], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_memory(proc.pid))
            done.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    stdout, stderr = proc.communicate()
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {stderr}")
    result = json.loads(stdout)
    result["peak"] = peak[0]
    result["size"] = out.stat().st_size
    return result


# ------------------------------------------------------------------------------------------------


REPS = 2


def wait_quiet(limit: float = 25.0, patience: float = 5.0) -> None:
    """Wait (up to ``patience`` s) until the machine's CPUs are less than ``limit`` % busy."""
    import psutil

    deadline = time.monotonic() + patience
    while time.monotonic() < deadline and psutil.cpu_percent(interval=0.3) > limit:
        pass


def best(fn: Callable[[], float]) -> float:
    """The best of ``REPS`` runs of a rate (the machine may be busy with something else now and then)."""
    results = []
    for _ in range(REPS):
        wait_quiet()
        results.append(fn())
    return max(results)


def best_import(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The fastest of ``REPS`` imports (time), with the highest peak memory seen."""
    runs = []
    for _ in range(REPS):
        wait_quiet()
        runs.append(run_import(*args, **kwargs))
    fastest = min(runs, key=lambda r: r["total"])
    fastest["peak"] = max(r["peak"] for r in runs)
    return fastest


def row(what: str, value: str, baseline: str = "", ratio: str = "", target: str = "") -> None:
    ROWS.append((what, value, baseline, ratio, target))
    print(f"  {what}: {value}" + (f"  (baseline {baseline}, {ratio})" if baseline else ""), file=sys.stderr)


def rate(x: float) -> str:
    return f"{x:,.0f} img/s"


def bench_png(n: int, workers: int, out_dir: Path, naive: bool) -> None:
    root = _png_tree(n)
    paths = _files(root)
    print(f"[{n:,} PNG 64x64 in a 3-level tree]", file=sys.stderr)
    nbytes = read_rate(paths, cold=False)[1]
    r_cold = best(lambda: read_rate(paths, cold=True)[0])
    r_warm = best(lambda: read_rate(paths, cold=False)[0])
    d1 = best(lambda: decode_rate(paths, 1))
    d2 = best(lambda: decode_rate(paths, 2))
    limit = min(d2, r_cold)
    row(f"read {n:,} PNGs (cold / warm)", f"{rate(r_cold)} / {rate(r_warm)}")
    row("  read cold, 256 files at a time with readahead hints", rate(best(lambda: read_rate_hinted(paths))))
    row(f"decode {n:,} PNGs, 1 / 2 processes", f"{rate(d1)} / {rate(d2)}")
    imp = best_import(root, out_dir / "png.h5", "stack", workers, cold=True, paths=paths)
    imp_rate = imp["n"] / imp["total"]
    row(f"stack import {n:,} PNGs, cold, end to end", rate(imp_rate), f"limit {rate(limit)}",
        f"{imp_rate / limit:.2f}x", ">= 0.5x")
    pre = best_import(root, out_dir / "png.h5", "stack", workers, cold=True, paths=paths, prescan=True)
    row(f"  import alone (the scan, {pre['scan']:.2f} s, before it)", rate(pre["n"] / pre["import"]),
        f"limit {rate(limit)}",
        f"{pre['n'] / pre['import'] / limit:.2f}x", "")
    if naive:
        nv = naive_rate(root, out_dir / "naive.h5", paths)
        row(f"naive script {n:,} PNGs, cold", rate(nv), "", f"import {imp_rate / nv:.1f}x faster", "")
    enc = best_import(root, out_dir / "enc.h5", "encoded", workers, cold=True, paths=paths)
    enc_rate = enc["n"] / enc["total"]
    row(f"encoded import {n:,} PNGs, cold", rate(enc_rate), f"read {rate(r_cold)}", f"{enc_rate / r_cold:.2f}x",
        ">= 0.8x")
    row("  encoded file size / folder size", f"{enc['size'] / 1e6:,.1f} MB", f"{nbytes / 1e6:,.1f} MB",
        f"{enc['size'] / nbytes:.3f}x", "<= 1.05x")
    row(f"  peak memory, stack import {n:,}", f"{imp['peak'] / 2**20:,.0f} MiB", "", "", "< 500 MiB")


def bench_jpeg(n: int, workers: int, out_dir: Path) -> None:
    root = _jpeg_folder(n)
    paths = _files(root)
    print(f"[{n:,} JPEG 1024x768]", file=sys.stderr)
    r_cold = best(lambda: read_rate(paths, cold=True)[0])
    d2 = best(lambda: decode_rate(paths, 2))
    row(f"read {n:,} JPEGs, cold", rate(r_cold))
    row(f"decode {n:,} JPEGs, 2 processes", rate(d2))
    imp = best_import(root, out_dir / "jpeg.h5", "stack", workers, cold=True, paths=paths)
    (out_dir / "jpeg.h5").unlink(missing_ok=True)
    imp_rate = imp["n"] / imp["total"]
    row(f"stack import {n:,} JPEGs, cold, end to end", rate(imp_rate), f"decode x2 {rate(d2)}",
        f"{imp_rate / d2:.2f}x", ">= 0.8x")
    row(f"  peak memory, JPEG import {n:,}", f"{imp['peak'] / 2**20:,.0f} MiB", "", "", "< 500 MiB")


def script_rate(script: str, args: list[str], out: Path, paths: list[str]) -> float:
    """Images/s of a naive script in a fresh process, cold (it prints its own rate)."""
    out.unlink(missing_ok=True)
    drop_cache(paths)
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    out.unlink(missing_ok=True)
    return float(proc.stdout.strip())


def bench_trees(pngs: int, workers: int, out_dir: Path, only: str = "", layouts: str = "") -> None:
    """Every layout beside the naive script a user would write, on both trees, in this one run
    (``only``: 'jpeg' or 'png', one tree; ``layouts``: comma-separated layouts, those only)."""
    jpegs = jpeg_tree(CACHE) if only != "png" else Path()
    png = _png_tree(pngs) if only != "jpeg" else Path()
    cases = [
        (jpegs, "3,000 JPEG 200-500 px", "encoded", {}, BLOG_ENCODED, [], "blog: one dataset per file", 1.0),
        (jpegs, "3,000 JPEG 200-500 px", "per-image", {}, NAIVE_DECODE, [], "naive decode loop", 1.5),
        (jpegs, "3,000 JPEG 200-500 px", "classes", {"resize": [128, 128]}, NAIVE_CLASSES, ["128"],
         "naive decode + resize + stack", 1.5),
        (png, f"{pngs:,} PNG 64x64", "encoded", {}, BLOG_ENCODED, [], "blog: one dataset per file", 1.0),
        (png, f"{pngs:,} PNG 64x64", "per-image", {}, NAIVE_DECODE, [], "naive decode loop", 1.5),
        (png, f"{pngs:,} PNG 64x64", "stack", {}, NAIVE_STACK, [], "naive decode + stack", 1.5),
    ]
    cases = [c for c in cases if (not only or (c[0] == png) == (only == "png"))
             and (not layouts or c[2] in layouts.split(","))]
    for root, what, layout, extra, script, sargs, base_name, target in cases:
        paths = _files(root)
        print(f"[{what}: {layout} beside {base_name}]", file=sys.stderr)
        out = out_dir / "tree.h5"
        naive = best(lambda: script_rate(script, [str(root), str(out), *sargs], out, paths))  # noqa: B023
        imp = best_import(root, out, layout, workers, cold=True, paths=paths, extra=extra)
        out.unlink(missing_ok=True)
        ours = imp["n"] / imp["total"]
        label = f"{what}, {layout}" + (f" {extra['resize'][0]}x{extra['resize'][1]}" if "resize" in extra else "")
        row(label, rate(ours), f"{base_name} {rate(naive)}", f"{ours / naive:.2f}x", f">= {target:.1f}x")


def bench_scale(sizes: list[int], workers: int, out_dir: Path) -> None:
    print(f"[scaling {sizes}]", file=sys.stderr)
    first = None
    for n in sizes:
        root = _png_tree(n)
        paths = _files(root)
        imp = best_import(root, out_dir / "scale.h5", "stack", workers, cold=True, paths=paths)
        (out_dir / "scale.h5").unlink(missing_ok=True)
        per = imp["total"] / imp["n"] * 1e6
        first = first or per
        row(f"stack import {n:,} PNGs: time per image, peak memory",
            f"{per:,.0f} us, {imp['peak'] / 2**20:,.0f} MiB", f"{first:,.0f} us", f"{per / first:.2f}x",
            "flat, < 500 MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pngs", type=int, default=10_000, help="PNG files of the main measurement (default 10,000)")
    ap.add_argument("--jpegs", type=int, default=300, help="JPEG files 1024x768 (default 300; the issue: 1,000)")
    ap.add_argument("--scale", default="1000,10000,30000", help="sizes of the scaling run (default 1000,10000,30000)")
    ap.add_argument("--workers", type=int, default=0, help="importer workers (default 0: automatic)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive script")
    ap.add_argument("--reps", type=int, default=2, help="runs of each measurement, the best is kept (default 2)")
    ap.add_argument("--full", action="store_true", help="the issue's sizes: --jpegs 1000 --scale 1000,10000,100000")
    ap.add_argument("--out", default=str(CACHE / "out"), help="folder of the files written")
    ap.add_argument("--trees-only", action="store_true", help="only every layout beside the naive scripts, on the "
                    "3,000-JPEG tree of mixed sizes and the PNG tree")
    ap.add_argument("--tree", choices=("jpeg", "png"), default="", help="--trees-only: that tree only")
    ap.add_argument("--layouts", default="", help="--trees-only: these layouts only (comma-separated)")
    args = ap.parse_args()
    if args.full:
        args.jpegs = max(args.jpegs, 1000)
        args.scale = "1000,10000,100000"
    sizes = [int(s) for s in args.scale.split(",") if s]
    global REPS
    REPS = max(1, args.reps)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    from h5gui.core.importer import cpu_count

    print(f"cores: {cpu_count()}, python {sys.version.split()[0]}", file=sys.stderr)
    t0 = time.perf_counter()
    bench_trees(args.pngs, args.workers, out_dir, args.tree, args.layouts)
    if not args.trees_only:
        bench_png(args.pngs, args.workers, out_dir, naive=not args.no_naive)
        if args.jpegs:
            bench_jpeg(args.jpegs, args.workers, out_dir)
        if sizes:
            bench_scale(sizes, args.workers, out_dir)
    for name in ("png.h5", "enc.h5"):
        (out_dir / name).unlink(missing_ok=True)
    print(f"\n## Image folder import ({cpu_count()} cores, {time.perf_counter() - t0:.0f} s)\n")
    print("| measurement | value | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
