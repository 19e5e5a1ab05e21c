"""Labels by convention, for statistics, sample grids and loader snippets: which dataset holds the
labels of a stack of samples, whether a dataset is one, and the names of its classes.

Conventions (what h5gui's import writes, and what Keras-era files use): a ``labels`` dataset beside
the samples (the import's classes layout: ``images``, ``labels``, ``class_names``); ``y_train`` beside
``x_train`` (``y`` beside ``x``, ``Y_*`` beside ``X_*``); class names in a ``class_names`` attribute of
the labels, of their group or of the samples, or in a ``class_names`` dataset beside them. Only hard
links in the same group are looked at: no link is followed.
"""

from __future__ import annotations

import posixpath
from typing import Any

import h5py
import numpy as np

from h5gui.core.h5.datasets import hard_sibling

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
        obj = hard_sibling(ds, candidate)
        if isinstance(obj, h5py.Dataset) and obj.shape is not None and len(obj.shape) == 1 \
                and obj.shape[0] == ds.shape[0] and obj.dtype.kind in "iu":
            return obj
    return None


def class_names_of(ds: h5py.Dataset, *others: h5py.Dataset) -> tuple[str, ...]:
    """``class_names`` of ``ds``, of its group or of ``others`` (an attribute), or a dataset beside ``ds``."""
    for owner in (ds, ds.parent, *others):
        if "class_names" in owner.attrs:
            return tuple(_text(v) for v in np.atleast_1d(owner.attrs["class_names"]))[:MAX_CLASSES]
    sib = hard_sibling(ds, "class_names")
    if isinstance(sib, h5py.Dataset) and sib.ndim == 1 and sib.dtype.kind in "SOU" and sib.shape[0] <= MAX_CLASSES:
        return tuple(_text(v) for v in sib[()])
    return ()


def is_labels(ds: h5py.Dataset) -> bool:
    """A 1-D integer dataset named ``labels``, ``label``, ``y`` or ``y_*``, or with class names."""
    if ds.ndim != 1 or ds.dtype.kind not in "iu":
        return False
    name = posixpath.basename(ds.name or "")
    return name in ("labels", "label", "y", "Y") or name[:2] in ("y_", "Y_") or bool(class_names_of(ds))
