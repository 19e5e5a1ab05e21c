"""A small demo file that shows what h5gui can browse: images, a digit stack, signals, tables, links.

Everything is synthetic and seeded, so the file is the same on every machine::

    /                   attributes: title, description, version, ...
    /images/rgb         128 x 192 x 3 uint8, HDF5 image attributes (IMAGE_TRUECOLOR)
    /images/gray        128 x 128 uint8, HDF5 image attributes (IMAGE_GRAYSCALE)
    /mnist/images       100 x 28 x 28 uint8 handwritten-looking digits, chunks of 64 images
    /mnist/labels       100 int64, attribute class_names
    /signals/sine       4096 float64: a sum of sines plus a little noise
    /signals/waves_gzip 200 x 1000 float32, gzip + shuffle
    /meta/catalogue     compound table {x: float32, y: float32, name: 8-byte ascii string}
    /meta/notes         vlen utf-8 strings
    /meta/colours       enum int8 {RED, GREEN, BLUE}
    /meta               attributes of several types (str, int, float, array, bool, unicode)
    /latest             soft link to /mnist/images
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import h5py
import numpy as np

from h5gui.core.h5 import staging
from h5gui.core.h5.images import write_image_attrs

SEED = 20240601
DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def default_demo_path() -> Path:
    """Where ``h5gui --demo`` and ``h5gui-cli demo`` put the demo file: the user's data folder."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "h5gui" / DEMO_NAME


DEMO_NAME = "demo.h5"


def demo_target(out: str | os.PathLike[str] | None = None) -> Path:
    """Where the demo file goes: ``out`` itself, ``out/demo.h5`` for a folder, the data folder for None.

    The one rule for ``h5gui --demo``, the start page and ``h5gui-cli demo``.
    """
    if out is None:
        return default_demo_path()
    p = Path(out).expanduser()
    return p / DEMO_NAME if p.is_dir() else p


def ensure_demo(folder: str | os.PathLike[str] | None = None) -> str:
    """Job: the demo file in ``folder`` (default: the data folder), written first if missing."""
    target = demo_target(folder)
    if not target.exists():
        make_demo(target)
    return str(target.absolute())


def make_demo(path: str | os.PathLike[str]) -> Path:
    """Write the demo file at ``path`` (replacing it) and return its absolute path.

    The file is written as ``path + '.partial'`` and renamed at the end, so an interrupted run
    never leaves a half-written demo file behind.
    """
    final = Path(path).expanduser().absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    with staging.PartialFile(final, overwrite=True) as claim:
        with h5py.File(claim.path, "w", track_order=True, locking=False) as f:
            _fill(f, rng)
        claim.publish()
    return final


# ---------------------------------------------------------------------------------------------


def _fill(f: h5py.File, rng: np.random.Generator) -> None:
    from h5gui import __version__

    f.attrs["title"] = "h5gui demo file"
    f.attrs["description"] = "Synthetic data to try h5gui on: images, a digit stack, signals, a table, links."
    f.attrs["created_by"] = f"h5gui {__version__}"

    images = f.create_group("images", track_order=True)
    rgb = images.create_dataset("rgb", data=_rgb_image(128, 192))
    write_image_attrs(rgb, colour=True)
    gray = images.create_dataset("gray", data=_gray_image(128))
    write_image_attrs(gray, colour=False)
    gray.attrs["IMAGE_MINMAXRANGE"] = np.array([0, 255], dtype=np.uint8)

    mnist = f.create_group("mnist", track_order=True)
    labels = np.tile(np.arange(10), 10)
    rng.shuffle(labels)
    stack = np.stack([_digit(int(d), rng) for d in labels])
    ds = mnist.create_dataset("images", data=stack, chunks=(64, 28, 28))
    ds.attrs["description"] = "synthetic handwritten-looking digits (MNIST-like layout: N x 28 x 28)"
    lab = mnist.create_dataset("labels", data=labels.astype(np.int64))
    lab.attrs["class_names"] = np.array(DIGIT_NAMES, dtype=h5py.string_dtype())
    mnist.attrs["class_names"] = np.array(DIGIT_NAMES, dtype=h5py.string_dtype())
    mnist.attrs["count"] = len(labels)

    signals = f.create_group("signals", track_order=True)
    rate = 1000.0
    t = np.arange(4096) / rate
    sine = (
        1.0 * np.sin(2 * np.pi * 5 * t)
        + 0.5 * np.sin(2 * np.pi * 23 * t + 0.3)
        + 0.25 * np.sin(2 * np.pi * 71 * t + 1.1)
        + 0.02 * rng.standard_normal(t.size)
    )
    s = signals.create_dataset("sine", data=sine)
    s.attrs["sample_rate_hz"] = rate
    s.attrs["unit"] = "V"
    s.attrs["frequencies_hz"] = np.array([5.0, 23.0, 71.0])
    x = np.linspace(0, 8 * np.pi, 1000, dtype=np.float32)
    phases = np.linspace(0, 2 * np.pi, 200, dtype=np.float32)[:, None]
    waves = (np.sin(x[None, :] + phases) * np.exp(-x[None, :] / 20)).astype(np.float32)
    signals.create_dataset(
        "waves_gzip", data=np.round(waves, 3), chunks=(50, 1000), compression="gzip", compression_opts=4,
        shuffle=True,
    )

    meta = f.create_group("meta", track_order=True)
    names = ["Vega", "Sirius", "Deneb", "Altair", "Rigel", "Polaris", "Antares", "Capella", "Arcturus", "Spica"]
    table = np.zeros(len(names), dtype=[("x", "f4"), ("y", "f4"), ("name", "S8")])
    table["x"] = rng.uniform(-1, 1, len(names))
    table["y"] = rng.uniform(-1, 1, len(names))
    table["name"] = [n.encode("ascii") for n in names]
    meta.create_dataset("catalogue", data=table)
    notes = ["first light", "calibration done", "température stable", "データ OK ✓"]
    meta.create_dataset("notes", data=np.array(notes, dtype=h5py.string_dtype()))
    colour = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
    meta.create_dataset("colours", data=np.array([0, 1, 2, 2, 1, 0], dtype="i1"), dtype=colour)
    meta.attrs["instrument"] = "demo camera"  # str
    meta.attrs["exposures"] = np.int32(100)  # int
    meta.attrs["exposure_s"] = 0.125  # float
    meta.attrs["pixel_size_um"] = np.array([3.45, 3.45])  # array
    meta.attrs["calibrated"] = np.bool_(True)  # bool
    meta.attrs["observer"] = "Zoë Ångström 観測者"  # unicode

    f["latest"] = h5py.SoftLink("/mnist/images")


