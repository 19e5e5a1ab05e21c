"""The defaults a transform wizard starts from, following the data: a channel axis is added only to
stacks of single-channel pictures that lack one, integers become float32 scaled to [0, 1]."""

from __future__ import annotations

import h5py
import numpy as np

from h5gui.core import preview
from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files, links
from h5gui.core.h5.datasets import dataset_dtype
from h5gui.core.paths import normalize_path
from h5gui.core.transform.plan import data_channel_axis
from h5gui.core.transform.records import TransformSpec


def default_spec(file: str, source: str) -> TransformSpec:
    """A :class:`TransformSpec` for ``source`` with the defaults that fit its data.

    * ``(N, H, W)`` integers (a stack of grey pictures): add a channel axis last (``(N, H, W, 1)``);
      data that has a channel axis already (``(N, H, W, 3)``, the HDF5 image attributes, or a
      ``(3|4, H, W)`` 8-bit picture that the preview shows in colour) gets none;
    * ``uint8`` / ``uint16``: float32 divided by 255 / 65535; other integers: float32, not normalized;
    * ``channel_axis`` is left to the data (None): per-channel statistics follow its channel axis
      through the moves (:func:`~h5gui.core.transform.plan.channel_out_axis`).

    Raises
    ------
    BadRequestError
        ``source`` is not a dataset.
    """
    path = normalize_path(source)
    with files.open_file(file) as f:
        ds = links.open_object(f, path, str(file))
        if not isinstance(ds, h5py.Dataset):
            raise BadRequestError(f"{path} in {file} is not a dataset")
        shape = tuple(ds.shape or ())
        dt = preview.base_dtype(dataset_dtype(ds, path))
        channel = data_channel_axis(ds, shape)
    add_axis = -1 if len(shape) == 3 and channel is None and dt.kind in "iub" else None
    dtype = normalize = None
    scale: float | None = None
    if dt.kind in "iub":
        dtype = "float32"
        top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(np.dtype(dt).newbyteorder("="))
        if top is not None:
            normalize, scale = "scale", top
    return TransformSpec(file=str(file), source=path, add_axis=add_axis, dtype=dtype, normalize=normalize, scale=scale)
