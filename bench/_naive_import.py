"""The naive import scripts that ``bench_import.py --trees`` runs beside h5gui's import, and the
3,000-JPEG tree of mixed sizes (class folders x train/val) they run on.

Each script is what a user writes in a few lines (the blog recipes): a fresh ``python -c`` process,
timed from its first line to the closed file, printing images/s on stdout.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

_WALK = r"""
import os, sys, time
import h5py, numpy as np
from PIL import Image
root, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
n = 0
with h5py.File(out, "w") as f:
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        names = sorted(x for x in names if not x.startswith("."))
        rel = os.path.relpath(dirpath, root)
        g = f if rel == "." else f.require_group(rel)
%%BODY%%
print(n / (time.perf_counter() - t0))
"""
_PER_FILE = """        for name in names:
            path = os.path.join(dirpath, name)
            %%STORE%%
            n += 1"""
# one dataset per file holding the file's bytes (the blog's loop for keeping JPEGs in HDF5)
BLOG_ENCODED = _WALK.replace("%%BODY%%", _PER_FILE).replace(
    "%%STORE%%", 'g.create_dataset(name, data=np.frombuffer(open(path, "rb").read(), dtype=np.uint8))')
# decode every picture with Pillow, one dataset per picture
NAIVE_DECODE = _WALK.replace("%%BODY%%", _PER_FILE).replace(
    "%%STORE%%", "g.create_dataset(name, data=np.array(Image.open(path)))")
# decode and stack each folder of equal-sized pictures into one dataset
NAIVE_STACK = _WALK.replace("%%BODY%%", """        if names:
            g.create_dataset("images", data=np.stack([np.asarray(Image.open(os.path.join(dirpath, x))) for x in names]))
            n += len(names)""")

# decode, resize to SIZE x SIZE, stack per split: images + labels (the classic Keras preparation script)
NAIVE_CLASSES = r"""
import os, sys, time
import h5py, numpy as np
from PIL import Image
root, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
n = 0
with h5py.File(out, "w") as f:
    for split in sorted(os.listdir(root)):
        if split.startswith("."):
            continue
        classes = sorted(os.listdir(os.path.join(root, split)))
        images, labels = [], []
        for label, c in enumerate(classes):
            folder = os.path.join(root, split, c)
            for name in sorted(os.listdir(folder)):
                img = Image.open(os.path.join(folder, name)).convert("RGB").resize((size, size))
                images.append(np.asarray(img))
                labels.append(label)
        g = f.create_group(split)
        g.create_dataset("images", data=np.stack(images))
        g.create_dataset("labels", data=np.array(labels))
        n += len(images)
print(n / (time.perf_counter() - t0))
"""

def jpeg_tree(cache: Path, n: int = 3000, classes: int = 10) -> Path:
    """``n`` JPEGs of 200-500 px (width and height drawn apart), photo-like, in train/ and val/ (80/20)
    holding ``classes`` class folders each."""
    root = cache / f"jpeg_mixed_{n}_{classes}"
    if (root / ".complete").exists():
        return root
    import numpy as np
    from PIL import Image

    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(2)
    t0 = time.perf_counter()
    for i in range(n):
        split = "train" if i % 5 else "val"
        folder = root / split / f"class{i % classes:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        w, h = (int(v) for v in rng.integers(200, 501, 2))
        yy, xx = np.mgrid[0:h, 0:w]
        k = i % 13 + 1
        img = np.dstack([(np.sin(xx / (7 + k)) * 70 + 128), (xx * k + yy) % 256, (np.hypot(xx - w / 2, yy - h / 2) * k) % 256])
        img = img.astype(np.uint8) // 2 + rng.integers(0, 40, (h, w, 3), dtype=np.uint8)
        Image.fromarray(img).save(folder / f"photo{i:05d}.jpg", quality=88)
    (root / ".complete").write_text("")
    print(f"  made {n:,} JPEGs of mixed sizes in {time.perf_counter() - t0:.1f} s: {root}", file=sys.stderr)
    return root
