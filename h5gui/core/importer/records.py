"""The records of an image folder import: what the user asks (:class:`ImportSpec`), what the scan
found (:class:`ScanResult` of :class:`FolderScan` of :class:`ImageEntry`), what will be written
(:class:`ImportPlan`) and what was (:class:`ImportReport`), and the words of the request.

Imports neither h5py nor Pillow: the GUI builds specs and shows scans, plans and reports without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LAYOUTS = ("auto", "stack", "per-image", "encoded", "classes")
MODES = ("keep", "L", "RGB", "RGBA")
RESAMPLE = ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming")
# stretch: exactly W x H; fit: inside W x H, aspect kept, padded; crop: cover W x H, aspect kept, centre
# cropped; shorter: the shorter side becomes min(W, H), aspect kept (sizes then differ: per-image, or equal ratios)
RESIZE_MODES = ("stretch", "fit", "crop", "shorter")
DEFAULT_SPLIT_NAMES = ("train", "val", "test")
SPLIT_NAMES = frozenset({"train", "training", "val", "valid", "validation", "test", "testing", "dev"})
KEPT_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "I", "F")  # what mode='keep' gives (see the package's docstring)
DTYPES = {"L": "uint8", "LA": "uint8", "RGB": "uint8", "RGBA": "uint8", "I;16": "uint16", "I": "int32", "F": "float32"}
CHANNELS = {"L": 0, "LA": 2, "RGB": 3, "RGBA": 4, "I;16": 0, "I": 0, "F": 0}  # 0: no channel axis


@dataclass(frozen=True)
class ImportSpec:
    """What the user asked for (the wizard's and the CLI's options)."""

    source: str  # folder
    target: str  # HDF5 file path (new or existing)
    group: str = "/"  # group to create in the target (a new file: "/" = root); must not exist yet
    layout: str = "auto"  # 'auto' | 'stack' | 'per-image' | 'encoded' | 'classes'
    mode: str = "keep"  # 'keep' | 'L' | 'RGB' | 'RGBA'
    resize: tuple[int, int] | None = None  # (width, height)
    resample: str = "bilinear"  # 'nearest' | 'bilinear' | 'bicubic' | 'lanczos' | 'box' | 'hamming'
    exif_transpose: bool = True
    compression: str | None = None  # None | 'gzip' | 'lzf' | 'zstd' | 'blosc' | 'lz4' | 'bitshuffle'
    compression_opts: int | None = None  # gzip 0-9 (default 4), zstd 1-22 (3), blosc 0-9 (5)
    encoded_per_file: bool = False  # encoded layout: one dataset per file instead of one vlen dataset per folder
    splits: bool = True  # classes layout: train/ val/ test/ sub-folders become groups
    workers: int = 0  # decoder processes; 0 = automatic (one per core, none for small imports)
    include_hidden: bool = False
    all_frames: bool = False  # multi-frame files: every frame an image ('name[i]') instead of the first
    # for training (the classes layout): a random split, stratified by class, by these fractions (adding up
    # to 1) into groups named split_names; shuffle: a random order within each group; both drawn with seed
    split: tuple[float, ...] | None = None
    split_names: tuple[str, ...] = DEFAULT_SPLIT_NAMES
    shuffle: bool = False
    seed: int = 0
    labels_file: str | None = None  # CSV (file,label rows) or JSON ({file: label}): labels instead of folders
    encoded: bool = False  # classes layout: the files' bytes (vlen uint8 images) with labels, nothing decoded
    resize_mode: str = "stretch"  # one of RESIZE_MODES (how resize keeps the aspect ratio)
    pad: int = 0  # resize_mode 'fit': the value of the padding (0: black)
    chunk_images: int = 1  # stacked outputs: images per chunk (1: one sample a chunk, fast random access; 0: ~1 MiB)


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """One image file found by the scan (header facts only)."""

    path: str  # relative to the source folder, '/'-separated
    format: str  # Pillow's format name: 'PNG', 'JPEG', ...
    width: int  # as stored, before the EXIF orientation
    height: int
    mode: str  # Pillow's mode of the file ('P', 'I;16', 'CMYK', ...)
    kept: str  # what mode='keep' makes of it: one of KEPT_MODES
    nbytes: int
    frames: int = 1
    orientation: int = 1  # EXIF orientation (1 = as stored; 5-8 swap width and height)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def size(self, exif_transpose: bool = True) -> tuple[int, int]:
        """(width, height) of the decoded picture."""
        if exif_transpose and self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class FolderScan:
    """One source folder that holds images (directly, not counting its sub-folders)."""

    relpath: str  # '.' for the source folder itself, else 'a/b'
    n_images: int
    formats: dict[str, int]
    sizes: dict[tuple[int, int, str], int]  # (width, height, Pillow mode) -> count (EXIF orientation applied)
    nbytes: int
    uniform: bool  # every image the same size and (kept) mode: stackable as they are
    files: tuple[ImageEntry, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class ScanResult:
    """What :func:`~h5gui.core.importer.scan` found in a folder tree."""
    source: str  # absolute path
    folders: tuple[FolderScan, ...]
    n_images: int
    nbytes: int
    skipped: tuple[tuple[str, str], ...]  # (relative path, reason)
    recommended_layout: str
    recommendation: str  # why, in one sentence
    classes: tuple[str, ...] = ()  # first-level sub-folders (or those of train/val/test) when they look like classes
    splits: tuple[str, ...] = ()  # first-level folders named like splits (train, val, test, ...) holding classes
    n_frames: int = 0  # frames beyond the first in multi-frame files (imported with all_frames)
    # folders reached through a symbolic link that leads out of the source folder: (relpath, target)
    linked_out: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    """The dry run: what :func:`~h5gui.core.importer.run_import` would write."""
    spec: ImportSpec
    layout: str  # resolved ('auto' replaced)
    datasets: tuple[tuple[str, tuple[int, ...], str], ...]  # (path, shape, dtype) to be written
    n_images: int
    estimated_bytes: int
    warnings: tuple[str, ...]
    group: str = "/"  # the normalized group path in the target
    new_file: bool = True  # the target does not exist yet
    workers: int = 0  # decoder processes that will run (0: decoding in this process)
    n_skipped: int = 0  # files that will be skipped whatever happens (from the scan and the layout)
    class_names: tuple[str, ...] = ()
    # what is missing before the import can run (a dry run still gives the plan): one sentence each
    problems: tuple[str, ...] = ()
    suggested_resize: tuple[int, int] | None = None  # a resize that makes mixed sizes stack (the commonest size)
    groups: tuple[tuple[str, int], ...] = ()  # (group, images) of each group receiving images (splits, folders)

    @property
    def ok(self) -> bool:
        """Whether :func:`~h5gui.core.importer.run_import` can run as asked."""
        return not self.problems


@dataclass(frozen=True)
class ImportReport:
    """What :func:`~h5gui.core.importer.run_import` did."""
    target: str
    group: str
    layout: str
    n_imported: int
    n_skipped: int
    skipped: tuple[tuple[str, str], ...]
    seconds: float
    nbytes_read: int
    datasets: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        """Images per second."""
        return self.n_imported / self.seconds if self.seconds > 0 else 0.0


def decoded_bytes(e: ImageEntry) -> int:
    """Bytes of the decoded picture of ``e`` as mode 'keep' stores it."""
    return e.width * e.height * max(1, CHANNELS[e.kept]) * np.dtype(DTYPES[e.kept]).itemsize
