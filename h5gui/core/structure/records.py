"""Records of structure edits: what a copy, a delete or a compaction did (or would do). Imports no h5py."""

from __future__ import annotations

from dataclasses import dataclass

from h5gui.core.kinds import Kind, label
from h5gui.core.text import format_bytes

__all__ = ["CompactReport", "CopyReport", "DeleteInfo", "DeleteReport"]


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What :func:`~h5gui.core.structure.copying.copy` (and :func:`~h5gui.core.structure.newfiles.export_hdf5`) did."""

    src_file: str
    src_path: str
    dest_file: str
    dest_path: str
    objects: int  # groups + datasets + committed datatypes created
    groups: int
    datasets: int
    links: int  # soft, external and extra hard links recreated
    nbytes: int  # bytes of dataset storage copied
    cleared_refs: int = 0  # references to objects that were not copied (between files: cleared)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteInfo:
    """What deleting ``path`` would remove: for the confirmation dialog."""

    file: str
    path: str
    kind: str  # Kind of the link: group, dataset, datatype, soft_link, external_link, ...
    objects: int  # objects below a group (links counted once per object), 0 otherwise
    datasets: int
    nbytes: int  # bytes stored by the datasets that go (compressed size)
    other_links: int = 0  # other hard links to the object: it stays reachable, nothing is freed

    @property
    def text(self) -> str:
        """``'Delete group /a (12 objects, 3.4 MB)? The file does not get smaller: ...'``."""
        what = label(self.kind)
        details = []
        if self.kind == Kind.GROUP:
            details.append(f"{self.objects:,} object" + ("" if self.objects == 1 else "s") + " inside")
        if self.nbytes:
            details.append(format_bytes(self.nbytes))
        text = f"Delete {what} {self.path}" + (f" ({', '.join(details)})" if details else "") + "?"
        if self.other_links:
            text += f" It stays reachable through {self.other_links} other hard link(s): nothing is freed."
        elif self.nbytes:
            text += " The file does not get smaller: compact it afterwards to reclaim the space."
        return text


@dataclass(frozen=True, slots=True)
class DeleteReport:
    """What :func:`~h5gui.core.structure.deletion.delete` did."""

    file: str
    path: str
    kind: str
    freed: int  # bytes freed inside the file (reusable by later writes; compact gives them back)
    file_size: int  # the file's size afterwards (unchanged: HDF5 files do not shrink)

    @property
    def text(self) -> str:
        """``'Deleted group /a; 3.4 MB freed inside the file, which stays ...'``."""
        what = label(self.kind)
        text = f"Deleted {what} {self.path}"
        if self.freed:
            text += (f"; {format_bytes(self.freed)} freed inside the file, which stays "
                     f"{format_bytes(self.file_size)}: compact it to reclaim the space")
        return text


@dataclass(frozen=True, slots=True)
class CompactReport:
    """What :func:`~h5gui.core.structure.newfiles.compact` did."""

    file: str  # the source
    out: str  # the compacted file (== file when compacted in place)
    size_before: int
    size_after: int
    objects: int
    nbytes: int  # dataset bytes copied
    cleared_refs: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def saved(self) -> int:
        """Bytes the file got smaller by."""
        return self.size_before - self.size_after
