"""Records of the objects in a file: tree rows (:class:`ChildInfo`), details (:class:`NodeInfo`), filters and
group listings. Plain frozen data that imports neither h5py nor Pillow (the GUI holds these).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from h5gui.core.kinds import LABELS, Kind
from h5gui.core.text import format_bytes, shape_text

UNLIMITED_EXTERNAL = 2**63  # HDF5's H5F_UNLIMITED (2**64 - 1) for an external file that may grow without end

__all__ = ["ChildInfo", "DANGLING_LINK", "DATASET", "DATATYPE", "EXTERNAL_LINK", "FilterInfo", "GROUP",
    "GroupListing", "KIND_LABELS", "NodeInfo", "SOFT_LINK", "UNREADABLE"]

# kinds of tree rows (see h5gui.core.kinds)
GROUP = Kind.GROUP
DATASET = Kind.DATASET
DATATYPE = Kind.DATATYPE
SOFT_LINK = Kind.SOFT_LINK
EXTERNAL_LINK = Kind.EXTERNAL_LINK
DANGLING_LINK = Kind.DANGLING_LINK
UNREADABLE = Kind.UNREADABLE
KIND_LABELS = LABELS


@dataclass(frozen=True, slots=True)
class ChildInfo:
    """One row of the tree: cheap facts about a member of a group."""

    file: str
    path: str
    name: str
    kind: str
    target_kind: str = ""  # for soft links: the kind of the object the link resolves to
    shape: tuple[int, ...] | None = None
    dtype: str = ""
    members: int | None = None  # groups: number of links inside
    virtual: bool = False
    external_storage: bool = False
    link_target: str = ""  # soft link path, or external link's path inside its file
    link_file: str = ""  # external link's file name as stored
    error: str = ""

    @property
    def effective_kind(self) -> str:
        return self.target_kind if self.kind == SOFT_LINK and self.target_kind else self.kind

    @property
    def is_group_like(self) -> bool:
        return self.effective_kind == GROUP

    @property
    def shape_text(self) -> str:
        if self.effective_kind != DATASET:
            if self.members is not None:
                return f"{self.members:,} member" + ("" if self.members == 1 else "s")
            return ""
        return shape_text(self.shape)


@dataclass(frozen=True, slots=True)
class FilterInfo:
    code: int
    name: str
    params: tuple[int, ...]
    available: bool
    settings: str = ""
    optional: bool = False  # HDF5 skips an optional filter that fails when writing a chunk

    @property
    def text(self) -> str:
        """``'gzip (level 4)'``; ``'filter 32001 (blosc): not available'`` when it cannot be used."""
        if not self.available:
            named = f" ({self.name})" if self.name and self.name != f"filter {self.code}" else ""
            return f"filter {self.code}{named}: not available"
        return self.name + (f" ({self.settings})" if self.settings else "")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What the info panel shows about one object (and ``h5gui-cli info`` prints)."""

    file: str
    path: str
    name: str
    kind: str
    object_kind: str = ""  # kind of the object itself when ``kind`` is a link
    # datasets
    shape: tuple[int, ...] | None = None
    maxshape: tuple[int | None, ...] | None = None
    dtype: str = ""
    dtype_short: str = ""
    itemsize: int = 0
    size: int = 0
    nbytes: int = 0
    chunks: tuple[int, ...] | None = None
    filters: tuple[FilterInfo, ...] = ()
    fill_value: str = ""
    layout: str = ""
    storage_size: int | None = None
    external_files: tuple[tuple[str, int, int], ...] = ()
    virtual_sources: tuple[tuple[str, str], ...] = ()
    value: str | None = None  # small datasets only, when safe to read
    # groups
    members: int | None = None
    # all objects
    num_attrs: int = 0
    # links
    link_target: str = ""
    link_file: str = ""
    link_file_resolved: str = ""
    # safety: files outside the opened file's folder that reading the data would touch
    outside_files: tuple[str, ...] = ()
    data_confirmed: bool = False
    file_size: int | None = None  # root only
    error: str = ""

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.outside_files) and not self.data_confirmed

    @property
    def ratio(self) -> float | None:
        """Uncompressed size / size on disk, for filtered datasets (``None`` where it means nothing)."""
        if not self.filters or not self.storage_size or not self.nbytes or self.dtype.startswith("vlen"):
            return None
        return self.nbytes / self.storage_size

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) pairs in display order; shared by the info panel and the CLI."""
        out: list[tuple[str, str]] = [("Path", self.path), ("File", self.file)]
        kind = KIND_LABELS.get(self.kind, self.kind)
        if self.object_kind and self.object_kind != self.kind:
            what = KIND_LABELS.get(self.object_kind, self.object_kind)
            kind += f" to {'an' if what[0] in 'aeiou' else 'a'} {what}"
        out.append(("Kind", kind))
        if self.kind == SOFT_LINK or (self.kind == DANGLING_LINK and not self.link_file):
            out.append(("Link target", self.link_target))
        if self.link_file:
            out.append(("Link target", f"{self.link_file}:{self.link_target}"))
            if self.link_file_resolved:
                out.append(("Target file", self.link_file_resolved))
        if self.error:
            out.append(("Problem", self.error))
        if self.file_size is not None:
            out.append(("File size", format_bytes(self.file_size)))
        if self.members is not None:
            out.append(("Members", f"{self.members:,}"))
        if (self.object_kind or self.kind) == DATATYPE and self.dtype:
            out.append(("Datatype", self.dtype))
        if self.object_kind == DATASET or self.kind == DATASET:
            out.append(("Shape", shape_text(self.shape, self.maxshape)))
            out.append(("Datatype", self.dtype))
            if self.shape:
                out.append(("Elements", f"{self.size:,} ({format_bytes(self.nbytes)})"))
            out.append(("Layout", self.layout))
            if self.chunks:
                out.append(("Chunks", " x ".join(str(c) for c in self.chunks)))
            if self.filters:
                out.append(("Filters", ", ".join(f.text for f in self.filters)))
            elif self.layout:
                out.append(("Filters", "none"))
            if self.fill_value:
                out.append(("Fill value", self.fill_value))
            if self.storage_size is not None:
                text = format_bytes(self.storage_size)
                if self.ratio is not None:
                    text += f" (compression ratio {self.ratio:.2f})"
                elif self.storage_size == 0 and self.nbytes and self.layout in ("chunked", "contiguous"):
                    text += " (nothing written: all fill value)"
                out.append(("Storage", text))
            for name, offset, size in self.external_files:
                size_text = "unlimited size" if size >= UNLIMITED_EXTERNAL else format_bytes(size)
                out.append(("External file", f"{name} (offset {offset:,}, {size_text})"))
            for fname, dset in self.virtual_sources:
                out.append(("Virtual source", f"{fname}:{dset}"))
            if self.value is not None:
                out.append(("Value", self.value))
        if self.needs_confirmation:
            out.append(("Not read", "data lives outside this file's folder: " + ", ".join(self.outside_files)))
        out.append(("Attributes", str(self.num_attrs)))
        return out

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["filters"] = [asdict(f) for f in self.filters]
        d["needs_confirmation"] = self.needs_confirmation
        d["ratio"] = self.ratio
        return d


@dataclass(frozen=True, slots=True)
class GroupListing:
    """All member names of a group in display order plus the details of the first rows."""

    file: str
    path: str
    names: tuple[str, ...]
    first: tuple[ChildInfo, ...] = field(default=())
    complete: bool = True  # False: a big group; ``names`` is only the first page, in native order

