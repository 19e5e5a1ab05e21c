"""The text of the loader snippets (:mod:`h5gui.core.snippets` fills it in): a PyTorch ``Dataset`` and a
``tf.data`` pipeline over a dataset of samples, sharing one sample reader.

What makes them fast and complete (each point measured or tested, see ``bench/bench_loaders.py``):

* the file is opened lazily, once per process (each DataLoader worker, each tf.data generator), and
  the h5py dataset object is kept: looking it up for every sample cost ~15x the read of a small one;
* the labels (one integer per sample) are read once, at construction, into a numpy array;
* encoded pictures (PNG, JPEG... bytes) are decoded, converted to one mode and resized to one size so
  that batches stack; numbers are normalized on read from ``mean``/``std`` attributes, or returned as
  stored when h5gui normalized them already (``denormalize`` gives the original units back);
* ``to_float`` maps unsigned integers to [0, 1] float32, ``chw`` moves channels first (what conv nets
  take); ``transform`` / ``target_transform`` are applied last;
* the DataLoader's ``num_workers`` comes from the cores this process may use.

The templates are plain text with ``%%NAME%%`` markers (no ``str.format``: the code is full of braces).
"""

from __future__ import annotations

import re

COMMON = '''
%%HEADER%%
FILE = %%FILE%%
DATASET = %%DATASET%%
LABELS = %%LABELS%%  # one integer per sample; None: samples only
CLASS_NAMES = %%CLASS_NAMES%%
# encoded pictures: decoded as MODE and resized to RESIZE (width, height) so that batches stack
MODE = %%MODE%%
RESIZE = %%RESIZE%%


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


UNIT = {n: np.float32(1.0 / (2 ** (8 * n) - 1)) for n in (1, 2, 4, 8)}  # unsigned integers -> [0, 1]


def decode(encoded, mode=MODE, size=RESIZE):
    """An encoded picture (PNG, JPEG... bytes as h5gui's import stores them) -> array, as `mode`, resized
    to `size` (width, height)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(np.asarray(encoded, dtype=np.uint8).tobytes())) as img:
        if mode and img.mode != mode:
            img = img.convert(mode)
        if size is not None and img.size != tuple(size):
            img = img.resize(tuple(size), Image.BILINEAR)
        return np.array(img)  # writable (torch warns about read-only arrays)


class Samples:
    """The samples of DATASET and their labels. The file is opened lazily, once in each process that
    reads (each DataLoader worker, each generator): an h5py file opened before the worker processes
    start would be shared between them, which breaks reads. The dataset object is kept (looking it up
    again for every sample costs more than reading a small one); the labels are read once."""

    def __init__(self, file=FILE, dataset=DATASET, labels=LABELS, normalize=True, to_float=False, chw=False):
        with h5py.File(file, "r") as f:  # metadata and labels only, closed again
            dset = f[dataset]
            self.length = dset.shape[0]
            self.encoded = h5py.check_vlen_dtype(dset.dtype) is not None
            kind, itemsize = dset.dtype.kind, dset.dtype.itemsize
            self.shift, self.scale, self.stored_normalized = read_normalization(dset.attrs, len(dset.shape) - 1)
            self.targets = np.asarray(f[labels][()], dtype=np.int64) if labels else None
        self.file, self.dataset = file, dataset
        self.normalize = normalize and self.shift is not None and not self.stored_normalized
        self.to_float, self.chw = to_float, chw
        # unsigned integers to [0, 1] (encoded pictures decode to uint8)
        self.unit = UNIT[1 if self.encoded else itemsize] if to_float and (self.encoded or kind == "u") else None
        self._pid = self._file = self._dset = None

    def _open(self):
        self._file = h5py.File(self.file, "r")
        self._dset = self._file[self.dataset]
        self._pid = os.getpid()
        return self._dset

    def sample(self, index):
        """Sample `index` as a numpy array (decoded, normalized, float, channels first, as asked)."""
        dset = self._dset if self._pid == os.getpid() else self._open()
        return self.convert(dset[index])

    def convert(self, x):
        """A sample as read -> as asked."""
        if self.encoded:
            x = decode(x)
        if self.normalize:
            x = (np.asarray(x, dtype=np.float32) - self.shift) / self.scale
        elif self.unit is not None:
            x = np.multiply(x, self.unit, dtype=np.float32)  # [0, 1]
        if self.chw:  # (H, W) -> (1, H, W), (H, W, C) -> (C, H, W)
            x = x[None] if x.ndim == 2 else np.ascontiguousarray(np.moveaxis(x, -1, 0))
        return x

    def __getstate__(self):  # sent to worker processes without the open file
        state = self.__dict__.copy()
        state.update(_pid=None, _file=None, _dset=None)
        return state

    def close(self):
        if self._file is not None:
            self._file.close()
        self._pid = self._file = self._dset = None
'''

