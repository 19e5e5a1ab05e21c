"""Corrupt copies of HDF5 files, byte by byte in their metadata, and look at every object of each
through the supervised I/O process, as a user clicking through the tree would. Prints the mutants
that crashed or hung libhdf5 (seed, offsets, object, operation), to be kept as regression cases.

    python dev/fuzz_corrupt.py [--n 2000] [--seed 0] [--file demo] [--deadline 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus import metadata_positions, mutate  # noqa: E402

from h5gui.core.errors import H5GuiError, ReaderCrashedError  # noqa: E402
from h5gui.core.ioproc.funcref import FuncRef  # noqa: E402
from h5gui.core.ioproc.supervisor import Supervisor  # noqa: E402

WALK = FuncRef("h5gui.core.nodes", "walk")
OPS = [("describing", FuncRef("h5gui.core.nodes", "describe")),
       ("listing attributes of", FuncRef("h5gui.core.attrs", "list_attrs")),
       ("previewing", FuncRef("h5gui.core.preview", "preview_info"))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--file", default="demo")
    ap.add_argument("--deadline", type=float, default=3.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="h5gui-fuzz-"))
    if args.file == "demo":
        from h5gui.core import demo

        src = str(demo.make_demo(tmp / "demo.h5"))
    else:
        src = args.file
    data = Path(src).read_bytes()
    positions = metadata_positions(src)
    print(f"{src}: {len(data):,} bytes, {len(positions):,} of metadata", flush=True)
    sup = Supervisor(deadline=args.deadline, memory_limit=2 << 30)
    sup.start()
    sup.wait_ready(60)
    bad: list[str] = []
    t0 = time.monotonic()
    jobs = 0
    for k in range(args.n):
        rng = random.Random(args.seed * 1_000_003 + k)
        mutant, changes = mutate(data, positions, rng)
        path = tmp / f"m{k}.h5"
        path.write_bytes(mutant)
        try:
            rows = sup.call(WALK, str(path), subject=(str(path), "/"), operation="walking", timeout=60)
        except ReaderCrashedError as exc:
            bad.append(f"seed {args.seed} k {k} changes {changes}: {exc}")
            print(bad[-1], flush=True)
            continue
        except H5GuiError:
            continue
        for row in rows:
            for op, ref in OPS:
                jobs += 1
                try:
                    sup.call(ref, str(path), row.path, subject=(str(path), row.path), operation=op, timeout=60)
                except ReaderCrashedError as exc:
                    bad.append(f"seed {args.seed} k {k} changes {changes}: {exc}")
                    print(bad[-1], flush=True)
                except H5GuiError:
                    pass
        path.unlink()
        if k % 50 == 49:
            print(f"{k + 1} mutants, {jobs} jobs, {len(bad)} crashes/hangs, {time.monotonic() - t0:.0f} s", flush=True)
    sup.shutdown()
    print(f"done: {args.n} mutants, {jobs} jobs, {len(bad)} crashes/hangs in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
