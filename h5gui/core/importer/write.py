"""Writing an import's results: one unit's datasets (stacked images, encoded bytes, one dataset per
image), file names, labels and class names, the HDF5 image attributes, and the provenance."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from h5gui import __version__
from h5gui.core.h5.dataset_io import VLEN_UINT8, write_vlen_uint8
from h5gui.core.h5.images import write_image_attrs, write_nxdata
from h5gui.core.importer.plan import Unit, compression_kwargs, join_h5
from h5gui.core.importer.records import ImportPlan, ImportSpec, ScanResult

_STR = h5py.string_dtype()


def _image_attrs(ds: h5py.Dataset, channels: int) -> None:
    """The image attributes (HDF5 image and ``@interpretation``): HDFView, silx and H5Web show images.
    Grey with alpha (2 channels) has no HDF5 image class: it gets none."""
    if channels != 2:
        write_image_attrs(ds, colour=bool(channels), interpretation=True)


def _strings(g: h5py.Group, name: str, values: Sequence[str]) -> h5py.Dataset:
    arr = np.empty(len(values), dtype=object)
    arr[:] = [safe_text(v) for v in values]
    return g.create_dataset(name, data=arr, dtype=_STR)


def safe_text(text: str) -> str:
    """Names from the file system may hold undecodable bytes (surrogates): keep them readable."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class UnitWriter:
    """Writes one unit's results as they come (the generator is the only writer)."""

    unit: Unit
    g: h5py.Group
    layout: str
    spec: ImportSpec
    paths: list[str]
    per_chunk: int = 1
    ds: h5py.Dataset | None = None
    pos: int = 0
    names: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    @property
    def stacked(self) -> bool:
        return self.layout == "stack" or (self.layout == "classes" and not self.spec.encoded)

    @property
    def vlen(self) -> bool:
        """The files' bytes in one variable-length dataset (encoded layout, or classes with ``encoded``)."""
        return (self.layout == "encoded" and not self.spec.encoded_per_file) or (
            self.layout == "classes" and self.spec.encoded)

    def start(self) -> None:
        n = len(self.unit.items)
        if self.stacked:
            assert self.unit.shape is not None and self.unit.dtype is not None
            shape, dtype = self.unit.shape, np.dtype(self.unit.dtype)
            chunk_bytes = self.per_chunk * math.prod(shape) * dtype.itemsize
            self.ds = self.g.create_dataset(
                "images", shape=(n, *shape), maxshape=(None, *shape), dtype=dtype, chunks=(self.per_chunk, *shape),
                rdcc_nbytes=max(4 << 20, 4 * chunk_bytes), **compression_kwargs(self.spec, dtype.itemsize),
            )
            _image_attrs(self.ds, _channels_of(shape))
        elif self.vlen:
            self.ds = self.g.create_dataset(
                "images", shape=(n,), maxshape=(None,), dtype=VLEN_UINT8, chunks=(min(n, 4096),),
            )
            self.ds.attrs["content"] = "encoded image files (their bytes, untouched)"

    def write(self, idx: Sequence[int], data: Any) -> None:
        items = self.unit.items
        if self.stacked:
            assert self.ds is not None
            m = len(idx)
            if m:
                self.ds[self.pos : self.pos + m] = data
                self.pos += m
        elif self.vlen:
            assert self.ds is not None
            m = len(idx)
            if m:
                arr = np.empty(m, dtype=object)
                for j, a in enumerate(data):  # one by one: equal lengths must not make a 2-D array
                    arr[j] = a
                write_vlen_uint8(self.ds, self.pos, arr)
                self.pos += m
        elif self.layout == "encoded":
            for i, a in zip(idx, data, strict=True):
                name = safe_text(items[i][3])
                self.g.create_dataset(name, data=a, dtype=np.uint8)
                self.paths.append(name)
        else:
            ckw = compression_kwargs(self.spec, 1)
            for i, a in zip(idx, data, strict=True):
                name = safe_text(items[i][3])
                if ckw:
                    kw = compression_kwargs(self.spec, a.dtype.itemsize)
                    ds: Any = self.g.create_dataset(name, data=a, dtype=a.dtype, chunks=a.shape, **kw).id
                    if _channels_of(a.shape) != 2:  # grey with alpha has no HDF5 image class
                        write_image_attrs(ds, colour=bool(_channels_of(a.shape)), interpretation=True, shape=a.shape,
                                          fresh=True)
                else:
                    _TEMPLATES.write(self.g, name, a)
                self.paths.append(name)
        for i in idx:
            self.names.append(items[i][3])
            self.labels.append(items[i][4])

    def finish(self) -> None:
        if self.ds is not None:
            if self.pos < self.ds.shape[0]:
                self.ds.resize(self.pos, axis=0)
            self.paths.append("images")
            if self.stacked:
                write_nxdata(self.g, "images")  # silx and H5Web open the group as a stack of pictures
        if self.stacked or self.vlen:
            if self.layout == "classes":
                labels = self.g.create_dataset("labels", data=np.asarray(self.labels, dtype=np.int32), dtype=np.int32)
                labels.attrs["class_names"] = np.array(self.unit.class_names, dtype=_STR)
                self.g.attrs["class_names"] = np.array(self.unit.class_names, dtype=_STR)
                self.paths.append("labels")
            _strings(self.g, "filenames", self.names)
            self.paths.append("filenames")
        self.g.attrs["source_folder"] = self.unit.source

    def expected(self, group: str) -> dict[str, int]:
        """What :meth:`finish` left: dataset path (under ``group``) -> its length (-1: not checked)."""
        n = {"images": self.pos, "filenames": len(self.names), "labels": len(self.labels)}
        return {join_h5(group, p).lstrip("/"): n.get(p, -1) for p in self.paths}


