"""Previews of datasets: which views apply, and bounded reads for each (image, table, plot, text).

Every function takes the file's path and a path inside it, opens the file through
:func:`h5gui.core.files.open_file`, resolves the object without following external links, refuses to
read data kept outside the file's folder unless ``allow_external`` (:func:`nodes.check_data_access`),
and returns frozen dataclasses and numpy arrays, never h5py objects.

Every read is sized before it is done (DESIGN.md sections 2 and 4):

* images are read with a stride so that at most ``max_pixels`` pixels *and* at most ``max_chunks``
  chunks are touched (a strided sample per chunk costs a chunk lookup each); a dataset with nothing
  stored is all fill value and is not read at all; reads go in pieces of a few MiB so that other
  jobs get h5py's lock between pieces;
* tables are read in blocks of rows (refused beyond :data:`MAX_TABLE_CELLS` cells);
* plots of long signals are decimated by min/max buckets, reading pieces of about half a million
  values; a plot that would touch more than :data:`MAX_PLOT_BYTES` (every touched chunk counted
  whole, as HDF5 reads it) is an overview made of a few evenly spaced whole chunks (or blocks of
  contiguous data), each reduced to min/max buckets;
* text and encoded images are read only below a size limit.

Long reads are generators (``read_image_job``, ``read_plot_job``) that ``yield`` :class:`Progress`
between pieces, so the job runner can cancel them; ``read_image`` and ``read_plot`` drive them.
"""

from __future__ import annotations

import contextlib
import math
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging, nodes
from h5gui.core.attrs import pretty as _attrs_pretty
from h5gui.core.dtypes import describe_dtype, h5t_class_name
from h5gui.core.errors import BadRequestError, FilterUnavailableError, UnreadableError
from h5gui.core.h5 import files, links, messages, safety
from h5gui.core.h5.filters import filter_applied
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job, Progress, run
from h5gui.core.text import format_bytes

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
LEVEL_SAMPLES = 1_000_000
COMPLEX_MODES = ("abs", "phase", "real", "imag")


# ---------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True, slots=True)
class PreviewInfo:
    """Cheap facts that decide which views apply to a dataset, and their defaults."""

    file: str
    path: str
    shape: tuple[int, ...] | None  # None = h5py.Empty (no dataspace)
    dtype: str  # numpy dtype str, e.g. '<u2', '|V16'
    dtype_text: str  # words (dtypes.describe_dtype)
    kind: str  # see the module constants
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


@dataclass(frozen=True, slots=True)
class ImageSlice:
    """What was read for the image view."""

    data: np.ndarray  # (h, w) or (h, w, C): float32 for float/complex input, else native; bool -> uint8
    step: tuple[int, int]  # stride on rows/cols (1 = full resolution)
    region: tuple[int, int, int, int]  # what was read, full-resolution (row0, row1, col0, col1)
    full_shape: tuple[int, int]  # rows, cols of the whole plane
    levels: tuple[float, float]  # from percentiles of <= ~1M finite values
    minmax: tuple[float, float]  # finite min/max of what was read (nan, nan when nothing finite)
    nonfinite: int  # NaN/inf values in what was read
    rgb: bool
    all_fill: bool = False
    note: str = ""  # e.g. 'downsampled 1:4 (chunk budget)'


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

    x: np.ndarray  # float64
    y: np.ndarray  # float64, at most ~2 * max_points values
    n: int  # points in the full selection
    step: int  # bucket size (1 = every point), or when sampled the distance between the blocks read
    x_label: str
    y_label: str
    note: str = ""  # e.g. 'overview from 24 of 382 chunks: zoom in for every value'
    sampled: bool = False  # True: only some chunks/blocks were read (min/max within them; peaks elsewhere missed)


# ---------------------------------------------------------------------------------------------
# helpers: opening, dtypes, errors


@contextlib.contextmanager
def _dataset(file: str, path: str, allow_external: bool) -> Iterator[tuple[h5py.Dataset, str]]:
    """The dataset at ``path`` (safely resolved) after the outside-data check."""
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, str(file))
        if not isinstance(obj, h5py.Dataset):
            raise BadRequestError(f"{path} in {file} is not a dataset")
        safety.check_data_access(obj, str(file), allow_external)
        yield obj, path


def dataset_dtype(ds: h5py.Dataset, path: str) -> np.dtype:
    try:
        return ds.dtype
    except Exception as exc:
        cls = h5t_class_name(ds.id.get_type())
        raise UnreadableError(f"cannot read {path}: h5py cannot map its datatype ({cls})") from exc


def kind_of(dt: np.dtype) -> str:
    if h5py.check_string_dtype(dt) is not None:
        return STRING
    if h5py.check_vlen_dtype(dt) is not None:
        return VLEN
    if h5py.check_ref_dtype(dt) is not None:
        return REFERENCE
    if dt.kind == "b":
        return BOOL
    if h5py.check_enum_dtype(dt) is not None:
        return ENUM
    if dt.names is not None:
        return COMPOUND
    if dt.subdtype is not None:
        return ARRAY
    if dt.kind == "c":
        return COMPLEX
    if dt.kind in "iuf":
        return NUMERIC
    return OPAQUE


def _missing_filter(ds: h5py.Dataset, path: str) -> str:
    """The message for a filter the data needs and that is not available, or ``''``."""
    try:
        filters = nodes.filter_infos(ds.id.get_create_plist())
    except Exception:  # pragma: no cover - defensive
        return ""
    for i, fi in enumerate(filters):
        if not fi.available and filter_applied(ds.id, i, fi):
            named = f" ({fi.name})" if fi.name and fi.name != f"filter {fi.code}" else ""
            return f"cannot decompress {path}: filter {fi.code}{named} not available"
    return ""


def check_filters(ds: h5py.Dataset, path: str) -> None:
    message = _missing_filter(ds, path)
    if message:
        raise FilterUnavailableError(message)


def read_selection(ds: Any, sel: Any, path: str) -> Any:
    """``ds[sel]`` with h5py's errors turned into one-line :class:`H5GuiError`\\ s."""
    try:
        return ds[sel]
    except (OSError, RuntimeError, TypeError) as exc:
        reason = messages.hdf5_reason(str(exc))
        if "filter" in reason.lower():
            raise FilterUnavailableError(f"cannot decompress {path}: {reason}") from exc
        raise UnreadableError(f"cannot read {path}: {reason}") from exc


def _all_fill(ds: h5py.Dataset) -> bool:
    """Nothing stored (chunked or contiguous data never written): every value is the fill value."""
    try:
        dcpl = ds.id.get_create_plist()
        if dcpl.get_layout() not in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS) or dcpl.get_external_count():
            return False
        return ds.id.get_storage_size() == 0
    except Exception:  # pragma: no cover - defensive
        return False


def _size(shape: tuple[int, ...] | None) -> int:
    if shape is None:
        return 0
    return int(np.prod(shape, dtype=np.float64)) if shape else 1


def base_dtype(dt: np.dtype) -> np.dtype:
    """Enum -> its integer type without metadata; anything else unchanged."""
    if h5py.check_enum_dtype(dt) is not None and dt.kind in "iu":
        return np.dtype(dt.str)
    return dt


def _decode_str(value: Any) -> str:
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def attr_text(attrs: h5py.AttributeManager, name: str) -> str:
    try:
        if name not in attrs:
            return ""
        value = attrs[name]
    except Exception:
        return ""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return ""
        value = value.reshape(-1)[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes | str):
        return _decode_str(value).strip().strip("\x00").upper()
    return ""


