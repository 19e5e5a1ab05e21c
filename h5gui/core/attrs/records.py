"""Records of attributes: snapshots for the attribute table (:class:`AttrInfo`), raw values for undo and
copy/paste (:class:`AttrValue`) and undoable edits (:class:`AttrEdit`, :class:`EditResult`).

Plain frozen data that imports neither h5py nor Pillow (the GUI holds these).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from h5gui.core.text import shape_text

__all__ = ["ATTR_TYPES", "AttrEdit", "AttrInfo", "AttrValue", "EditResult"]

ATTR_TYPES = (
    "string",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
    "bool",
    "complex64", "complex128",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AttrInfo:
    """What the attribute table shows about one attribute."""

    name: str
    dtype: str  # datatype in words
    shape: tuple[int, ...] | None  # None: empty (no dataspace)
    value: str  # readable summary (one line)
    full_text: str = ""  # longer text (pretty JSON, whole string) for a side view
    error: str = ""
    editable: bool = True  # False: shown read-only, ``reason`` says why
    reason: str = ""
    type_name: str = ""  # one of ATTR_TYPES, or "" (enum, or not editable)
    edit_text: str = ""  # the value as a user would type it; parses back to the identical value
    vlen: bool = False  # strings: variable-length (False: fixed-length)
    big: bool = False  # 64 KiB or more (stored densely by HDF5)
    raw_name: bytes = b""  # the stored name when it is not UTF-8 (``name`` shows it escaped): edits use this

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)

    @property
    def fixed_length(self) -> bool:
        """A fixed-length string attribute."""
        return self.type_name == "string" and not self.vlen


@dataclass(frozen=True, eq=False)
class AttrValue:
    """One attribute exactly as stored, for undo and copy/paste (also between files).

    ``value`` is a numpy array (0-d for a scalar) whose dtype keeps h5py's metadata (string
    encoding, vlen, enum members), or ``h5py.Empty``. ``h5type`` is the HDF5 datatype serialized
    with ``H5Tencode`` (byte order, string padding and charset, enum names, complex layout) and
    ``file`` the file it was read from (references only make sense there). Both may be left empty
    for a value made by hand: the datatype then follows ``value``'s dtype.
    """

    name: str
    value: Any
    h5type: bytes = b""
    file: str = ""
    # (device, inode) of ``file`` when read: references are addresses in that file, and a file rewritten
    # since (compacted, replaced) under the same name holds other objects at them
    file_id: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class AttrEdit:
    """One undoable step on one object: remove these attributes, then write these values."""

    file: str
    path: str
    removed: tuple[str, ...] = ()  # deleted first (those that exist)
    values: tuple[AttrValue, ...] = ()  # then written, exact type and shape


@dataclass(frozen=True, slots=True)
class EditResult:
    """What an attribute edit did and how to undo and redo it (see :mod:`h5gui.core.attr_edits`)."""

    description: str  # "set units on /data", for the Edit menu ("Undo set units")
    undo: tuple[AttrEdit, ...]
    redo: tuple[AttrEdit, ...]
    attrs: tuple[AttrInfo, ...] = ()  # the (first) edited object's attributes afterwards
    count: int = 1  # objects changed