_LCPL = h5py.h5p.create(h5py.h5p.LINK_CREATE)
_LCPL.set_char_encoding(h5py.h5t.CSET_UTF8)
_LCPL.set_create_intermediate_group(False)


def _contiguous(g: h5py.Group, name: str, a: np.ndarray) -> h5py.h5d.DatasetID:
    """A contiguous dataset holding ``a`` (what ``create_dataset(name, data=a)`` makes), through the
    low-level API: the per-image layout creates one per picture, and this costs about half as much."""
    a = np.ascontiguousarray(a)
    dsid = h5py.h5d.create(g.id, name.encode("utf-8"), h5py.h5t.py_create(a.dtype), h5py.h5s.create_simple(a.shape),
                           lcpl=_LCPL)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, a)
    return dsid


class _Templates:
    """One dataset per picture, with its image attributes, made by copying an empty template of the
    same form (shape, dtype) kept in an in-memory HDF5 file: ``H5Ocopy`` of the template then one
    write costs about half of creating the dataset and its five attributes (~70 us vs ~150 us a
    picture). A form gets a template when it comes a second time (pictures of all different sizes are
    created directly); at most :attr:`MAX` forms are kept."""

    MAX = 64

    def __init__(self) -> None:
        self.file: h5py.File | None = None
        self.made: dict[tuple[tuple[int, ...], str], bytes] = {}
        self.seen: set[tuple[tuple[int, ...], str]] = set()

    def write(self, g: h5py.Group, name: str, a: np.ndarray) -> None:
        a = np.ascontiguousarray(a)
        key = (a.shape, a.dtype.str)
        src = self.made.get(key)
        if src is None and key in self.seen and len(self.made) < self.MAX:
            src = self._make(a)
        if src is None:
            if len(self.seen) >= 100 * self.MAX:
                self.seen.clear()
            self.seen.add(key)
            ds = _contiguous(g, name, a)
            if _channels_of(a.shape) != 2:  # grey with alpha has no HDF5 image class
                write_image_attrs(ds, colour=bool(_channels_of(a.shape)), interpretation=True, shape=a.shape,
                                  fresh=True)
            return
        assert self.file is not None
        link = name.encode("utf-8")
        h5py.h5o.copy(self.file.id, src, g.id, link, lcpl=_LCPL)
        h5py.h5d.open(g.id, link).write(h5py.h5s.ALL, h5py.h5s.ALL, a)

    def _make(self, a: np.ndarray) -> bytes:
        if self.file is None:
            self.file = h5py.File(f"h5gui-templates-{os.getpid()}-{id(self)}", "w", driver="core", backing_store=False)
        src = f"t{len(self.made)}".encode()
        ds = h5py.h5d.create(self.file.id, src, h5py.h5t.py_create(a.dtype), h5py.h5s.create_simple(a.shape))
        if _channels_of(a.shape) != 2:
            write_image_attrs(ds, colour=bool(_channels_of(a.shape)), interpretation=True, shape=a.shape, fresh=True)
        self.made[(a.shape, a.dtype.str)] = src
        return src


_TEMPLATES = _Templates()


def _channels_of(shape: tuple[int, ...]) -> int:
    return shape[2] if len(shape) == 3 else 0


def write_provenance(g: h5py.Group, spec: ImportSpec, scan_: ScanResult, plan: ImportPlan, imported: int,
                     skipped: Sequence[tuple[str, str]]) -> None:
    """The import's attributes on its group and the ``skipped`` dataset (path, reason) when something was
    skipped (none when nothing was: issue 12 defect 16)."""
    options = dataclasses.asdict(spec)
    options["source"] = scan_.source
    options["target"] = os.path.abspath(os.path.expanduser(spec.target))
    g.attrs["import_source"] = safe_text(scan_.source)
    g.attrs["import_date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    g.attrs["import_h5gui_version"] = __version__
    g.attrs["import_layout"] = plan.layout
    g.attrs["import_options"] = json.dumps(options, ensure_ascii=False)
    g.attrs["import_imported"] = np.int64(imported)
    g.attrs["import_skipped"] = np.int64(len(skipped))
    if not skipped:
        return
    dt = np.dtype([("path", _STR), ("reason", _STR)])
    rows = np.empty(len(skipped), dtype=dt)
    for i, (p, r) in enumerate(skipped):
        rows[i] = (safe_text(p), safe_text(r))
    g.create_dataset("skipped", data=rows, dtype=dt)
