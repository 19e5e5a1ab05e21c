"""The preview's vocabulary and records, without h5py: value kinds, read limits, and the frozen records
the views consume (:class:`PreviewInfo`, :class:`ImageRequest`, :class:`ImageSlice`,
:class:`TableBlock`, :class:`PlotData`).

Importing this module imports numpy only, so a process that never touches HDF5 (the GUI) can hold
and inspect what the I/O side returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ARRAY",
    "BOOL",
    "COMPLEX",
    "COMPLEX_MODES",
    "COMPOUND",
    "EMPTY",
    "ENCODED",
    "ENUM",
    "IMAGE_KINDS",
    "IMAGE_PIECE_BYTES",
    "INFO_TEXT_CHARS",
    "ImageRequest",
    "ImageSlice",
    "LEVEL_SAMPLES",
    "MAX_CELL_CHARS",
    "MAX_ENCODED_BYTES",
    "MAX_PLOT_BYTES",
    "MAX_PLOT_CHUNKS",
    "MAX_PLOT_READ",
    "MAX_TABLE_BYTES",
    "MAX_TABLE_CELLS",
    "MAX_TEXT_READ_BYTES",
    "NUMERIC",
    "OPAQUE",
    "PAGE_BYTES",
    "PLOT_BLOCK_BYTES",
    "PLOT_KINDS",
    "PLOT_PIECE",
    "PlotData",
    "PreviewInfo",
    "REFERENCE",
    "SIEVE_BYTES",
    "SNIFF_READ_BYTES",
    "STRING",
    "TableBlock",
    "UNREADABLE",
    "VLEN",
]

# kinds
NUMERIC = "numeric"
BOOL = "bool"
COMPLEX = "complex"
STRING = "string"
COMPOUND = "compound"
ENUM = "enum"
REFERENCE = "reference"
OPAQUE = "opaque"
VLEN = "vlen"
ARRAY = "array"  # fixed-size array datatype (each element is a small array)
ENCODED = "encoded"
EMPTY = "empty"
UNREADABLE = "unreadable"

IMAGE_KINDS = (NUMERIC, BOOL, COMPLEX, ENUM)
PLOT_KINDS = (NUMERIC, BOOL, COMPLEX, ENUM)

# limits
MAX_TABLE_CELLS = 65_536
MAX_TABLE_BYTES = 64 * 2**20
MAX_CELL_CHARS = 1_000
MAX_ENCODED_BYTES = 256 * 2**20
SNIFF_READ_BYTES = 64 * 2**20  # preview_info reads at most one element this big to find a signature
MAX_TEXT_READ_BYTES = 16 * 2**20
INFO_TEXT_CHARS = 100_000
IMAGE_PIECE_BYTES = 8 * 2**20
PLOT_PIECE = 1 << 19  # values per piece of a decimated plot read
MAX_PLOT_READ = 32_000_000  # values a min/max plot reads at most; longer selections are sampled
MAX_PLOT_CHUNKS = 65_536  # chunks a min/max plot touches at most (a column of row-chunked data...)
MAX_PLOT_BYTES = 48 * 2**20  # bytes a plot touches at most, each touched chunk counted whole (uncompressed)
PLOT_BLOCK_BYTES = 2**20  # contiguous data: bytes of each block an overview plot reads
SIEVE_BYTES = 64 * 2**10  # HDF5's sieve buffer: what a strided read of contiguous data reads per value
PAGE_BYTES = 4096  # a strided read of contiguous data with values this far apart costs a read per value
LEVEL_SAMPLES = 262_144  # display levels from an evenly strided sample of at most this many values
COMPLEX_MODES = ("abs", "phase", "real", "imag")  # how complex values become an image


# records


@dataclass(frozen=True, slots=True)
class PreviewInfo:
    """Cheap facts that decide which views apply to a dataset, and their defaults."""

    file: str
    path: str
    shape: tuple[int, ...] | None  # None = h5py.Empty (no dataspace)
    dtype: str  # numpy dtype str, e.g. '<u2', '|V16'
    dtype_text: str  # words (dtypes.describe_dtype)
    kind: str  # one of the kinds above
    views: tuple[str, ...]  # applicable views, best first: 'image', 'encoded', 'plot', 'table', 'text'
    image_axes: tuple[int, int, int | None] | None  # default (row axis, col axis, channel axis or None)
    rgb: bool
    chunks: tuple[int, ...] | None
    fill_value: float | None
    all_fill: bool  # nothing stored: everything is the fill value
    fields: tuple[str, ...] = ()  # compound field names
    encoded_format: str = ""  # 'PNG', 'JPEG', 'TIFF', 'BMP', 'GIF', 'WEBP'
    encoded_count: int = 0  # number of encoded images (elements), 1 for a single blob
    text: str | None = None  # scalars: the value as text (JSON pretty-printed)
    error: str = ""  # why nothing can be shown (views is then empty)
    table_axes: tuple[int, int] | None = None  # default (row axis, col axis) of the table for rank >= 2
    plot_fields: tuple[str, ...] = ()  # compound fields that can be plotted (numbers)
    image_class: str = ""  # the HDF5 image attributes: 'IMAGE_TRUECOLOR', 'IMAGE_GRAYSCALE', ...
    nexus_group: str = ""  # the NeXus NXdata group whose signal this is (preview.nexus reads its axes)

    @property
    def rank(self) -> int:
        return len(self.shape) if self.shape else 0

    @property
    def size(self) -> int:
        if self.shape is None:
            return 0
        return int(np.prod(self.shape, dtype=np.float64)) if self.shape else 1


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """Which 2-D plane of a dataset to show, and how much of it may be read."""

    axes: tuple[int, int, int | None]  # rows, cols, channel
    index: tuple[int, ...]  # one entry per dataset axis; entries of the rows/cols/channel axes ignored
    region: tuple[int, int, int, int] | None = None  # (row0, row1, col0, col1), full resolution; None = whole
    max_pixels: int = 4_000_000
    max_chunks: int = 4096
    complex_mode: str = "abs"  # 'abs' | 'phase' | 'real' | 'imag'
    percentiles: tuple[float, float] = (0.5, 99.5)
    remote_budget: bool = True  # remote files: refuse (saying how many MB) a read over REMOTE_BUDGET


@dataclass(frozen=True, slots=True)
class ImageSlice:
    """What was read for the image view."""

    data: np.ndarray  # (h, w) or (h, w, C): float32 for float/complex input, else native; bool -> uint8
    step: tuple[int, int]  # stride on rows/cols (1 = full resolution)
    region: tuple[int, int, int, int]  # what was read, full-resolution (row0, row1, col0, col1)
    full_shape: tuple[int, int]  # rows, cols of the whole plane
    levels: tuple[float, float]  # from percentiles of <= ~262k finite values (LEVEL_SAMPLES)
    minmax: tuple[float, float]  # finite min/max of what was read (nan, nan when nothing finite)
    nonfinite: int  # NaN/inf values in what was read
    rgb: bool
    all_fill: bool = False
    note: str = ""  # e.g. 'downsampled 1:4 (chunk budget)'
    # calibrated axes (NeXus): value of row/column 0 and the step per row/column of the full plane
    row_scale: tuple[float, float] | None = None
    col_scale: tuple[float, float] | None = None
    row_label: str = ""
    col_label: str = ""
    # a frame of a stack of samples with labels beside it: '3 (cat)' and where it was read ('/labels[54]')
    label: str = ""
    label_source: str = ""


@dataclass(frozen=True, slots=True)
class TableBlock:
    """A block of formatted cells of the table view."""

    row0: int
    col0: int
    cells: tuple[tuple[str, ...], ...]  # rows x cols
    columns: tuple[str, ...]  # headers of the block's columns
    n_rows: int  # totals of the 2-D table
    n_cols: int


@dataclass(frozen=True, slots=True)
class PlotData:
    """A curve, decimated by min/max buckets when long."""

    x: np.ndarray  # float64: indices, or the values of an axis (NeXus ``axes``: x_label names it)
    y: np.ndarray  # float64, at most ~2 * max_points values
    n: int  # points in the full selection
    step: int  # bucket size (1 = every point), or when sampled the distance between the blocks read
    x_label: str
    y_label: str
    note: str = ""  # e.g. 'overview from 24 of 382 chunks: zoom in for every value'
    sampled: bool = False  # True: only some chunks/blocks were read (min/max within them; peaks elsewhere missed)