def _rgb_image(h: int, w: int) -> np.ndarray:
    """Colour gradients with a checkerboard and a circle: easy to check orientation and channels."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = x / (w - 1)
    g = y / (h - 1)
    b = 1.0 - (x + y) / (w + h - 2)
    img = np.stack([r, g, b], axis=-1)
    checker = ((x // 16 + y // 16) % 2 == 0)[..., None]
    img = np.where(checker, img, img * 0.75)
    circle = (x - w * 0.7) ** 2 + (y - h * 0.4) ** 2 < (h * 0.22) ** 2
    img[circle] = [1.0, 1.0, 0.2]
    return np.round(img * 255).astype(np.uint8)


def _gray_image(n: int) -> np.ndarray:
    """Concentric rings fading outwards."""
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
    r = np.hypot(x, y)
    img = 0.5 + 0.5 * np.cos(r / 3.0) * np.exp(-r / n)
    return np.round(img * 255).astype(np.uint8)


def _ellipse(cx: float, cy: float, rx: float, ry: float, a0: float = 0.0, a1: float = 2 * np.pi) -> list:
    t = np.linspace(a0, a1, 25)
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t), strict=True))


# strokes of each digit in a unit box (x right, y down)
_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ellipse(0.5, 0.5, 0.28, 0.4)],
    1: [[(0.33, 0.28), (0.55, 0.1), (0.55, 0.9)]],
    2: [[(0.22, 0.3), (0.35, 0.13), (0.62, 0.12), (0.77, 0.28), (0.7, 0.5), (0.22, 0.88), (0.82, 0.88)]],
    3: [[(0.22, 0.15), (0.76, 0.15), (0.45, 0.45), (0.72, 0.55), (0.78, 0.75), (0.58, 0.9), (0.22, 0.85)]],
    4: [[(0.65, 0.9), (0.65, 0.1), (0.15, 0.65), (0.85, 0.65)]],
    5: [[(0.78, 0.12), (0.3, 0.12), (0.26, 0.46), (0.6, 0.42), (0.78, 0.6), (0.72, 0.84), (0.45, 0.92), (0.2, 0.82)]],
    6: [[(0.7, 0.1), (0.42, 0.28), (0.27, 0.58)] + _ellipse(0.5, 0.7, 0.23, 0.2, np.pi, 3 * np.pi)],
    7: [[(0.18, 0.12), (0.82, 0.12), (0.45, 0.9)], [(0.35, 0.5), (0.72, 0.5)]],
    8: [_ellipse(0.5, 0.3, 0.2, 0.18), _ellipse(0.5, 0.7, 0.25, 0.21)],
    9: [_ellipse(0.48, 0.32, 0.22, 0.2), [(0.7, 0.32), (0.66, 0.6), (0.58, 0.9)]],
}


def _digit(d: int, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """One 28 x 28 uint8 digit: anti-aliased strokes with a random slant, scale, shift and width."""
    angle = rng.uniform(-0.2, 0.2)
    slant = rng.uniform(-0.25, 0.15)
    scale = rng.uniform(0.85, 1.05) * (size - 8)
    shift = rng.uniform(-1.5, 1.5, 2) + size / 2
    width = rng.uniform(0.9, 1.6)
    cos, sin = np.cos(angle), np.sin(angle)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    pix = np.stack([xx.ravel(), yy.ravel()], axis=1)
    dist = np.full(pix.shape[0], np.inf)
    for stroke in _STROKES[d]:
        pts = np.asarray(stroke, dtype=np.float64) - 0.5
        pts[:, 0] += slant * -pts[:, 1]
        pts = pts @ np.array([[cos, sin], [-sin, cos]]) * scale + shift
        a, b = pts[:-1], pts[1:]
        ab = b - a
        denom = np.maximum((ab**2).sum(axis=1), 1e-9)
        # distance of every pixel to every segment of the stroke
        t = np.clip(((pix[:, None, :] - a[None]) * ab[None]).sum(axis=2) / denom, 0, 1)
        closest = a[None] + t[..., None] * ab[None]
        dist = np.minimum(dist, np.sqrt(((pix[:, None, :] - closest) ** 2).sum(axis=2)).min(axis=1))
    ink = np.clip(width + 0.5 - dist, 0.0, 1.0) * rng.uniform(0.85, 1.0)
    return np.round(ink.reshape(size, size) * 255).astype(np.uint8)
