"""Copy as code: Python that reads a dataset, ready for the clipboard.

:func:`h5py_snippet` opens the file with h5py and reads the dataset (or, for a big one, a slice of
it); :func:`torch_snippet` defines a PyTorch ``Dataset`` over its first axis that

* opens the file lazily, once per worker process: an h5py handle opened before the ``DataLoader``
  starts its workers (``num_workers > 1``) would be shared between processes, which breaks reads;
* applies the normalization recorded in the dataset's attributes: data written by h5gui's
  transform carries ``normalization`` with ``scale`` and ``offset`` (``x = y * scale + offset``) and
  is already normalized on disk, so it is returned as stored (``denormalize`` gives ``x`` back);
  other data with ``mean``/``std`` (or ``offset``/``scale``) attributes is normalized on read as
  ``(x - mean) / std`` (``(x - offset) / scale``), per channel when the values are arrays;
* returns ``(sample, label)`` when the group holds a ``labels`` dataset of the same length (what
  the image import's "classes" layout writes), and decodes encoded images (the "encoded" layout).

Both return plain text; names and paths are written as Python literals (``repr``), so any file name
is safe to paste.
"""

from __future__ import annotations

import keyword
import logging
import os
import posixpath
import re
from typing import Any

import h5py
import numpy as np

from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files, links
from h5gui.core.h5.datasets import dataset_dtype, hard_sibling
from h5gui.core.paths import join, normalize_path
from h5gui.core.preview.axes import element_count
from h5gui.core.preview.common import kind_of
from h5gui.core.preview.records import BOOL, COMPOUND, ENUM, NUMERIC, STRING
from h5gui.core.text import format_bytes, shape_text

__all__ = ["BIG_READ_BYTES", "h5py_snippet", "snippet", "torch_snippet"]

BIG_READ_BYTES = 256 * 2**20  # larger datasets: the h5py snippet reads one slice, not everything
_NORM_ATTRS = ("normalization", "scale", "offset", "mean", "std")

log = logging.getLogger(__name__)


def _facts(file: str, path: str) -> dict[str, Any]:
    path = normalize_path(path)
    with files.open_file(file) as f:
        obj = links.open_object(f, path, file)
        d: dict[str, Any] = {"path": path, "file": os.path.abspath(file), "group": isinstance(obj, h5py.Group)}
        if d["group"]:
            d["members"] = len(obj.id)
            return d
        if not isinstance(obj, h5py.Dataset):
            raise BadRequestError(f"{path} in {file} is not a dataset or a group")
        dt = dataset_dtype(obj, path)
        d.update(shape=obj.shape, dtype=dt, dtype_text=describe_dtype(dt), kind=kind_of(dt))
        d["nbytes"] = element_count(obj.shape) * dt.itemsize
        d["attrs"] = {}
        for k in _NORM_ATTRS:
            try:
                if k in obj.attrs:
                    d["attrs"][k] = obj.attrs[k]
            except Exception:  # an odd attribute is left out of the comment, not fatal
                log.debug("cannot read attribute %s of %s", k, path, exc_info=True)
        vlen = h5py.check_vlen_dtype(dt)
        d["encoded"] = vlen is not None and np.dtype(vlen) == np.uint8
        d["labels"] = _labels(obj, path)
    return d


def _labels(obj: h5py.Dataset, path: str) -> str | None:
    """The path of a ``labels`` dataset beside ``obj`` with one integer per sample (a hard link in the
    same group: no link is followed), else None."""
    if posixpath.basename(obj.name) == "labels" or not obj.shape:
        return None
    labels = hard_sibling(obj, "labels")
    if isinstance(labels, h5py.Dataset) and labels.shape == (obj.shape[0],) and labels.dtype.kind in "iu":
        return join(posixpath.dirname(path) or "/", "labels")
    return None


def _header(d: dict[str, Any]) -> str:
    if d["group"]:
        return f"# {d['path']} in {os.path.basename(d['file'])}: a group of {d['members']:,} member(s)"
    return (f"# {d['path']} in {os.path.basename(d['file'])}: {shape_text(d['shape'])} {d['dtype_text']}"
            f" ({format_bytes(d['nbytes'])})")