def _normalize_axis(axis: int, rank: int, path: str, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise BadRequestError(f"{what} {axis} out of range for {path} (rank {rank})")
    return axis % rank


def _full_index(index: Sequence[int], shape: tuple[int, ...], free: Sequence[int], path: str) -> list[int]:
    """One index per axis: ``index`` padded with zeros, checked on the fixed (non-``free``) axes."""
    out = [int(i) for i in index][: len(shape)]
    out += [0] * (len(shape) - len(out))
    for axis, n in enumerate(shape):
        if axis in free:
            continue
        i = out[axis]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise BadRequestError(f"index {out[axis]} out of range for axis {axis} of {path} (size {n})")
        out[axis] = i
    return out


# ---------------------------------------------------------------------------------------------
# preview_info


def _image_axes(
    shape: tuple[int, ...], kind: str, interlace: str, subclass: str
) -> tuple[tuple[int, int, int | None] | None, bool]:
    """Default (rows, cols, channel) axes of the image view and whether that image is colour."""
    rank = len(shape)
    if kind not in IMAGE_KINDS or rank < 2:
        return None, False
    colour = kind != BOOL
    if rank == 2:
        return (0, 1, None), False
    if rank == 3 and interlace == "INTERLACE_PLANE":
        return (1, 2, 0), colour and shape[0] in (3, 4)
    if rank == 3 and (interlace == "INTERLACE_PIXEL" or subclass == "IMAGE_TRUECOLOR"):
        return (0, 1, 2), colour and shape[2] in (3, 4)
    last = shape[-1]
    if subclass in ("IMAGE_GRAYSCALE", "IMAGE_BITMAP", "IMAGE_INDEXED") and last != 1:
        # a stack of grey images, however many of them: never read as colour channels
        return (rank - 2, rank - 1, None), False
    if rank == 3:
        if last in (3, 4):
            return (0, 1, 2), colour
        if shape[0] in (3, 4) and shape[1] > 4 and shape[2] > 4:
            return (1, 2, 0), colour
        if last == 1:
            return (0, 1, 2), False
        return (1, 2, None), False
    if last in (1, 3, 4):
        return (rank - 3, rank - 2, rank - 1), colour and last != 1
    if shape[-3] in (3, 4) and shape[-2] > 4 and shape[-1] > 4:
        return (rank - 2, rank - 1, rank - 3), colour
    return (rank - 2, rank - 1, None), False


def _default_axes(
    ds: h5py.Dataset, shape: tuple[int, ...], kind: str
) -> tuple[tuple[int, int, int | None] | None, bool, str]:
    """Default image axes, colour, and the image class named by the HDF5 image attributes."""
    interlace = subclass = image_class = ""
    if kind in IMAGE_KINDS and len(shape) >= 2:
        image_class = attr_text(ds.attrs, "CLASS")
        if image_class == "IMAGE":
            interlace = attr_text(ds.attrs, "INTERLACE_MODE")
            subclass = attr_text(ds.attrs, "IMAGE_SUBCLASS")
    axes, rgb = _image_axes(shape, kind, interlace, subclass)
    return axes, rgb, subclass or image_class


def _default_table_axes(
    shape: tuple[int, ...], fields: tuple[str, ...], image_axes: tuple[int, int, int | None] | None
) -> tuple[int, int] | None:
    rank = len(shape)
    if rank < 2 or fields:
        return None
    return (image_axes[0], image_axes[1]) if image_axes else (rank - 2, rank - 1)


def _element_bytes(ds: h5py.Dataset, kind: str, dt: np.dtype, flat: int, path: str, limit: int) -> bytes | None:
    """The raw bytes of element number ``flat`` of a bytes-holding dataset (None when too big)."""
    shape = ds.shape
    where: tuple[Any, ...] = tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
    if kind == NUMERIC:  # a 1-D uint8/int8 array is one blob
        if _size(shape) > limit:
            return None
        return np.ascontiguousarray(read_selection(ds, (), path)).tobytes()
    if kind in (OPAQUE,) or (kind == STRING and dt.kind == "S"):
        if dt.itemsize > limit:
            return None
        if not shape:
            value = read_selection(ds, (), path)
            if isinstance(value, np.ndarray | np.void):
                return np.asarray(value).tobytes()
            return bytes(value).ljust(dt.itemsize, b"\x00")
        sel = where[:-1] + (slice(where[-1], where[-1] + 1),)
        return np.ascontiguousarray(read_selection(ds, sel, path)).tobytes()  # full itemsize, NULs kept
    value = read_selection(ds, where if shape else (), path)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":  # pragma: no cover - defensive
            return None
        return value.tobytes()
    if isinstance(value, bytes | np.bytes_):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return None


def _is_bytes_like(kind: str, dt: np.dtype, shape: tuple[int, ...]) -> bool:
    if kind == NUMERIC:
        return dt.kind in "iu" and dt.itemsize == 1 and len(shape) == 1 and shape[0] >= 8
    if kind == OPAQUE:
        return dt.itemsize >= 8
    if kind == VLEN:
        base = h5py.check_vlen_dtype(dt)
        return base is not None and np.dtype(base).kind in "iu" and np.dtype(base).itemsize == 1
    if kind == STRING:
        info = h5py.check_string_dtype(dt)
        return info is not None and (dt.kind != "S" or dt.itemsize >= 8)
    return False


def _sniff(ds: h5py.Dataset, kind: str, dt: np.dtype, path: str) -> tuple[str, int]:
    shape = ds.shape
    if not _is_bytes_like(kind, dt, shape):
        return "", 0
    if kind == NUMERIC:
        head = read_selection(ds, slice(0, imaging.SNIFF_BYTES), path)
        fmt = imaging.sniff_format(np.asarray(head).view(np.uint8))
        return fmt, 1 if fmt else 0
    data = _element_bytes(ds, kind, dt, 0, path, SNIFF_READ_BYTES)
    if not data:
        return "", 0
    fmt = imaging.sniff_format(data)
    return fmt, (_size(shape) if fmt else 0)


def preview_info(file: str, path: str, *, allow_external: bool = False) -> PreviewInfo:
    """Which views apply to the dataset at ``path`` and their defaults. Reads at most a few bytes
    (image signatures) and the value of a scalar.

    Problems with the data itself (a filter that is not installed, an unmappable datatype, a failed
    read) are reported in ``error`` with ``views == ()``, not raised.

    Raises
    ------
    FileAccessError, NodeNotFoundError, DanglingLinkError, ExternalLinkError
        The file or the path cannot be opened.
    BadRequestError
        ``path`` is not a dataset.
    UnsafeAccessError
        The data lives outside the file's folder (external storage, virtual sources) and
        ``allow_external`` is False.
    """
    file = str(file)
    with _dataset(file, path, allow_external) as (ds, path):
        shape = ds.shape
        chunks = ds.chunks
        try:
            dt = dataset_dtype(ds, path)
        except UnreadableError as exc:
            cls = h5t_class_name(ds.id.get_type())
            return PreviewInfo(
                file, path, shape, "", f"unsupported datatype ({cls})", UNREADABLE, (), None, False, chunks,
                None, False, error=str(exc),
            )
        common: dict[str, Any] = {
            "file": file, "path": path, "shape": shape, "dtype": dt.str, "dtype_text": describe_dtype(dt),
            "chunks": chunks,
        }
        kind = kind_of(dt)
        fields = tuple(dt.names) if dt.names is not None else ()
        plot_fields = tuple(
            n for n in fields if dt.fields[n][0].kind in "iufb" and dt.fields[n][0].subdtype is None
        )
        common["fields"] = fields
        common["plot_fields"] = plot_fields
        if shape is None or _size(shape) == 0:
            return PreviewInfo(
                kind=EMPTY, views=(), image_axes=None, rgb=False, fill_value=None, all_fill=False, **common
            )
        all_fill = _all_fill(ds)
        fill_value: float | None = None
        if kind in (NUMERIC, BOOL, ENUM):
            with contextlib.suppress(Exception):
                fill_value = float(np.asarray(ds.fillvalue).astype(np.float64))
        common.update(fill_value=fill_value, all_fill=all_fill)
        rank = len(shape)
        image_axes, rgb, image_class = _default_axes(ds, shape, kind)
        table_axes = _default_table_axes(shape, fields, image_axes)
        common.update(image_axes=image_axes, rgb=rgb, table_axes=table_axes, image_class=image_class)
        error = _missing_filter(ds, path) if not all_fill else ""
        if error:
            return PreviewInfo(kind=kind, views=(), error=error, **common)
        views = views_for(kind, shape, plot_fields)
        try:
            fmt, count = ("", 0) if all_fill else _sniff(ds, kind, dt, path)
            if fmt:
                kind = ENCODED
                views = ("encoded",) + tuple(v for v in views if v != "text") + (
                    ("text",) if rank == 0 else ()
                )
            text = None
            if rank == 0 and not fmt and dt.itemsize <= MAX_TEXT_READ_BYTES:
                text = _text(ds, dt, path, (), INFO_TEXT_CHARS)
        except (UnreadableError, FilterUnavailableError) as exc:
            return PreviewInfo(kind=kind, views=(), error=str(exc), **common)
        return PreviewInfo(
            kind=kind, views=views, encoded_format=fmt, encoded_count=count, text=text, **common
        )


def views_for(kind: str, shape: tuple[int, ...], plot_fields: tuple[str, ...]) -> tuple[str, ...]:
    rank = len(shape)
    if rank == 0:
        return ("text", "table")
    if kind in (NUMERIC, BOOL, COMPLEX):
        if rank == 1:
            return ("plot", "table")
        if rank == 2 and min(shape) == 1:
            return ("plot", "image", "table")
        return ("image", "table", "plot")
    if kind == ENUM:
        return ("table", "plot") if rank == 1 else ("table", "image", "plot")
    if kind == COMPOUND:
        return ("table", "plot") if plot_fields else ("table",)
    if kind == STRING:
        return ("text", "table") if _size(shape) == 1 else ("table", "text")
    return ("table", "text")


# ---------------------------------------------------------------------------------------------
# image


def _touched(start: int, length: int, step: int, chunk: int | None) -> int:
    """Distinct chunks along one axis that a read of ``length`` values from ``start`` with ``step`` touches."""
    n = -(-length // step)
    if chunk is None or n <= 0:
        return 1
    if step >= chunk:
        return n
    last = start + (n - 1) * step
    return last // chunk - start // chunk + 1


def choose_step(
    r0: int, rows: int, c0: int, cols: int, chunks: tuple[int | None, int | None] | None, other_chunks: int,
    max_pixels: int, max_chunks: int,
) -> tuple[int, bool]:
    """The smallest stride whose read stays within both budgets, and whether the chunk budget decided it."""
    max_pixels = max(1, int(max_pixels))
    max_chunks = max(1, int(max_chunks))

    def pixels_ok(s: int) -> bool:
        return -(-rows // s) * -(-cols // s) <= max_pixels

    def chunks_ok(s: int) -> bool:
        if chunks is None:
            return True
        return _touched(r0, rows, s, chunks[0]) * _touched(c0, cols, s, chunks[1]) * other_chunks <= max_chunks

    s = max(1, math.ceil(math.sqrt(rows * cols / max_pixels)))
    while s > 1 and pixels_ok(s - 1):
        s -= 1
    while not pixels_ok(s):
        s += 1
    if chunks_ok(s):
        return s, False
    lo, hi = s, max(rows, cols, s)
    if not chunks_ok(hi):
        return hi, True
    while hi - lo > 1:  # chunks_ok(hi) holds throughout
        mid = (lo + hi) // 2
        if chunks_ok(mid):
            hi = mid
        else:
            lo = mid
    return hi, True


def _image_dtype(dt: np.dtype, kind: str) -> np.dtype:
    if kind == COMPLEX or dt.kind == "f":
        return np.dtype(np.float32)
    if kind == BOOL:
        return np.dtype(np.uint8)
    return base_dtype(dt).newbyteorder("=")


def _to_image(piece: np.ndarray, kind: str, mode: str) -> np.ndarray:
    if kind == COMPLEX:
        if mode == "abs":
            return np.abs(piece)
        if mode == "phase":
            return np.angle(piece)
        if mode == "real":
            return piece.real
        return piece.imag
    return piece


def image_stats(
    data: np.ndarray, rgb: bool, percentiles: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(levels, minmax, nonfinite) of an image array; levels from at most ~1M finite values."""
    values = data[..., :3] if rgb and data.ndim == 3 and data.shape[-1] == 4 else data
    flat = values.reshape(-1)
    nonfinite = 0
    if flat.dtype.kind == "f":
        finite = np.isfinite(flat)
        nonfinite = int(flat.size - np.count_nonzero(finite))
        if nonfinite:
            flat = flat[finite]
    if flat.size == 0:
        return (0.0, 1.0), (math.nan, math.nan), nonfinite
    lo_v, hi_v = float(flat.min()), float(flat.max())
    if rgb and data.dtype == np.uint8:
        return (0.0, 255.0), (lo_v, hi_v), nonfinite
    sample = flat
    if flat.size > LEVEL_SAMPLES:  # an evenly strided sample (a random one costs 20 ms more per 4 Mpx)
        k = -(-flat.size // LEVEL_SAMPLES)
        sample = flat[k // 2 :: k]
    p0, p1 = percentiles
    lo, hi = (float(v) for v in np.percentile(sample, [p0, p1]))
    if not hi > lo:
        lo, hi = (lo_v, hi_v) if hi_v > lo_v else (lo_v, lo_v + 1.0)
    return (lo, hi), (lo_v, hi_v), nonfinite


def read_image_job(
    file: str, path: str, request: ImageRequest, *, allow_external: bool = False
) -> Job[ImageSlice]:
    """Read one 2-D plane (or a region of it) for the image view, strided to fit the budgets.

    Yields :class:`Progress` (rows of the result) between pieces of a few MiB and returns an
    :class:`ImageSlice` (channels last, whatever the dataset's order).

    Raises
    ------
    BadRequestError
        Bad axes, index, region or mode, or a datatype that is not shown as an image.
    FilterUnavailableError, UnreadableError, UnsafeAccessError
        The data cannot (or may not) be read.
    """
    file = str(file)
    if request.complex_mode not in COMPLEX_MODES:
        raise BadRequestError(f"unknown complex mode {request.complex_mode!r} (one of {', '.join(COMPLEX_MODES)})")
    p0, p1 = request.percentiles
    if not 0 <= p0 <= p1 <= 100:
        raise BadRequestError(f"bad percentiles {request.percentiles}: need 0 <= low <= high <= 100")
    with _dataset(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if kind not in IMAGE_KINDS:
            raise BadRequestError(f"cannot show {path} as an image: {describe_dtype(dt)} values")
        if shape is None or len(shape) < 2:
            raise BadRequestError(f"cannot show {path} as an image: it has {len(shape or ())} dimension(s)")
        if _size(shape) == 0:
            raise BadRequestError(f"cannot show {path} as an image: it has no elements (shape {shape})")
        rank = len(shape)
        rows_ax = _normalize_axis(request.axes[0], rank, path)
        cols_ax = _normalize_axis(request.axes[1], rank, path)
        ch_ax = None if request.axes[2] is None else _normalize_axis(request.axes[2], rank, path)
        used = [a for a in (rows_ax, cols_ax, ch_ax) if a is not None]
        if len(set(used)) != len(used):
            raise BadRequestError(f"image axes {request.axes} of {path} must be different axes")
        n_ch = shape[ch_ax] if ch_ax is not None else 0
        read_all_channels = n_ch in (3, 4)
        free = [rows_ax, cols_ax] + ([ch_ax] if read_all_channels and ch_ax is not None else [])
        index = _full_index(request.index, shape, free, path)
        H, W = shape[rows_ax], shape[cols_ax]
        r0, r1, c0, c1 = (0, H, 0, W) if request.region is None else (int(v) for v in request.region)
        r0, r1 = max(0, min(r0, H)), max(0, min(r1, H))
        c0, c1 = max(0, min(c0, W)), max(0, min(c1, W))
        if r1 <= r0 or c1 <= c0:
            raise BadRequestError(f"empty region {request.region} of {path} (image of {H} x {W})")
        rgb = read_all_channels and kind != BOOL
        all_fill = _all_fill(ds)
        if not all_fill:
            check_filters(ds, path)
        chunks = ds.chunks
        chunk_rc = None
        other = 1
        if chunks is not None and not all_fill:
            chunk_rc = (chunks[rows_ax], chunks[cols_ax])
            if read_all_channels and ch_ax is not None:
                other = _touched(0, n_ch, 1, chunks[ch_ax])
        step, by_chunks = choose_step(
            r0, r1 - r0, c0, c1 - c0, chunk_rc, other, request.max_pixels, request.max_chunks
        )
        out_h, out_w = -(-(r1 - r0) // step), -(-(c1 - c0) // step)
        out_shape: tuple[int, ...] = (out_h, out_w) + ((n_ch,) if read_all_channels else ())
        out_dtype = _image_dtype(dt, kind)
        notes = []
        if step > 1:
            notes.append(f"downsampled 1:{step}" + (" (chunk budget)" if by_chunks else ""))
        if ch_ax is not None and not read_all_channels and n_ch > 1:
            notes.append(f"channel {index[ch_ax]} of {n_ch}")
        if all_fill:
            notes.append("nothing stored: all fill value")
            fv = np.asarray(ds.fillvalue)
            fv = _to_image(fv.astype(base_dtype(dt)) if kind == ENUM else fv, kind, request.complex_mode)
            data = np.full(out_shape, fv, dtype=out_dtype)
        else:
            data = np.empty(out_shape, dtype=out_dtype)
            row_bytes = max(1, out_w * max(1, n_ch if read_all_channels else 1) * max(dt.itemsize, 1))
            per_piece = max(1, IMAGE_PIECE_BYTES // row_bytes)
            chunk_rows = chunks[rows_ax] if chunks is not None else None
            # axes kept in the read, in dataset order, and where rows/cols/channel sit among them
            kept = sorted(free)
            perm = [kept.index(rows_ax), kept.index(cols_ax)] + (
                [kept.index(ch_ax)] if read_all_channels and ch_ax is not None else []
            )
            i = 0
            while i < out_h:
                j = min(out_h, i + per_piece)
                if chunk_rows and step >= chunk_rows:
                    # one sampled row per read: HDF5 handles a strided selection spanning many chunks
                    # in both directions far slower (0.22 s vs 0.02 s for 64 x 64 samples, one per chunk)
                    j = i + 1
                elif chunk_rows and j < out_h:
                    boundary = -(-(r0 + j * step) // chunk_rows) * chunk_rows  # end the piece on a chunk edge
                    j = min(out_h, max(j, -(-(boundary - r0) // step)))
                sel: list[Any] = []
                for axis in range(rank):
                    if axis == rows_ax:
                        sel.append(slice(r0 + i * step, r0 + (j - 1) * step + 1, step))
                    elif axis == cols_ax:
                        sel.append(slice(c0, c1, step))
                    elif axis == ch_ax and read_all_channels:
                        sel.append(slice(None))
                    else:
                        sel.append(index[axis])
                piece = np.asarray(read_selection(ds, tuple(sel), path))
                piece = np.transpose(piece, perm)
                data[i:j] = _to_image(piece, kind, request.complex_mode)
                i = j
                yield Progress(i, out_h, "rows", "reading image")
        levels, minmax, nonfinite = image_stats(data, rgb, (p0, p1))
        if all_fill and levels[1] <= levels[0]:  # pragma: no cover - image_stats already widens
            levels = (levels[0], levels[0] + 1.0)
        return ImageSlice(
            data=data, step=(step, step), region=(r0, r1, c0, c1), full_shape=(H, W), levels=levels,
            minmax=minmax, nonfinite=nonfinite, rgb=rgb, all_fill=all_fill, note="; ".join(notes),
        )


def read_image(file: str, path: str, request: ImageRequest, *, allow_external: bool = False) -> ImageSlice:
    """:func:`read_image_job` run to completion."""
    result: ImageSlice = run(read_image_job(file, path, request, allow_external=allow_external))
    return result


# ---------------------------------------------------------------------------------------------
# encoded images


def read_encoded(
    file: str, path: str, *, index: int | Sequence[int] = 0, allow_external: bool = False,
    max_pixels: int | None = None,
) -> tuple[ImageSlice, str]:
    """Decode the encoded picture held by a dataset: a 1-D uint8 array, an opaque scalar, or element
    ``index`` (flat number, or one index per axis) of a vlen-uint8 / bytes / opaque dataset.

    Returns the picture as an :class:`ImageSlice` (full resolution) and a description such as
    ``'PNG 640x480 RGB'``.

    Raises
    ------
    BadRequestError
        The dataset holds no bytes, or ``index`` is out of range.
    UnreadableError
        Not a known image format, too big (decompression bomb), truncated or corrupt.
    """
    file = str(file)
    with _dataset(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if shape is None or _size(shape) == 0 or not _is_bytes_like(kind, dt, shape):
            raise BadRequestError(f"{path} does not hold encoded image bytes ({describe_dtype(dt)})")
        size = _size(shape)
        if isinstance(index, int | np.integer):
            flat = int(index)
        else:
            flat = int(np.ravel_multi_index(tuple(int(i) for i in index), shape)) if shape else 0
        if kind == NUMERIC:
            flat = 0
        elif not 0 <= flat < size:
            raise BadRequestError(f"element {index} out of range for {path} ({size:,} elements)")
        check_filters(ds, path)
        data = _element_bytes(ds, kind, dt, flat, path, MAX_ENCODED_BYTES)
        if data is None:
            raise UnreadableError(f"cannot decode {path}: more than {format_bytes(MAX_ENCODED_BYTES)} of data")
    name = path if size == 1 or kind == NUMERIC else f"{path}[{flat}]"
    array, info = imaging.decode_image(data, max_pixels, name=name)
    rgb = array.ndim == 3
    levels, minmax, nonfinite = image_stats(array, rgb, (0.5, 99.5))
    if array.dtype == np.uint8:
        levels = (0.0, 255.0)
    h, w = array.shape[:2]
    description = info.description
    if size > 1 and kind != NUMERIC:
        description += f" (image {flat + 1:,} of {size:,})"
    note = f"{info.frames} frames, showing the first" if info.frames > 1 else ""
    result = ImageSlice(
        data=array, step=(1, 1), region=(0, h, 0, w), full_shape=(h, w), levels=levels, minmax=minmax,
        nonfinite=nonfinite, rgb=rgb, note=note,
    )
    return result, description


# ---------------------------------------------------------------------------------------------
# table


def _table_layout(
    shape: tuple[int, ...] | None, has_fields: bool, n_fields: int, default_axes: tuple[int, int] | None,
    axes: tuple[int, int] | None, path: str,
) -> tuple[int, int, int | None, int | None]:
    """(n_rows, n_cols, row axis, col axis) of the 2-D table of a dataset (axes None where absent)."""
    if shape is None:
        return 0, 0, None, None
    rank = len(shape)
    if rank == 0:
        return 1, (n_fields if has_fields else 1), None, None
    if has_fields:
        row = _normalize_axis(axes[0], rank, path) if axes else 0
        return shape[row], n_fields, row, None
    if rank == 1:
        return shape[0], 1, 0, None
    ra, ca = axes if axes is not None else (default_axes or (rank - 2, rank - 1))
    ra, ca = _normalize_axis(ra, rank, path), _normalize_axis(ca, rank, path)
    if ra == ca:
        raise BadRequestError(f"table axes {axes} of {path} must be different axes")
    return shape[ra], shape[ca], ra, ca


def table_shape(info: PreviewInfo, axes: tuple[int, int] | None = None, index: tuple[int, ...] = ()) -> tuple[int, int]:
    """(rows, cols) of the table view of ``info``'s dataset (pure; ``index`` does not change it).

    1-D: one column (one per field for compound data); 2-D: rows x cols; N-D: ``axes`` (default
    ``info.table_axes``); compound N-D: rows along ``axes[0]`` (default 0), one column per field;
    scalar: 1 x 1 (or 1 x fields).
    """
    if info.kind in (EMPTY, UNREADABLE) or info.shape is None or info.size == 0:
        return 0, 0
    n_rows, n_cols, _, _ = _table_layout(
        info.shape, bool(info.fields), len(info.fields), info.table_axes, axes, info.path
    )
    return n_rows, n_cols


def _hex_preview(data: bytes, limit: int = 24) -> str:
    fmt = imaging.sniff_format(data)
    if fmt:
        return f"{fmt} image ({len(data):,} bytes)"
    text = data[:limit].hex(" ")
    if len(data) > limit:
        text += f" ... ({len(data):,} bytes)"
    return text


def _bytes_text(value: Any, clip: Callable[[str], str]) -> str:
    """A string element as text; bytes holding a picture as ``'PNG image (1,234 bytes)'``."""
    if isinstance(value, bytes | np.bytes_):
        fmt = imaging.sniff_format(bytes(value[: imaging.SNIFF_BYTES]))
        if fmt:
            return f"{fmt} image ({len(value):,} bytes)"
    return clip(_decode_str(value))


def _clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _fmt_float(v: float) -> str:
    """``%.6g``, with ``.0`` kept on whole numbers like ``repr`` (``1.0``, not ``1``)."""
    text = f"{v:.6g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def _fmt_complex(v: complex) -> str:
    return f"{_fmt_float(v.real)}{'+' if v.imag >= 0 or math.isnan(v.imag) else '-'}{_fmt_float(abs(v.imag))}j"


def _array_text(a: np.ndarray) -> str:
    if a.dtype.kind in "iu" and a.dtype.itemsize == 1 and a.ndim == 1:
        fmt = imaging.sniff_format(a.view(np.uint8))
        if fmt:
            return f"{fmt} image ({a.size:,} bytes)"
    if a.dtype.kind in "SO":
        a = np.array([_decode_str(v) if isinstance(v, bytes) else v for v in a.reshape(-1)], dtype=object).reshape(
            a.shape
        )
    with np.printoptions(threshold=32, edgeitems=3, linewidth=100_000, precision=6):
        return " ".join(np.array2string(a, separator=", ").split())


def _formatter(dt: np.dtype, ds: h5py.Dataset, *, cell: bool = True) -> Callable[[Any], str]:
    """A function that turns one element of type ``dt`` (as h5py returns it) into text."""
    clip = _clip if cell else (lambda t: t)
    ref = h5py.check_ref_dtype(dt)
    if ref is not None:
        def fmt_ref(v: Any) -> str:
            if not v:
                return "(null reference)"
            try:
                name = _decode_str(h5py.h5r.get_name(v, ds.id))
            except Exception:
                return "(unresolvable reference)"
            if isinstance(v, h5py.RegionReference):
                try:
                    sel = h5py.h5r.get_region(v, ds.id)
                    lo, hi = sel.get_select_bounds()
                    bounds = ", ".join(f"{a}:{b + 1}" for a, b in zip(lo, hi, strict=True))
                    return f"{name}[{bounds}] (region)"
                except Exception:
                    return f"{name} (region)"
            return name

        return fmt_ref
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None:
        return lambda v: _bytes_text(v, clip)
    enum = h5py.check_enum_dtype(dt)
    if enum is not None and dt.kind != "b":
        by_value = {int(v): k for k, v in enum.items()}
        return lambda v: by_value.get(int(v), str(int(v)))
    if dt.names is not None:
        subs = [(n, _formatter(dt.fields[n][0], ds, cell=cell)) for n in dt.names]
        return lambda v: clip("{" + ", ".join(f"{n}: {f(v[n])}" for n, f in subs) + "}")
    if h5py.check_vlen_dtype(dt) is not None or dt.subdtype is not None:
        return lambda v: clip(_array_text(np.asarray(v)))
    if dt.kind == "b":
        return lambda v: "True" if v else "False"
    if dt.kind in "iu":
        return lambda v: str(int(v))
    if dt.kind == "f":
        return lambda v: _fmt_float(float(v))
    if dt.kind == "c":
        return lambda v: _fmt_complex(complex(v))
    if dt.kind == "V":
        return lambda v: _hex_preview(np.asarray(v).tobytes())
    if dt.kind == "S":
        return lambda v: clip(_decode_str(v))
    return lambda v: clip(str(v))


def _format_column(values: np.ndarray, dt: np.dtype, ds: h5py.Dataset) -> list[str]:
    """Texts of a 1-D array of elements of type ``dt`` (fast paths for plain numbers)."""
    if values.size == 0:
        return []
    if h5py.check_enum_dtype(dt) is None and dt.names is None and dt.subdtype is None:
        if dt.kind in "iu":
            return [str(v) for v in values.tolist()]
        if dt.kind == "f":
            return [_fmt_float(v) for v in values.astype(np.float64).tolist()]
        if dt.kind == "b":
            return ["True" if v else "False" for v in values.tolist()]
    f = _formatter(dt, ds)
    if dt.kind == "V" and dt.names is None and dt.subdtype is None:
        return [f(values[i : i + 1]) for i in range(values.shape[0])]
    return [f(v) for v in values]


def read_table(
    file: str, path: str, row0: int, nrows: int, col0: int, ncols: int, *,
    axes: tuple[int, int] | None = None, index: tuple[int, ...] = (), allow_external: bool = False,
) -> TableBlock:
    """A block of the table view: rows ``row0 .. row0+nrows`` and columns ``col0 .. col0+ncols``
    (clipped to the table), formatted as text.

    1-D: one column (or one per compound field); 2-D: rows x cols; N-D: ``axes`` = (row axis, col
    axis), the other axes fixed by ``index`` (one entry per dataset axis); scalar: 1 x 1.
    Strings are decoded (utf-8, invalid bytes replaced), enums shown by name, object references as
    the target's path, region references as ``/path[r0:r1, c0:c1] (region)``, opaque bytes in hex,
    floats with ``%.6g``.

    Raises
    ------
    BadRequestError
        A block of more than :data:`MAX_TABLE_CELLS` cells (or :data:`MAX_TABLE_BYTES`), bad axes.
    """
    file = str(file)
    if nrows < 0 or ncols < 0 or row0 < 0 or col0 < 0:
        raise BadRequestError(f"bad table block ({row0}, {nrows}, {col0}, {ncols}) of {path}")
    with _dataset(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        shape = ds.shape
        fields = tuple(dt.names) if dt.names is not None else ()
        default_axes = None
        if shape and len(shape) >= 2 and not fields:
            default_axes = _default_table_axes(shape, fields, _default_axes(ds, shape, kind_of(dt))[0])
        n_rows, n_cols, ra, ca = _table_layout(shape, bool(fields), len(fields), default_axes, axes, path)
        if shape is None or _size(shape) == 0:
            return TableBlock(row0, col0, (), (), 0, 0)
        nrows = max(0, min(nrows, n_rows - row0))
        ncols = max(0, min(ncols, n_cols - col0))
        if nrows * ncols > MAX_TABLE_CELLS:
            raise BadRequestError(
                f"table block of {nrows:,} x {ncols:,} cells of {path} is too large (at most {MAX_TABLE_CELLS:,})"
            )
        columns: tuple[str, ...]
        if fields:
            columns = fields[col0 : col0 + ncols]
            cell_bytes = sum(dt.fields[n][0].itemsize for n in columns)
            block_bytes = nrows * cell_bytes
        else:
            columns = ("value",) if len(shape) <= 1 else tuple(str(c) for c in range(col0, col0 + ncols))
            block_bytes = nrows * ncols * dt.itemsize
        if block_bytes > MAX_TABLE_BYTES:
            raise BadRequestError(
                f"table block of {path} would read {format_bytes(block_bytes)} (at most {format_bytes(MAX_TABLE_BYTES)})"
            )
        if nrows == 0 or ncols == 0:
            return TableBlock(row0, col0, (), columns, n_rows, n_cols)
        check_filters(ds, path)
        free = [a for a in (ra, ca) if a is not None]
        idx = _full_index(index, shape, free, path)
        sel: tuple[Any, ...] = ()
        if shape:
            parts: list[Any] = []
            for axis in range(len(shape)):
                if axis == ra:
                    parts.append(slice(row0, row0 + nrows))
                elif axis == ca:
                    parts.append(slice(col0, col0 + ncols))
                else:
                    parts.append(idx[axis])
            sel = tuple(parts)
        if not shape and not fields:
            value = read_selection(ds, (), path)
            if dt.kind == "V" and dt.names is None:
                value = np.asarray(value)
            return TableBlock(row0, col0, ((_formatter(dt, ds)(value),),), columns, n_rows, n_cols)
        if fields:
            raw = np.asarray(read_selection(ds.fields(list(columns)), sel, path)).reshape(-1)
            cols = [_format_column(raw[name], dt.fields[name][0], ds) for name in columns]
            cells = tuple(zip(*cols, strict=True))
        else:
            raw = np.asarray(read_selection(ds, sel, path))
            if len(shape) == 1:
                raw = raw.reshape(-1, 1) if dt.subdtype is None else raw.reshape((-1, 1) + dt.subdtype[1])
            elif ra is not None and ca is not None and ra > ca:
                raw = np.swapaxes(raw, 0, 1)
            n_r, n_c = raw.shape[0], raw.shape[1]
            if dt.subdtype is None:
                flat = _format_column(raw.reshape(-1), dt, ds)
            else:
                flat = _format_column(raw.reshape((-1,) + dt.subdtype[1]), dt, ds)
            cells = tuple(tuple(flat[r * n_c : (r + 1) * n_c]) for r in range(n_r))
        return TableBlock(row0, col0, cells, columns, n_rows, n_cols)


# ---------------------------------------------------------------------------------------------
# plot


def _plot_index(index: Sequence[int], shape: tuple[int, ...], axis: int, path: str) -> list[int]:
    """One index per axis from either a full index (one per axis) or one per *other* axis."""
    rank = len(shape)
    index = [int(i) for i in index]
    if len(index) == rank - 1 and rank > 1:
        index = index[:axis] + [0] + index[axis:]
    return _full_index(index, shape, [axis], path)


def _plot_grid(
    shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int, axis: int, start: int, stop: int
) -> tuple[int, int, int, int]:
    """How a line along ``axis`` is cut into blocks that reads touch whole, and what reading it costs.

    Returns ``(origin, length, block_bytes, exact_bytes)``: block ``j`` holds the positions from
    ``origin + j * length`` to ``origin + (j + 1) * length``, reading (any of) it touches
    ``block_bytes``, and reading every value from ``start`` to ``stop`` touches ``exact_bytes``.
    Chunked data: the blocks are the chunks along the axis, each counted whole (HDF5 reads and
    decompresses a touched chunk whole). Contiguous data: values ``stride`` bytes apart cost
    ``stride`` bytes each, at most a sieve buffer; a block holds about :data:`PLOT_BLOCK_BYTES` (at
    most an eighth of the budget), or a single value when every value costs a read of its own.
    """
    if chunks is not None:
        c = chunks[axis]
        cb = math.prod(chunks) * itemsize
        return 0, c, cb, ((stop - 1) // c - start // c + 1) * cb
    stride = math.prod(shape[axis + 1 :]) * itemsize
    per = itemsize if stride == itemsize else max(itemsize, min(stride, SIEVE_BYTES))
    exact = (stop - start) * per
    if stride > itemsize and per >= PAGE_BYTES:
        return start, 1, max(per, SIEVE_BYTES), exact
    length = max(1, min(PLOT_BLOCK_BYTES, MAX_PLOT_BYTES // 8) // per)  # at least 8 blocks in the budget
    return start, length, length * per, exact


def _minmax_pairs(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The minimum and the maximum of each row of ``y`` (NaN ignored; NaN for a row of NaN), each
    pair in the order of its positions: ``(first column, second column, (rows, 2) values)``."""
    nan = np.isnan(y)
    if nan.any():
        amin = np.where(nan, np.inf, y).argmin(axis=1)
        amax = np.where(nan, -np.inf, y).argmax(axis=1)
    else:
        amin, amax = y.argmin(axis=1), y.argmax(axis=1)
    rows = np.arange(y.shape[0])
    first, second = np.minimum(amin, amax), np.maximum(amin, amax)
    return first, second, np.stack([y[rows, first], y[rows, second]], 1)


def _block_envelope(
    y: np.ndarray, x: np.ndarray | None, starts: np.ndarray, b: int
) -> tuple[np.ndarray, np.ndarray]:
    """``y`` (and ``x``, or the positions ``starts[i] + column`` when None): ``(blocks, values)``.
    Per block, the min/max pairs of buckets of ``b`` values (the last bucket of a block may be
    shorter; no bucket spans two blocks), flattened in order; every value when ``b`` is 1."""
    g, length = y.shape
    if b <= 1:
        if x is None:
            x = starts[:, None] + np.arange(length, dtype=np.float64)
        return x.reshape(-1), y.reshape(-1)
    full = length // b
    xs, ys = [], []
    for c0, c1, per in ((0, full * b, full), (full * b, length, 1)):
        if c1 <= c0 or per == 0:
            continue
        first, second, values = _minmax_pairs(y[:, c0:c1].reshape(g * per, -1))
        rows = np.arange(g * per)
        if x is None:
            base = starts[rows // per] + c0 + (rows % per) * b
            px = np.stack([base + first, base + second], 1)
        else:
            xx = x[:, c0:c1].reshape(g * per, -1)
            px = np.stack([xx[rows, first], xx[rows, second]], 1)
        xs.append(px.reshape(g, -1))
        ys.append(values.reshape(g, -1))
    return np.concatenate(xs, axis=1).reshape(-1), np.concatenate(ys, axis=1).reshape(-1)


def _chunk_fill(ds: h5py.Dataset, kind: str, idx: Sequence[int], axis: int) -> Callable[[int], float | None] | None:
    """For an overview of chunked data: ``j -> the fill value`` when chunk ``j`` along ``axis`` (on
    the line through ``idx``) has nothing stored, else None (one chunk-index lookup per chunk, no
    data read). None when that cannot be told (compound data: its fill value is a record)."""
    chunks = ds.chunks
    if kind == COMPOUND or chunks is None or not hasattr(ds.id, "get_chunk_info_by_coord"):
        return None
    try:
        fv = np.asarray(ds.fillvalue)
        value = float(np.abs(fv) if kind == COMPLEX else fv.astype(np.float64))
    except Exception:  # pragma: no cover - defensive
        return None
    base = [i // c * c for i, c in zip(idx, chunks, strict=True)]
    known: dict[int, float | None] = {}

    def fill(j: int) -> float | None:
        if j not in known:
            coord = list(base)
            coord[axis] = j * chunks[axis]
            try:
                stored = ds.id.get_chunk_info_by_coord(tuple(coord)).byte_offset is not None
            except Exception:  # pragma: no cover - defensive: read it
                stored = True
            known[j] = None if stored else value
        return known[j]

    return fill


def _plot_overview(
    read: Callable[[Any], tuple[np.ndarray, np.ndarray | None]], start: int, stop: int, origin: int, length: int,
    first: int, m: int, count: int, max_points: int, fill: Callable[[int], float | None] | None, unit: str,
) -> Job[tuple[np.ndarray, np.ndarray, int, int]]:
    """Min/max buckets of ``count`` evenly spaced whole blocks of the ``m`` blocks (of ``length``
    values from ``origin``; the first is block ``first``) that the positions ``start`` to ``stop``
    touch. ``fill(j)`` is the fill value of block ``j`` when nothing of it is stored (it is then not
    read), else None. Returns ``(x, y, step, blocks read)``: ``step`` is the distance between them."""
    k = -(-m // count)
    count = -(-m // k)
    j0 = first + (m - 1 - (count - 1) * k) // 2  # centred: the gaps at both ends are even
    b = -(-length // max(1, max_points // count))  # bucket size: about max_points buckets in all
    group = max(1, PLOT_PIECE // length)  # whole blocks per read (one hyperslab of blocks)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    i = 0
    while i < count:
        j = j0 + i * k
        a, e = max(start, origin + j * length), min(stop, origin + (j + 1) * length)
        value = fill(j) if fill is not None else None
        if value is not None:  # nothing stored: the fill value, without reading
            if b <= 1:
                px = np.arange(a, e, dtype=np.float64)
            else:
                lo = np.arange(a, e, b, dtype=np.float64)
                px = np.stack([lo, np.minimum(lo + b, e) - 1], 1).reshape(-1)
            xs.append(px)
            ys.append(np.full(px.size, value))
            i += 1
            yield Progress(i, count, unit, "reading overview")
            continue
        g = 1
        if e - a == length:  # whole blocks in a row, each stored: one read
            while (g < group and i + g < count and origin + (j + g * k + 1) * length <= stop
                   and (fill is None or fill(j + g * k) is None)):
                g += 1
        if g > 1:
            y, xv = read(h5py.MultiBlockSlice(start=a, stride=k * length, count=g, block=length))
        else:
            y, xv = read(slice(a, e))
        starts = a + np.arange(g, dtype=np.float64) * (k * length)
        px, py = _block_envelope(y.reshape(g, -1), xv.reshape(g, -1) if xv is not None else None, starts, b)
        xs.append(px)
        ys.append(py)
        i += g
        yield Progress(i, count, unit, "reading overview")
    return np.concatenate(xs), np.concatenate(ys), k * length, count


def read_plot_job(
    file: str, path: str, *, axis: int = -1, index: Sequence[int] = (), x_field: str | None = None,
    y_field: str | None = None, start: int = 0, stop: int | None = None, max_points: int = 20_000,
    max_read: int | None = None, allow_external: bool = False,
) -> Job[PlotData]:
    """The curve along ``axis`` (other axes fixed by ``index``), from ``start`` to ``stop``.

    ``index`` has one entry per dataset axis (the ``axis`` entry ignored) or one per other axis
    (e.g. ``(row,)`` for a row of a 2-D dataset). Compound data: ``y_field`` (default: the first
    numeric field) against ``x_field`` (default: the position). Complex values are plotted as their
    modulus.

    When the selection has more than ``2 * max_points`` values it is read in pieces of about half a
    million values and reduced to the minimum and the maximum of each of ``max_points`` buckets
    (kept in their order), so peaks survive and memory stays bounded. Yields :class:`Progress`
    (values read) between pieces.

    A selection whose exact read would touch more than :data:`MAX_PLOT_BYTES` (each touched chunk
    counted whole: HDF5 reads a chunk whole however few of its values are selected) or more than
    :data:`MAX_PLOT_CHUNKS` chunks, or that is longer than ``max_read`` values (default
    :data:`MAX_PLOT_READ`), is an *overview* instead: a bounded number of evenly spaced whole chunks
    (contiguous data: blocks of about :data:`PLOT_BLOCK_BYTES`, or single values far apart), each
    reduced to exact min/max buckets at their true positions (``sampled=True``, ``step`` = the
    distance between the blocks read, and a ``note``). Zooming in (``start``/``stop``) to a range
    within the budgets gives the exact envelope. Nothing is read when nothing is stored (all fill
    value), nor for the chunks of an overview that hold nothing.
    """
    file = str(file)
    max_points = max(1, int(max_points))
    with _dataset(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        kind = kind_of(dt)
        shape = ds.shape
        if shape is None or len(shape) == 0:
            raise BadRequestError(f"cannot plot {path}: it is {'empty' if shape is None else 'a scalar'}")
        rank = len(shape)
        axis = _normalize_axis(axis, rank, path)
        idx = _plot_index(index, shape, axis, path)
        name = posixpath.basename(path) or path
        if kind == COMPOUND:
            numeric = [n for n in dt.names if dt.fields[n][0].kind in "iufb" and dt.fields[n][0].subdtype is None]
            if y_field is None:
                if not numeric:
                    raise BadRequestError(f"cannot plot {path}: no numeric field")
                y_field = numeric[0]
            for fld in (x_field, y_field):
                if fld is not None and fld not in numeric:
                    raise BadRequestError(f"cannot plot field {fld!r} of {path}: not a numeric field")
            names = [y_field] + ([x_field] if x_field else [])
            source: Any = ds.fields(names)
            y_label, x_label = y_field, (x_field or "index")
        else:
            if kind not in PLOT_KINDS:
                raise BadRequestError(f"cannot plot {path}: {describe_dtype(dt)} values")
            if x_field or y_field:
                raise BadRequestError(f"{path} has no fields to plot")
            source = ds
            y_label = f"|{name}|" if kind == COMPLEX else name
            x_label = "index" if rank == 1 else f"axis {axis}"
        length = shape[axis]
        start = max(0, min(int(start), length))
        stop = length if stop is None else max(start, min(int(stop), length))
        n = stop - start
        if n == 0:
            empty = np.empty(0, dtype=np.float64)
            return PlotData(empty, empty.copy(), 0, 1, x_label, y_label)
        if _all_fill(ds) and kind != COMPOUND:
            fv = np.asarray(ds.fillvalue)
            value = float(np.abs(fv) if kind == COMPLEX else fv.astype(np.float64))
            step = max(1, -(-n // (2 * max_points)))
            x = np.arange(start, stop, step, dtype=np.float64)
            return PlotData(x, np.full(x.size, value), n, step, x_label, y_label, "nothing stored: all fill value",
                            sampled=step > 1)
        check_filters(ds, path)

        def read(where: Any) -> tuple[np.ndarray, np.ndarray | None]:
            sel = tuple(where if k == axis else idx[k] for k in range(rank))
            raw = np.asarray(read_selection(source, sel, path))
            if kind == COMPOUND:
                y = raw[y_field].astype(np.float64)
                xv = raw[x_field].astype(np.float64) if x_field else None
                return y, xv
            if kind == COMPLEX:
                return np.abs(raw).astype(np.float64, copy=False), None
            return raw.astype(np.float64, copy=False), None

        chunks = ds.chunks
        piece = PLOT_PIECE
        if chunks is not None:
            c = chunks[axis]
            piece = min(c, 1 << 23) if c > piece else (piece // c) * c
        limit = MAX_PLOT_READ if max_read is None else max(1, int(max_read))
        origin, length_b, block_bytes, exact_bytes = _plot_grid(shape, chunks, dt.itemsize, axis, start, stop)
        first = (start - origin) // length_b
        m = (stop - 1 - origin) // length_b - first + 1
        by_bytes = exact_bytes > MAX_PLOT_BYTES
        by_chunks = chunks is not None and m > MAX_PLOT_CHUNKS
        by_values = n > 2 * max_points and n > limit
        if m > 1 and (by_bytes or by_chunks or by_values):
            count = min(MAX_PLOT_BYTES // block_bytes, MAX_PLOT_CHUNKS, max_points, limit // length_b, m - 1)
            fill = _chunk_fill(ds, kind, idx, axis) if chunks is not None else None
            what = "chunks" if chunks is not None else "blocks"
            x, y, step, count = yield from _plot_overview(read, start, stop, origin, length_b, first, m,
                                                          max(1, count), max_points, fill, what)
            note = f"overview from {count:,} of {m:,} {what}: zoom in for every value"
            return PlotData(x, y, n, step, x_label, y_label, note, sampled=True)
        if n <= 2 * max_points:
            ys, xs = [], []
            for a in range(start, stop, piece):
                y, xv = read(slice(a, min(stop, a + piece)))
                ys.append(y)
                xs.append(xv if xv is not None else np.arange(a, a + y.size, dtype=np.float64))
                yield Progress(a + y.size - start, n, "values", "reading curve")
            return PlotData(np.concatenate(xs), np.concatenate(ys), n, 1, x_label, y_label)

        b = -(-n // max_points)  # bucket size
        nb = -(-n // b)
        lo_i = np.zeros(nb, dtype=np.int64)
        hi_i = np.zeros(nb, dtype=np.int64)
        lo_v = np.full(nb, np.inf)
        hi_v = np.full(nb, -np.inf)
        lo_x = np.zeros(nb)
        hi_x = np.zeros(nb)
        has_x = x_field is not None

        def reduce(y: np.ndarray, xv: np.ndarray | None, a: int, first_bucket: int) -> None:
            """Fold values starting at position ``a`` (a bucket boundary) into buckets ``first_bucket...``."""
            full = y.size // b
            spans = [(0, full * b, full)] if full else []
            if y.size - full * b:
                spans.append((full * b, y.size, 1))
            for s0, s1, count in spans:
                yy = y[s0:s1].reshape(count, -1)
                if np.isnan(yy).any():
                    amin = np.where(np.isnan(yy), np.inf, yy).argmin(axis=1)
                    amax = np.where(np.isnan(yy), -np.inf, yy).argmax(axis=1)
                else:
                    amin, amax = yy.argmin(axis=1), yy.argmax(axis=1)
                rows = np.arange(count)
                k = slice(first_bucket + s0 // b, first_bucket + s0 // b + count)
                base = a + s0 + rows * yy.shape[1]
                lo_i[k], hi_i[k] = base + amin, base + amax
                lo_v[k], hi_v[k] = yy[rows, amin], yy[rows, amax]
                if xv is not None:
                    xx = xv[s0:s1].reshape(count, -1)
                    lo_x[k], hi_x[k] = xx[rows, amin], xx[rows, amax]

        if b <= piece:
            per = max(1, piece // b) * b
            for a in range(start, stop, per):
                e = min(stop, a + per)
                y, xv = read(slice(a, e))
                reduce(y, xv, a, (a - start) // b)
                yield Progress(e - start, n, "values", "reading curve")
        else:
            for k in range(nb):
                a0, e0 = start + k * b, min(stop, start + (k + 1) * b)
                for a in range(a0, e0, piece):
                    e = min(e0, a + piece)
                    y, xv = read(slice(a, e))
                    ok = ~np.isnan(y)
                    if ok.any():
                        j = int(np.flatnonzero(ok)[np.argmin(y[ok])])
                        if y[j] < lo_v[k] or lo_v[k] == np.inf:
                            lo_v[k], lo_i[k] = y[j], a + j
                            if xv is not None:
                                lo_x[k] = xv[j]
                        j = int(np.flatnonzero(ok)[np.argmax(y[ok])])
                        if y[j] > hi_v[k] or hi_v[k] == -np.inf:
                            hi_v[k], hi_i[k] = y[j], a + j
                            if xv is not None:
                                hi_x[k] = xv[j]
                    elif lo_v[k] == np.inf:
                        lo_v[k] = hi_v[k] = np.nan
                        lo_i[k] = hi_i[k] = a
                    yield Progress(e - start, n, "values", "reading curve")
        first_is_lo = lo_i <= hi_i
        y_out = np.where(first_is_lo[:, None], np.stack([lo_v, hi_v], 1), np.stack([hi_v, lo_v], 1)).reshape(-1)
        if has_x:
            x_pair = np.stack([lo_x, hi_x], 1)
            x_swapped = np.stack([hi_x, lo_x], 1)
        else:
            x_pair = np.stack([lo_i, hi_i], 1).astype(np.float64)
            x_swapped = np.stack([hi_i, lo_i], 1).astype(np.float64)
        x_out = np.where(first_is_lo[:, None], x_pair, x_swapped).reshape(-1)
        y_out[np.isinf(y_out)] = np.nan  # buckets that held only NaN
        return PlotData(x_out, y_out, n, b, x_label, y_label, f"min/max of buckets of {b:,} values")


def read_plot(
    file: str, path: str, *, axis: int = -1, index: Sequence[int] = (), x_field: str | None = None,
    y_field: str | None = None, start: int = 0, stop: int | None = None, max_points: int = 20_000,
    max_read: int | None = None, allow_external: bool = False,
) -> PlotData:
    """:func:`read_plot_job` run to completion."""
    result: PlotData = run(
        read_plot_job(
            file, path, axis=axis, index=index, x_field=x_field, y_field=y_field, start=start, stop=stop,
            max_points=max_points, max_read=max_read, allow_external=allow_external,
        )
    )
    return result


# ---------------------------------------------------------------------------------------------
# text


def _value_text(value: Any, dt: np.dtype, ds: h5py.Dataset) -> str:
    """One element as text for the text view (full precision, strings whole, JSON pretty-printed)."""
    if h5py.check_string_dtype(dt) is not None:
        return _attrs_pretty(_decode_str(value))
    if dt.names is not None and h5py.check_ref_dtype(dt) is None:
        lines = []
        for n in dt.names:
            sub = dt.fields[n][0]
            lines.append(f"{n}: {_value_text(value[n], sub, ds)}")
        return "\n".join(lines)
    if h5py.check_ref_dtype(dt) is None and h5py.check_enum_dtype(dt) is None and dt.subdtype is None:
        if dt.kind == "f":
            return repr(float(value))
        if dt.kind == "c":
            return repr(complex(value))
        if dt.kind == "V":
            data = np.asarray(value).tobytes()
            fmt = imaging.sniff_format(data)
            if fmt:
                return f"{fmt} image ({len(data):,} bytes)"
            return "\n".join(
                f"{i:08x}  {data[i : i + 16].hex(' ')}" for i in range(0, min(len(data), 64 * 1024), 16)
            ) + (f"\n... ({len(data):,} bytes)" if len(data) > 64 * 1024 else "")
    return _formatter(dt, ds, cell=False)(value)


def _text(ds: h5py.Dataset, dt: np.dtype, path: str, index: tuple[int, ...], max_chars: int) -> str:
    shape = ds.shape
    if shape is None:
        return "(empty dataset: no dataspace)"
    if _size(shape) == 0:
        return f"(no elements: shape {shape})"
    check_filters(ds, path)
    if dt.itemsize > MAX_TEXT_READ_BYTES:
        raise BadRequestError(f"{path}: elements of {format_bytes(dt.itemsize)} are too large to show as text")
    if not shape or len(index) == len(shape) and index:
        where = tuple(_full_index(index, shape, [], path)) if shape else ()
        if dt.kind == "V" and dt.names is None and shape:
            value: Any = np.asarray(read_selection(ds, where[:-1] + (slice(where[-1], where[-1] + 1),), path))[0]
        else:
            value = read_selection(ds, where, path)
        text = _value_text(value, dt, ds)
    else:
        # a leading block of the array: last axes whole when they fit, earlier axes trimmed
        budget = max(1, min(max_chars // 2, MAX_TEXT_READ_BYTES // max(1, dt.itemsize)))
        sel: list[Any] = []
        for n in reversed(shape):
            t = max(1, min(n, budget))
            budget = max(1, budget // t)
            sel.insert(0, slice(0, t))
        block = np.asarray(read_selection(ds, tuple(sel), path))
        fmt = _formatter(dt, ds, cell=False)
        if block.ndim == 1:
            if dt.kind == "V" and dt.names is None:
                lines = [fmt(block[i : i + 1]) for i in range(block.shape[0])]
            else:
                lines = [fmt(v) for v in block]
        else:
            rows = block.reshape(-1, block.shape[-1])
            lines = ["\t".join(fmt(v) for v in row) for row in rows]
        text = "\n".join(lines)
        if block.size == 1 and h5py.check_string_dtype(dt) is not None:
            text = _attrs_pretty(text)
        if block.size < _size(shape):
            text += f"\n... (first {block.size:,} of {_size(shape):,} elements)"
    if len(text) > max_chars:
        text = text[:max_chars] + f"\n... ({len(text):,} characters in all)"
    return text


def read_text(
    file: str, path: str, *, index: Sequence[int] = (), max_chars: int = 1_000_000, allow_external: bool = False
) -> str:
    """The dataset (or element ``index``, one entry per axis) as text: scalars and strings whole (JSON
    pretty-printed), arrays as their first elements, one per line (2-D and more: rows of tabs).

    At most ``max_chars`` characters, and at most :data:`MAX_TEXT_READ_BYTES` bytes read.
    """
    file = str(file)
    with _dataset(file, path, allow_external) as (ds, path):
        dt = dataset_dtype(ds, path)
        return _text(ds, dt, path, tuple(index), max(1, int(max_chars)))
