"""Copy as code: Python that reads a dataset, ready for the clipboard.

:func:`h5py_snippet` opens the file with h5py and reads the dataset (or, for a big one, a slice of
it: variable-length data is sized by its values, not its descriptors); :func:`torch_snippet` defines a
PyTorch ``Dataset`` over its first axis, :func:`tf_snippet` a ``tf.data`` pipeline (a generator-based
``tf.data.Dataset``: Keras's ``model.fit`` takes it). Both loaders (:mod:`h5gui.core.loaders` has
their text and what makes them fast)

* open the file lazily, once per worker process, and keep the dataset object;
* find the labels by convention (:mod:`h5gui.core.labels`: ``labels`` beside the samples, ``y_*``
  beside ``x_*``; class names from ``class_names``) or take ``labels``;
* normalize on read from ``mean``/``std`` attributes, or return data normalized by h5gui's transform
  as stored (``denormalize`` undoes it);
* decode encoded layouts, converted to one mode and resized to one size so that batches stack;
* convert HWC unsigned integers to float CHW when asked (``chw``), take a ``transform``, and pick
  the DataLoader's ``num_workers`` from the cores.

Every function returns plain text; names and paths are written as Python literals (``repr``), so any
file name is safe to paste.
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

from h5gui.core import imaging, loaders
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.formatting import visible_text
from h5gui.core.h5 import files, links
from h5gui.core.h5.datasets import dataset_dtype
from h5gui.core.h5.limits import vlen_claimed_bytes
from h5gui.core.labels import class_names_of, labels_beside
from h5gui.core.paths import join, normalize_path
from h5gui.core.preview.axes import element_count
from h5gui.core.preview.common import kind_of
from h5gui.core.preview.records import BOOL, COMPOUND, ENUM, NUMERIC, STRING
from h5gui.core.text import format_bytes, shape_text

__all__ = ["BIG_READ_BYTES", "h5py_snippet", "snippet", "tf_snippet", "torch_snippet"]

BIG_READ_BYTES = 256 * 2**20  # larger datasets: the h5py snippet reads one slice, not everything
_NORM_ATTRS = ("normalization", "scale", "offset", "mean", "std")

log = logging.getLogger(__name__)


def _facts(file: str, path: str, labels: str | None = None) -> dict[str, Any]:
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
        if isinstance(vlen, np.dtype) and obj.shape:
            try:  # the values' size, not their descriptors': a big encoded dataset is not read at once
                d["nbytes"] = vlen_claimed_bytes(obj) or d["nbytes"]
            except (OSError, RuntimeError, ValueError):
                log.debug("cannot sum the variable-length sizes of %s", path, exc_info=True)
        if d["encoded"] and obj.shape and obj.shape[0]:
            _first_picture(obj, path, d)
        d["labels"], d["class_names"] = _labels(f, obj, path, labels, file)
    return d


def _first_picture(ds: h5py.Dataset, path: str, d: dict[str, Any]) -> None:
    """The size and mode (RGB or L) of the first encoded picture: what the loaders resize to."""
    try:
        a, _ = imaging.decode_image(np.asarray(ds[0], dtype=np.uint8), name=f"{path}[0]")
    except UnreadableError:
        log.debug("the first picture of %s cannot be decoded", path, exc_info=True)
        return
    d["first_size"] = (int(a.shape[1]), int(a.shape[0]))
    d["first_mode"] = "L" if a.ndim == 2 else "RGB"


def _labels(f: h5py.File, obj: h5py.Dataset, path: str, labels: str | None,
            file: str) -> tuple[str | None, tuple[str, ...]]:
    """The path of the labels of ``obj`` (``labels``, else found by convention: a hard link beside it)
    and the class names, or (None, ())."""
    if labels == "" or not obj.shape:
        return None, ()
    if labels is None:
        found = labels_beside(obj)
        if found is None:
            return None, ()
        return join(posixpath.dirname(path) or "/", posixpath.basename(found.name)), class_names_of(found, obj)
    where = normalize_path(labels)
    lab = links.open_object(f, where, file)
    if not isinstance(lab, h5py.Dataset) or lab.shape != (obj.shape[0],) or lab.dtype.kind not in "iu":
        raise BadRequestError(f"{where} cannot be the labels of {path}: they need one integer per sample "
                              f"({obj.shape[0]:,})")
    return where, class_names_of(lab, obj)


# what Python's tokenizer ends a line at (and other breaks an editor may show as one)
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _comment(text: Any) -> str:
    """Text from the file (names, attribute values) made safe in a ``#`` comment: on one line, control
    characters escaped. A name holding a line break would otherwise end the comment, and whatever
    followed it in the name would run as code when the snippet is pasted and run."""
    shown = visible_text(text if isinstance(text, bytes | str) else str(text))
    return _LINE_BREAKS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), shown)


def _header(d: dict[str, Any]) -> str:
    where = f"# {_comment(d['path'])} in {_comment(os.path.basename(d['file']))}"
    if d["group"]:
        return f"{where}: a group of {d['members']:,} member(s)"
    return f"{where}: {shape_text(d['shape'])} {_comment(d['dtype_text'])} ({format_bytes(d['nbytes'])})"


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
        lines.append(f"    # a structured array: fields {_comment(', '.join(d['dtype'].names))}")
    a = d["attrs"]
    if "normalization" in a and "scale" in a and "offset" in a:
        lines += [f"    # normalized by h5gui ({_comment(_scalar_text(a['normalization']))}): "
                  "original = data * scale + offset",
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


def _loader_values(d: dict[str, Any], name: str, labels: str | None, chw: bool, to_float: bool,
                   resize: tuple[int, int] | None) -> dict[str, str]:
    size, mode = d.get("first_size"), d.get("first_mode")
    label_doc = " (with the class labels of LABELS)" if labels else ""
    return {
        "HEADER": _header(d), "FILE": repr(d["file"]), "DATASET": repr(d["path"]), "LABELS": repr(labels),
        "CLASS_NAMES": repr(list(d["class_names"]) if labels else []), "NAME": name, "LABEL_DOC": label_doc,
        "MODE": repr(mode if d["encoded"] else None),
        "RESIZE": repr(tuple(resize) if resize else (tuple(size) if d["encoded"] and size else None)),
        "CHW": repr(chw), "TO_FLOAT": repr(to_float),
    }


def _loader_facts(file: str, path: str, labels: str | None, what: str) -> tuple[dict[str, Any], str | None]:
    d = _facts(str(file), path, labels)
    if d["group"]:
        raise BadRequestError(f"{d['path']} is a group: pick a dataset for a {what}")
    if not d["shape"]:
        raise BadRequestError(f"{d['path']} has no axis to index ({shape_text(d['shape'])}): a {what} "
                              "needs samples along the first axis")
    if not d["encoded"] and d["kind"] not in (NUMERIC, BOOL, ENUM):
        raise BadRequestError(f"{d['path']} holds {d['dtype_text']}: a {what} needs numbers (or encoded images)")
    return d, d["labels"]


def torch_snippet(file: str, path: str, *, class_name: str | None = None, labels: str | None = None,
                  chw: bool = False, resize: tuple[int, int] | None = None) -> str:
    """Python defining a PyTorch ``Dataset`` over the first axis of the dataset at ``path`` (see the
    module's docstring).

    Parameters
    ----------
    labels
        The labels dataset (default: found by convention; ``''``: none).
    chw
        Samples as float32 in [0, 1] (unsigned integers) with channels first.
    resize
        Encoded pictures: (width, height) to resize to (default: the first picture's size).

    Raises
    ------
    BadRequestError
        Data that is not numbers (or encoded images), has no axis to index, or labels that do not fit.
    """
    d, found = _loader_facts(file, path, labels, "PyTorch Dataset")
    name = class_name if class_name and class_name.isidentifier() and not keyword.iskeyword(class_name) \
        else _class_name(d["path"])
    return loaders.fill(loaders.TORCH, _loader_values(d, name, found, chw, chw, resize))


def tf_snippet(file: str, path: str, *, labels: str | None = None, chw: bool = False,
               resize: tuple[int, int] | None = None) -> str:
    """Python defining ``generate()`` (numpy samples, no TensorFlow needed) and ``make_dataset()`` (a
    batched, prefetched ``tf.data.Dataset`` from that generator) over the dataset at ``path``.
    Unsigned integers come as float32 in [0, 1] (channels last, as Keras takes them; ``chw``: first).
    Parameters and errors as :func:`torch_snippet`."""
    d, found = _loader_facts(file, path, labels, "tf.data pipeline")
    return loaders.fill(loaders.TF, _loader_values(d, "", found, chw, True, resize))


def snippet(file: str, path: str, *, torch: bool = False, tf: bool = False, labels: str | None = None,
            chw: bool = False, resize: tuple[int, int] | None = None) -> str:
    """:func:`torch_snippet` when ``torch``, :func:`tf_snippet` when ``tf``, else :func:`h5py_snippet`."""
    if torch:
        return torch_snippet(file, path, labels=labels, chw=chw, resize=resize)
    if tf:
        return tf_snippet(file, path, labels=labels, chw=chw, resize=resize)
    return h5py_snippet(file, path)
