"""The records of a sample grid: what the user asks (:class:`SampleSpec`) and the page of thumbnails
(:class:`SampleGrid` of :class:`Sample`). Imports numpy only, no h5py: the GUI draws them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ORDERS = ("random", "in-order")


@dataclass(frozen=True)
class SampleSpec:
    """A page of ``n`` samples of the stack (or encoded images) at ``path``: ``order='random'`` draws
    them with ``seed`` (the same page for the same seed), ``'in-order'`` takes ``start``,
    ``start + 1``... Thumbnails fit in ``size`` x ``size`` pixels. ``labels``: the labels dataset
    (None: found by convention, '' : none)."""

    file: str
    path: str
    n: int = 16
    order: str = "random"
    seed: int = 0
    start: int = 0
    size: int = 96
    labels: str | None = None
    allow_external: bool = False


@dataclass(frozen=True, slots=True)
class Sample:
    """One thumbnail: uint8 ``(h, w)`` grey or ``(h, w, 3|4)`` colour, and what it is."""

    index: int  # along the first axis of the dataset (click: open this frame)
    image: np.ndarray
    label: int | None = None
    name: str = ""  # the class name of ``label`` ('' when unknown)
    filename: str = ""  # from a ``filenames`` dataset beside the images
    error: str = ""  # why there is no picture (a corrupt encoded image): ``image`` is then empty

    @property
    def caption(self) -> str:
        """``'#12 cat'``, ``'#12 3'`` or ``'#12'``."""
        what = self.name or ("" if self.label is None else str(self.label))
        return f"#{self.index} {what}".strip()


@dataclass(frozen=True)
class SampleGrid:
    """A page of samples of ``path`` (``total`` along its first axis)."""

    file: str
    path: str
    total: int
    samples: tuple[Sample, ...]
    labels: str = ""  # the labels dataset used ('' none)
    class_names: tuple[str, ...] = ()
    note: str = ""  # how the values were mapped to 8 bits
