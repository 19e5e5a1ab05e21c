"""Labels by convention, for statistics, sample grids and loader snippets: which dataset holds the
labels of a stack of samples, whether a dataset is one, and the names of its classes.

Conventions (what h5gui's import writes, and what Keras-era files use): a ``labels`` dataset beside
the samples (the import's classes layout: ``images``, ``labels``, ``class_names``); ``y_train`` beside
``x_train`` (``y`` beside ``x``, ``Y_*`` beside ``X_*``); class names in a ``class_names`` attribute of
the labels, of their group or of the samples, or in a ``class_names`` dataset beside them. Only hard
links in the same group are looked at: no link is followed.
"""

from __future__ import annotations

import logging
import math
import posixpath
from typing import Any

import h5py
import numpy as np

from h5gui.core.h5.datasets import hard_sibling, missing_filter, read_selection

log = logging.getLogger(__name__)

MAX_CLASSES = 1 << 20  # class names read at most


def _text(v: Any) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def label_names(name: str) -> tuple[str, ...]:
    """The names the labels of a dataset called ``name`` go by, most likely first."""
    out = []
    for x, y in (("x_", "y_"), ("X_", "Y_"), ("x", "y"), ("X", "Y")):
        if name.startswith(x) and (len(x) == 2 or name == x):
            out.append(y + name[len(x):])
    if name.startswith("images"):  # images_f32 (a transform's output) beside labels
        out.append("labels")
    out.append("labels")
    return tuple(dict.fromkeys(out))


def labels_beside(ds: h5py.Dataset) -> h5py.Dataset | None:
    """The labels of the samples ``ds`` (one integer per sample along its first axis), or None."""
    if not ds.shape:
        return None
    name = posixpath.basename(ds.name or "")
    for candidate in label_names(name):
        if candidate == name:
            continue
        try:
            obj = hard_sibling(ds, candidate)
        except (KeyError, OSError, RuntimeError, ValueError, TypeError) as exc:  # a damaged sibling: not labels
            log.info("%s beside %s cannot be opened: %s", candidate, ds.name, exc)
            continue
        if isinstance(obj, h5py.Dataset) and obj.shape is not None and len(obj.shape) == 1 \
                and obj.shape[0] == ds.shape[0] and _kind(obj) in "iu":
            return obj
    return None


def _kind(ds: h5py.Dataset) -> str:
    """numpy's kind of ``ds``'s values; ``'?'`` for a datatype numpy has no equivalent of (labels they are not)."""
    try:
        return str(ds.dtype.kind)
    except (TypeError, ValueError):  # e.g. the HDF5 time class
        return "?"


def class_names_of(ds: h5py.Dataset, *others: h5py.Dataset) -> tuple[str, ...]:
    """``class_names`` of ``ds``, of its group or of ``others`` (an attribute), or a dataset beside ``ds``."""
    names, sib = _names_source(ds, *others)
    if names is not None:
        return tuple(_text(v) for v in names)[:MAX_CLASSES]
    if sib is not None and sib.shape[0] <= MAX_CLASSES:
        return tuple(_text(v) for v in sib[()])
    return ()


def _names_source(ds: h5py.Dataset, *others: h5py.Dataset,
                  max_attr_bytes: int | None = None) -> tuple[np.ndarray | None, h5py.Dataset | None]:
    """Where the class names are (:func:`class_names_of`): ``(the attribute's values, None)``, ``(None, the
    class_names dataset)`` or ``(None, None)`` (also for an attribute stored in more than ``max_attr_bytes``)."""
    for owner in (ds, ds.parent, *others):
        if "class_names" in owner.attrs:
            if max_attr_bytes is not None and \
                    h5py.h5a.open(owner.id, b"class_names").get_storage_size() > max_attr_bytes:
                return None, None
            return np.atleast_1d(owner.attrs["class_names"]), None
    sib = hard_sibling(ds, "class_names")
    if isinstance(sib, h5py.Dataset) and sib.ndim == 1 and _kind(sib) in "SOU":
        return None, sib
    return None, None


def is_labels(ds: h5py.Dataset) -> bool:
    """A 1-D integer dataset named ``labels``, ``label``, ``y`` or ``y_*``, or with class names."""
    if ds.ndim != 1 or _kind(ds) not in "iu":
        return False
    name = posixpath.basename(ds.name or "")
    return name in ("labels", "label", "y", "Y") or name[:2] in ("y_", "Y_") or bool(class_names_of(ds))


CAPTION_BYTES = 1 << 20  # a labels chunk or a class_names attribute read for a frame's caption, at most


def sample_label(ds: h5py.Dataset, i: int) -> tuple[str, str]:
    """The label of sample ``i`` of ``ds``, as the image view shows it beside a frame: ``('3 (cat)',
    '/train/labels[3]')``; ``('', '')`` when no labels dataset is beside ``ds``, when its data is not
    plainly in the file (external or virtual storage, a filter that is not installed: never read for a
    caption), when reading it would take more than :data:`CAPTION_BYTES` (a big chunk, a big attribute of
    class names), or when it cannot be read: the caption is optional and never fails the frame. One
    element is read, and one class name."""
    try:
        return _sample_label(ds, i)
    except SystemError:  # Ctrl-C inside an HDF5 callback: a cancel, not a bad caption
        raise
    except Exception:  # a damaged labels dataset (any error h5py raises): no caption, said in the log
        log.info("no label for sample %d of %s", i, getattr(ds, "name", "?"), exc_info=True)
        return "", ""


def _sample_label(ds: h5py.Dataset, i: int) -> tuple[str, str]:
    lab = labels_beside(ds)
    if lab is None or not 0 <= i < lab.shape[0] or not _plain(lab) or not _small_chunks(lab):
        return "", ""
    where = f"{lab.name}[{i}]"
    value = int(read_selection(lab, (i,), where))
    name = _class_name(lab, ds, value)
    return (f"{value} ({name})" if name else str(value)), where


def _small_chunks(ds: h5py.Dataset) -> bool:
    """Whether one chunk of ``ds`` (what reading one element decompresses) holds at most :data:`CAPTION_BYTES`."""
    return ds.chunks is None or math.prod(ds.chunks) * ds.dtype.itemsize <= CAPTION_BYTES


def _plain(ds: h5py.Dataset) -> bool:
    """Data stored in the file itself (no external raw storage, not virtual) with its filters installed."""
    if not isinstance(ds, h5py.Dataset):
        return False  # a dataset read through a server: its labels are not looked up for each frame
    dcpl = ds.id.get_create_plist()
    return dcpl.get_layout() != h5py.h5d.VIRTUAL and dcpl.get_external_count() == 0 and not missing_filter(ds, ds.name)


def _class_name(labels: h5py.Dataset, ds: h5py.Dataset, value: int) -> str:
    """The name of class ``value`` (where :func:`class_names_of` finds them), reading one name of a dataset;
    names that would take more than :data:`CAPTION_BYTES` to read give none."""
    if value < 0:
        return ""
    names, sib = _names_source(labels, ds, max_attr_bytes=CAPTION_BYTES)
    if names is not None:
        return _text(names[value]) if value < len(names) else ""
    if sib is not None and value < sib.shape[0] and _plain(sib) and _small_chunks(sib):
        return _text(read_selection(sib, (value,), f"{sib.name}[{value}]"))
    return ""
