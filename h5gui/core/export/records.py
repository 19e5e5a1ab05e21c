"""What an export writes and reports, without h5py: the formats, the limits of a read, and the
:class:`ExportReport` every export returns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ARRAY_EXTENSIONS",
    "BLOCK_BYTES",
    "ExportReport",
    "FORMATS",
    "IMAGE_EXTENSIONS",
    "MAX_IMAGE_BYTES",
    "MAX_STRING_BYTES",
    "TABLE_EXTENSIONS",
]

ARRAY_EXTENSIONS = (".npy",)
TABLE_EXTENSIONS = (".csv", ".tsv", ".txt")
IMAGE_EXTENSIONS = (".png", ".tif", ".tiff")
FORMATS = ("npy", "csv", "png", "tif", "hdf5", "folder")
BLOCK_BYTES = 32 * 2**20  # data is read in blocks of rows of about this size
MAX_IMAGE_BYTES = 2**31  # one exported picture is read whole: refuse beyond this
MAX_STRING_BYTES = 256 * 2**20  # string data is converted in memory


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export wrote."""

    file: str
    path: str
    out: str
    format: str  # one of FORMATS
    shape: tuple[int, ...]  # of what was exported (a stack: of the whole stack)
    dtype: str  # numpy dtype written ('uint8' for 8-bit pictures)
    count: int = 1  # files written
    nbytes: int = 0  # bytes written
    note: str = ""  # e.g. 'float64 written as float32 (TIFF holds 32-bit floats)'