def h5py_snippet(file: str, path: str) -> str:
    """Python that opens ``file`` with h5py and reads the dataset at ``path`` into ``data`` (a big
    dataset: its first slice), or lists a group's members into ``members``."""
    d = _facts(str(file), path)
    lines = ["import h5py", "", _header(d), f"FILE = {d['file']!r}", "", 'with h5py.File(FILE, "r") as f:']
    if d["group"]:
        lines += [f"    group = f[{d['path']!r}]",
                  "    members = {name: obj for name, obj in group.items()}  # groups and datasets by name"]
        return "\n".join(lines) + "\n"
    lines.append(f"    dset = f[{d['path']!r}]")
    shape = d["shape"]
    reader = "dset.asstr()" if d["kind"] == STRING else "dset"
    if shape is None:
        lines.append("    data = None  # an empty dataset: no values (dset.dtype is its type)")
    elif d["nbytes"] > BIG_READ_BYTES and shape:
        lines.append(f"    data = {reader}[0]  # one slice: the whole dataset is {format_bytes(d['nbytes'])}, "
                     "read it in slices (dset[i], dset[a:b])")
    else:
        lines.append(f"    data = {reader}[()]  # the whole dataset as a numpy array")
    if d["kind"] == COMPOUND:
        lines.append(f"    # a structured array: fields {', '.join(d['dtype'].names)}")
    a = d["attrs"]
    if "normalization" in a and "scale" in a and "offset" in a:
        lines += [f"    # normalized by h5gui ({_scalar_text(a['normalization'])}): original = data * scale + offset",
                  '    scale, offset = dset.attrs["scale"], dset.attrs["offset"]']
    return "\n".join(lines) + "\n"


def _scalar_text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _scalar_text(v[()])
    return str(v)


def _class_name(path: str) -> str:
    base = posixpath.basename(path) or "root"
    words = re.findall(r"[A-Za-z0-9]+", base)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "H5"
    if name[0].isdigit():
        name = "H5" + name
    name += "Dataset"
    return name if name.isidentifier() and not keyword.iskeyword(name) else "H5Dataset"


