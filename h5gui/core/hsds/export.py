"""Exports of HSDS datasets: the local export's writers (:mod:`h5gui.core.export`), fed by the REST API.

The local writers read a dataset through a few of h5py's names (``shape``, ``dtype``, ``name``,
``attrs``, ``ds[selection]``); :class:`RemoteDataset` offers those for a dataset of a domain, each
``ds[selection]`` one server-side selection (:func:`h5gui.core.hsds.values.read`, split by it into
requests of at most 64 MiB). So a domain exports to the same files as a local file with the same
content, read in the same blocks (about :data:`~h5gui.core.export.records.BLOCK_BYTES` each), with the
same progress, and cancelled at the same points (between two blocks). ``.h5`` copies the object into a
new HDF5 file through the download (:mod:`h5gui.core.hsds.download_impl`).
"""

from __future__ import annotations

import contextlib
import math
import os
import posixpath
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.export import dispatch
from h5gui.core.export import stack as local_stack
from h5gui.core.export.records import ExportReport
from h5gui.core.hsds import types, values
from h5gui.core.hsds.domain import Domain, collection_of
from h5gui.core.hsds.session import open_domain
from h5gui.core.paths import join, normalize_path
from h5gui.core.progress import Job
from h5gui.core.structure.records import CopyReport


class RemoteDataset:
    """What the export writers read of an ``h5py.Dataset``, for a dataset of a domain."""

    def __init__(self, d: Domain, meta: values.DatasetMeta) -> None:
        self.domain = d
        self.meta = meta
        self._attrs: dict[str, Any] | None = None

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self.meta.shape

    @property
    def dtype(self) -> np.dtype:
        return self.meta.dtype

    @property
    def name(self) -> str:
        return self.meta.path

    @property
    def chunks(self) -> tuple[int, ...] | None:
        return self.meta.chunks

    def __getitem__(self, sel: Any) -> Any:
        """``ds[sel]``: ints, slices of step 1 or more, or ``()`` (everything); one selection."""
        if isinstance(sel, tuple) and not sel:
            sel = None
        elif not isinstance(sel, tuple):
            sel = (sel,)
        data = values.read(self.domain, self.meta, sel)
        return data[()] if self.meta.shape == () else data

    @property
    def attrs(self) -> dict[str, Any]:
        """The dataset's attributes by name (read once, with their values: one request)."""
        if self._attrs is None:
            self._attrs = {}
            if self.meta.json.get("attributeCount"):
                js = self.domain.get(f"/datasets/{self.meta.id}/attributes", self.meta.path,
                                     params={"IncludeData": 1})
                for item in js.get("attributes", []):
                    self._attrs[item["name"]] = _attr_value(item)
        return self._attrs

    def stored_bytes(self) -> int:
        """Bytes the server stores for the data (what its JSON says; else the values' size)."""
        js = self.domain.obj(self.meta.id, self.meta.path, verbose=True)
        size = js.get("allocated_size")
        if isinstance(size, int) and size > 0:
            return size
        return math.prod(self.meta.shape or ()) * max(self.meta.dtype.itemsize, 16)

    def hard_sibling(self, name: str) -> RemoteDataset | None:
        """The dataset ``name`` hard-linked in this dataset's group, else None (no link followed)."""
        parent = posixpath.dirname(self.meta.path) or "/"
        link = self.domain.link(self.domain.resolve(parent), parent, name)
        if link is None or link.cls != "hard" or collection_of(link.id) != "datasets":
            return None
        path = join(parent, name)
        return RemoteDataset(self.domain, values.dataset_meta(self.domain, path, link.id))


def _attr_value(item: dict[str, Any]) -> Any:
    """An attribute's value as h5py returns it (a scalar for a scalar), or None when it cannot be read."""
    try:
        dt = types.to_dtype(item["type"])
        shape = types.shape_of(item["shape"])
        if shape is None or "value" not in item:
            return None
        arr = types.from_json(item["value"], dt, shape)
    except (KeyError, TypeError, ValueError, UnreadableError):
        return None
    return arr[()] if shape == () else arr


def opener(d: Domain) -> Any:
    """The export writers' ``opener`` (:data:`h5gui.core.export.common.Opener`) for the domain ``d``."""

    @contextlib.contextmanager
    def open_at(_file: str, path: str, _allow_external: bool) -> Iterator[tuple[RemoteDataset, str]]:
        path = normalize_path(path)
        yield RemoteDataset(d, values.dataset_meta(d, path)), path

    return open_at


def copier(d: Domain) -> Any:
    """The ``.h5`` export's copy for the domain ``d``: a group's members and attributes become the new
    file's root's (the download of that group), a dataset is stored under its own name."""

    def copy(_file: str, path: str, out: str) -> Job[CopyReport]:
        from h5gui.core.hsds import download_impl

        out = os.path.abspath(out)
        if os.path.lexists(out):
            raise BadRequestError(f"{out} exists: choose a new file name (nothing is overwritten)")
        path = normalize_path(path)
        if collection_of(d.resolve(path)) == "datasets":
            report = yield from download_impl.download_dataset(d, Path(out), path)
            dest = "/" + posixpath.basename(path)
        else:
            report = yield from download_impl.download(d, Path(out), path, False)
            dest = "/"
        return CopyReport(d.uri, path, out, dest, report.groups + report.datasets, report.groups, report.datasets,
                          report.links - report.groups - report.datasets, report.bytes)

    return copy


def export_hdf5(domain: str, path: str, out: str) -> Job[CopyReport]:
    """The HSDS twin of :func:`h5gui.core.structure.export_hdf5` (File > Export of a group): the object at
    ``path`` into a new HDF5 file."""
    d = open_domain(domain)
    return (yield from copier(d)(d.uri, path, out))


def export(domain: str, path: str, out: str, *, index: Sequence[int] = (), levels: Any = None,
           colormap: str | None = None, delimiter: str | None = None, image_format: str = "png",
           overwrite: bool = False, allow_external: bool = False,
           axes: Sequence[int | None] | None = None, log: bool = False,
           complex_part: str = "abs") -> Job[ExportReport]:
    """The HSDS twin of :func:`h5gui.core.export.export`: the same files, read from a domain."""
    d = open_domain(domain)
    return (yield from dispatch.export(d.uri, path, out, index=index, levels=levels, colormap=colormap,
                                       delimiter=delimiter, image_format=image_format, overwrite=overwrite,
                                       axes=axes, log=log, complex_part=complex_part, opener=opener(d),
                                       copy_hdf5=copier(d)))


def export_stack(domain: str, path: str, folder: str, *, format: str = "png", levels: Any = None,
                 colormap: str | None = None, allow_external: bool = False) -> Job[ExportReport]:
    """The HSDS twin of :func:`h5gui.core.export.export_stack`: every frame of a stack as a picture."""
    d = open_domain(domain)
    return (yield from local_stack.export_stack(d.uri, path, folder, format=format, levels=levels,
                                                colormap=colormap, opener=opener(d)))
