#!/usr/bin/env python
"""The loader snippets (h5gui.core.snippets) beside a minimal hand-written lazy Dataset, in one run.

Usage::

    python bench/bench_loaders.py                 # 20,000 samples of 28x28 (MNIST-like), 2 workers
    python bench/bench_loaders.py --n 60000 --reps 3

What is measured (samples/s over whole epochs, shuffled, batch 64, best of ``--reps``):

* a PyTorch DataLoader with ``num_workers=2`` over
  - the minimal hand-written lazy Dataset (opens the file on first use in each worker, keeps the
    h5py datasets, returns ``torch.from_numpy(x[i]), int(y[i])``): the baseline;
  - h5gui's PyTorch snippet as generated (HWC uint8, labels found by convention);
  - the same with ``--chw`` (float32 in [0, 1], channels first);
  - the snippet over encoded PNGs (decoded and resized), beside a minimal decoding Dataset;
  (``--chw`` also beside a minimal Dataset that converts the same way, in torch);
* the tf.data snippet's generator (numpy, one process; TensorFlow is not needed) beside a minimal
  generator over the same file.

The file is made by h5gui's own import (the classes layout: ``images``, ``labels``, ``class_names``,
per-sample chunks). Prints a markdown table; target: every snippet >= 0.9x its baseline.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

MINIMAL = '''
import h5py, torch, numpy as np
from torch.utils.data import Dataset


class Minimal(Dataset):
    def __init__(self, file, images, labels):
        self.file, self.images, self.labels = file, images, labels
        with h5py.File(file, "r") as f:
            self.n = len(f[images])
        self.x = self.y = None

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.x is None:
            f = h5py.File(self.file, "r")
            self.x, self.y = f[self.images], f[self.labels]
        return torch.from_numpy(self.x[i]), int(self.y[i])


class MinimalCHW(Minimal):
    def __getitem__(self, i):
        if self.x is None:
            f = h5py.File(self.file, "r")
            self.x, self.y = f[self.images], f[self.labels]
        t = torch.from_numpy(self.x[i])
        t = t.unsqueeze(0) if t.dim() == 2 else t.permute(2, 0, 1)
        return t.float().div(255), int(self.y[i])


class MinimalEncoded(Minimal):
    def __getitem__(self, i):
        import io
        from PIL import Image
        if self.x is None:
            f = h5py.File(self.file, "r")
            self.x, self.y = f[self.images], f[self.labels]
        with Image.open(io.BytesIO(self.x[i].tobytes())) as img:
            a = np.array(img.convert("RGB").resize((32, 32)))
        return torch.from_numpy(a), int(self.y[i])
'''


def make_data(root: Path, n: int) -> tuple[Path, Path]:
    """A class tree of ``n`` 28x28 grey PNGs (10 classes), imported stacked and encoded by h5gui."""
    from PIL import Image

    from h5gui.core import importer, progress

    src = root / "src"
    rng = np.random.default_rng(0)
    for c in range(10):
        (src / f"c{c}").mkdir(parents=True)
    for i in range(n):
        a = (rng.random((28, 28)) * 40 + (i % 10) * 20).astype(np.uint8)
        Image.fromarray(a).save(src / f"c{i % 10}" / f"{i}.png", compress_level=1)
    stacked, encoded = root / "stacked.h5", root / "encoded.h5"
    progress.run(importer.run_import(importer.ImportSpec(str(src), str(stacked), layout="classes")))
    progress.run(importer.run_import(importer.ImportSpec(str(src), str(encoded), layout="classes", encoded=True)))
    return stacked, encoded


def load(code: str, name: str, where: Path):
    (where / f"{name}.py").write_text(code)
    return importlib.import_module(name)


def epoch_rate(dataset, workers: int, reps: int) -> float:
    import torch

    best = 0.0
    for _ in range(reps):
        loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=workers)
        t0 = time.perf_counter()
        count = 0
        for batch in loader:
            count += len(batch[0])
        best = max(best, count / (time.perf_counter() - t0))
    return best


def generator_rates(makers, reps: int, epochs: int = 3) -> list[float]:
    """Samples/s of each generator maker, interleaved (the machine's load hits them alike), the best of
    ``reps`` rounds of ``epochs`` epochs each."""
    best = [0.0] * len(makers)
    for _ in range(reps):
        for k, make in enumerate(makers):
            t0 = time.perf_counter()
            count = sum(sum(1 for _ in make()) for _ in range(epochs))
            best[k] = max(best[k], count / (time.perf_counter() - t0))
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000, help="samples (default 20,000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--tf-only", action="store_true", help="only the tf.data generator beside the minimal one")
    args = ap.parse_args()
    from h5gui.core import snippets

    rows: list[tuple[str, float, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="h5gui-bench-loaders-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        stacked, encoded = make_data(root, args.n)
        print(f"data: {args.n:,} samples imported in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        sys.path.insert(0, tmp)
        minimal = load(MINIMAL, "minimal_loader", root)
        if not args.tf_only:
            base = epoch_rate(minimal.Minimal(str(stacked), "/images", "/labels"), args.workers, args.reps)
            base_chw = epoch_rate(minimal.MinimalCHW(str(stacked), "/images", "/labels"), args.workers, args.reps)
            for label, kw, what, ref in (
                    ("PyTorch snippet (HWC uint8)", {}, "minimal lazy Dataset", base),
                    ("PyTorch snippet --chw (float CHW)", {"chw": True}, "minimal lazy Dataset, float CHW", base_chw),
                    ("PyTorch snippet --chw (float CHW)", {"chw": True}, "minimal lazy Dataset, uint8 HWC", base)):
                mod = load(snippets.torch_snippet(str(stacked), "/images", **kw), f"snip_{len(rows)}", root)
                rows.append((label, epoch_rate(mod.ImagesDataset(), args.workers, args.reps), what, ref))
            base_enc = epoch_rate(minimal.MinimalEncoded(str(encoded), "/images", "/labels"), args.workers, args.reps)
            mod = load(snippets.torch_snippet(str(encoded), "/images", resize=(32, 32)), "snip_enc", root)
            rows.append(("PyTorch snippet, encoded PNGs resized to 32x32", epoch_rate(mod.ImagesDataset(), args.workers,
                         args.reps), "minimal decoding Dataset", base_enc))
        tf_mod = load(snippets.tf_snippet(str(stacked), "/images"), "snip_tf", root)

        def minimal_gen():
            with h5py.File(stacked, "r") as f:
                x, y = f["images"], f["labels"][()]
                for i in np.random.default_rng().permutation(len(x)):
                    yield x[i].astype(np.float32) / 255.0, y[i]

        ours, ref = generator_rates([lambda: tf_mod.generate(), minimal_gen], 2 * args.reps)
        rows.append(("tf.data snippet's generator (1 process)", ours, "minimal generator", ref))
        sys.path.remove(tmp)
    print(f"\n{args.n:,} samples 28x28 uint8, batch 64, shuffled, DataLoader num_workers={args.workers}, "
          f"{os.cpu_count()} cores\n")
    print("| loader | samples/s | baseline | samples/s | ratio | target |")
    print("|---|---|---|---|---|---|")
    for label, rate, what, ref in rows:
        print(f"| {label} | {rate:,.0f} | {what} | {ref:,.0f} | {rate / ref:.2f}x | >= 0.9x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