_TORCH = '''import os

import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

{header}
FILE = {file!r}
DATASET = {path!r}
LABELS = {labels!r}  # None: samples only


def read_normalization(attrs, sample_ndim):
    """(shift, scale, stored_normalized) from a dataset's attributes; the model sees (x - shift) / scale.

    h5gui's transform stores normalized values with `normalization`, `scale` and `offset`
    (x = y * scale + offset): they are used as stored. Otherwise `mean`/`std` (or `offset`/`scale`)
    normalize raw values on read. Arrays of values apply per channel (axis `channel_axis` of the
    dataset, else the last axis).
    """
    def value(name, default):
        return np.asarray(attrs[name], dtype=np.float64) if name in attrs else np.asarray(default, dtype=np.float64)

    stored = "normalization" in attrs
    if "mean" in attrs and "std" in attrs and not stored:
        shift, scale = value("mean", 0.0), value("std", 1.0)
    elif "offset" in attrs or "scale" in attrs:
        shift, scale = value("offset", 0.0), value("scale", 1.0)
    else:
        return None, None, False
    if shift.ndim or scale.ndim:  # per channel: shape them to broadcast against one sample
        axis = int(attrs["channel_axis"]) - 1 if "channel_axis" in attrs else sample_ndim - 1
        shape = [1] * sample_ndim
        shape[axis] = -1
        shift, scale = shift.reshape(shape) if shift.ndim else shift, scale.reshape(shape) if scale.ndim else scale
    scale = np.where(scale == 0, 1.0, scale)
    return shift.astype(np.float32), scale.astype(np.float32), stored


def to_tensor(x):
    x = np.asarray(x)
    if x.dtype == np.uint16:
        x = x.astype(np.int32)  # torch has no uint16 in older versions
    elif x.dtype in (np.uint32, np.uint64):
        x = x.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(x))


class {name}(Dataset):
    """Samples along the first axis of DATASET in FILE{label_doc}.

    The file is opened lazily, once in each process that reads (each DataLoader worker): an h5py
    handle opened before the workers start would be shared between processes, which breaks reads
    with num_workers > 1.
    """

    def __init__(self, file=FILE, dataset=DATASET, labels=LABELS, normalize=True):
        self.file, self.dataset, self.labels = file, dataset, labels
        self._handle = None
        self._pid = None
        with h5py.File(file, "r") as f:  # metadata only, closed again
            dset = f[dataset]
            self.length = dset.shape[0]
            self.sample_shape = dset.shape[1:]
            self.shift, self.scale, self.stored_normalized = read_normalization(dset.attrs, len(dset.shape) - 1)
        self.normalize = normalize and self.shift is not None and not self.stored_normalized

    def _open(self):
        if self._handle is None or self._pid != os.getpid():  # first use in this process
            self._handle = h5py.File(self.file, "r")
            self._pid = os.getpid()
        f = self._handle
        return f[self.dataset], (f[self.labels] if self.labels else None)

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        dset, labels = self._open()
        x = {read}
        if self.normalize:
            x = (np.asarray(x, dtype=np.float32) - self.shift) / self.scale
        x = to_tensor(x)
        if labels is None:
            return x
        return x, int(labels[index])

    def denormalize(self, y):
        """Values in the data's original units: y * scale + shift (for stored-normalized data too)."""
        if self.shift is None:
            return y
        return y * torch.as_tensor(self.scale) + torch.as_tensor(self.shift)

    def __getstate__(self):  # sent to worker processes without the open file
        state = self.__dict__.copy()
        state["_handle"] = None
        state["_pid"] = None
        return state

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None


if __name__ == "__main__":
    from torch.utils.data import DataLoader

    loader = DataLoader({name}(), batch_size=32, shuffle=True, num_workers=4)
    batch = next(iter(loader))
'''

_DECODE = '''decode(dset[index])'''
_DECODE_FN = '''

def decode(encoded):
    """An encoded picture (PNG, JPEG... bytes as stored by h5gui's import) -> array."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(np.asarray(encoded, dtype=np.uint8).tobytes())) as img:
        return np.asarray(img)
'''


def torch_snippet(file: str, path: str, *, class_name: str | None = None) -> str:
    """Python defining a PyTorch ``Dataset`` over the first axis of the dataset at ``path``
    (see the module's docstring). Raises :class:`BadRequestError` for data that is not numbers
    (or encoded images) or has no axis to index."""
    d = _facts(str(file), path)
    if d["group"]:
        raise BadRequestError(f"{d['path']} is a group: pick a dataset for a PyTorch Dataset")
    if not d["shape"]:
        raise BadRequestError(f"{d['path']} has no axis to index ({shape_text(d['shape'])}): a PyTorch Dataset "
                              "needs samples along the first axis")
    if not d["encoded"] and d["kind"] not in (NUMERIC, BOOL, ENUM):
        raise BadRequestError(f"{d['path']} holds {d['dtype_text']}: a PyTorch Dataset needs numbers "
                              "(or encoded images)")
    name = class_name if class_name and class_name.isidentifier() else _class_name(d["path"])
    label_doc = " (with the class labels of LABELS)" if d["labels"] else ""
    text = _TORCH.format(header=_header(d), file=d["file"], path=d["path"], labels=d["labels"], name=name,
                         label_doc=label_doc, read=_DECODE if d["encoded"] else "dset[index]")
    if d["encoded"]:
        marker = "\n\nclass "
        text = text.replace(marker, _DECODE_FN + marker, 1)
    return text


def snippet(file: str, path: str, *, torch: bool = False) -> str:
    """:func:`torch_snippet` when ``torch``, else :func:`h5py_snippet`."""
    return torch_snippet(file, path) if torch else h5py_snippet(file, path)