TORCH = '''import os

import h5py
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
%%COMMON%%

def to_tensor(x):
    x = np.asarray(x)
    if x.dtype == np.uint16:
        x = x.astype(np.int32)  # torch has no uint16 in older versions
    elif x.dtype in (np.uint32, np.uint64):
        x = x.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(x))


def num_workers():
    """DataLoader workers: one per core this process may use (at most 8), none on a single core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 0 if cores <= 1 else min(cores, 8)


class %%NAME%%(Dataset):
    """Samples along the first axis of DATASET in FILE%%LABEL_DOC%%.

    to_float: unsigned integers as float32 in [0, 1]; chw: channels first ((H, W, C) -> (C, H, W)), as
    conv nets take them; transform / target_transform: applied to each sample / label last.
    """

    def __init__(self, file=FILE, dataset=DATASET, labels=LABELS, normalize=True, to_float=%%TO_FLOAT%%,
                 chw=%%CHW%%, transform=None, target_transform=None):
        self.samples = Samples(file, dataset, labels, normalize, to_float, chw)
        self.transform, self.target_transform = transform, target_transform
        self.targets = self.samples.targets
        self.classes = list(CLASS_NAMES)

    def __len__(self):
        return self.samples.length

    def __getitem__(self, index):
        x = to_tensor(self.samples.sample(index))
        if self.transform is not None:
            x = self.transform(x)
        if self.targets is None:
            return x
        y = int(self.targets[index])
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def denormalize(self, y):
        """Values in the data's original units: y * scale + shift (for stored-normalized data too)."""
        s = self.samples
        if s.shift is None:
            return y
        return y * torch.as_tensor(s.scale) + torch.as_tensor(s.shift)

    def close(self):
        self.samples.close()


if __name__ == "__main__":
    workers = num_workers()
    loader = DataLoader(%%NAME%%(), batch_size=32, shuffle=True, num_workers=workers, persistent_workers=workers > 0)
    batch = next(iter(loader))
'''

TF = '''import os

import h5py
import numpy as np
%%COMMON%%

def generate(file=FILE, dataset=DATASET, labels=LABELS, shuffle=True, seed=None, indices=None, to_float=%%TO_FLOAT%%,
             chw=%%CHW%%, **options):
    """(x, y) pairs of numpy arrays (x alone without labels), in a new random order on each call with
    `shuffle` (the same order for the same `seed`); `indices` picks a subset. Needs no TensorFlow."""
    samples = Samples(file, dataset, labels, to_float=to_float, chw=chw, **options)
    order = np.arange(samples.length) if indices is None else np.asarray(indices)
    if shuffle:
        np.random.default_rng(seed).shuffle(order)
    dset, convert, targets = samples._open(), samples.convert, samples.targets  # one process: opened once
    try:
        for i in order.tolist():
            yield (convert(dset[i]), targets[i]) if targets is not None else convert(dset[i])
    finally:
        samples.close()


def make_dataset(batch_size=32, shuffle=True, seed=None, to_float=%%TO_FLOAT%%, chw=%%CHW%%, **options):
    """A batched, prefetched tf.data.Dataset over `generate` (for Keras: model.fit(make_dataset()))."""
    import tensorflow as tf

    first = next(generate(shuffle=False, indices=[0], to_float=to_float, chw=chw, **options))
    x0 = first[0] if isinstance(first, tuple) else first
    x_spec = tf.TensorSpec(shape=x0.shape, dtype=tf.as_dtype(x0.dtype))
    signature = (x_spec, tf.TensorSpec(shape=(), dtype=tf.int64)) if isinstance(first, tuple) else x_spec
    ds = tf.data.Dataset.from_generator(
        lambda: generate(shuffle=shuffle, seed=seed, to_float=to_float, chw=chw, **options), output_signature=signature)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


if __name__ == "__main__":
    dataset = make_dataset()
    batch = next(iter(dataset))
'''


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with every ``%%NAME%%`` replaced by ``values[NAME]`` (``COMMON`` first), in one pass:
    a value (text from the file: a path, class names) is never scanned for markers again, so a name such
    as ``/a%%CLASS_NAMES%%`` cannot pull another value into its string literal."""
    text = template.replace("%%COMMON%%", COMMON)
    return re.sub(r"%%([A-Z_]+)%%", lambda m: values.get(m.group(1), m.group(0)), text)
