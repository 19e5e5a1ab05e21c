"""The value side of a transform: the source's and the output's dtypes, their ranges, rounding, and
whether a value can fall outside the output's dtype."""

from __future__ import annotations

import h5py
import numpy as np

from h5gui.core import preview
from h5gui.core.dtypes import describe_dtype
from h5gui.core.errors import BadRequestError, UnreadableError
from h5gui.core.transform.records import CONSTANT_MODES, TransformSpec, constants_of

ROUND = {"round": np.rint, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}


def native(dt: np.dtype) -> np.dtype:
    """``dt`` in native byte order."""
    return dt.newbyteorder("=") if dt.byteorder not in ("=", "|") else dt


def source_dtype(ds: h5py.Dataset, path: str, work: str = "transform works") -> np.dtype:
    """The dtype the transform reads ``ds`` as (native, real numbers only), or why it cannot (``work``:
    what needs numbers, in the message: 'transform works', 'statistics are computed')."""
    try:
        dt = ds.dtype
    except Exception as exc:
        raise UnreadableError(f"cannot read {path}: h5py cannot map its datatype") from exc
    if dt.kind == "b":
        return np.dtype(bool)
    base = preview.base_dtype(dt)
    if base.kind in "iuf" and base.names is None and base.subdtype is None and base.itemsize <= 8:
        return native(base)
    if base.kind == "c":
        raise BadRequestError(f"{path} holds complex numbers: {work} on real numbers")
    raise BadRequestError(f"{path} holds {describe_dtype(dt)}: {work} on numbers")


def target_dtype(spec: TransformSpec, in_dt: np.dtype) -> np.dtype:
    """The output's dtype: ``spec.dtype``, or the source's (float32 when normalizing integers)."""
    if spec.dtype is None or spec.dtype == "":
        if spec.normalize is not None:
            return np.dtype("float64") if in_dt == np.float64 else np.dtype("float32")
        return np.dtype("uint8") if in_dt.kind == "b" else in_dt
    try:
        dt = np.dtype(spec.dtype)
    except TypeError:
        raise BadRequestError(f"unknown dtype {spec.dtype!r}: use e.g. uint8, int16, float32, float64") from None
    if dt.kind not in "iuf" or dt.itemsize > 8 or dt.names is not None:
        raise BadRequestError(f"cannot cast to {dt.name}: choose an integer or float dtype (uint8 ... float64)")
    return native(dt)


def value_range(dt: np.dtype) -> tuple[float, float]:
    """The float64 interval that fits ``dt`` (for int64 the largest float64 below 2**63)."""
    if dt.kind == "f":
        fi = np.finfo(dt)
        return -float(fi.max), float(fi.max)
    if dt.kind == "b":
        return 0.0, 1.0
    ii = np.iinfo(dt)
    lo, hi = float(ii.min), float(ii.max)
    if int(hi) > ii.max:
        hi = float(np.nextafter(hi, -np.inf))
    if int(lo) < ii.min:
        lo = float(np.nextafter(lo, np.inf))
    return lo, hi


def int_range(dt: np.dtype) -> tuple[int, int]:
    """The smallest and largest value of an integer (or bool) dtype."""
    if dt.kind == "b":
        return 0, 1
    ii = np.iinfo(dt)
    return int(ii.min), int(ii.max)


def may_overflow(in_dt: np.dtype, out_dt: np.dtype, mode: str | None, spec: TransformSpec) -> bool:
    """Whether some value could fall outside ``out_dt`` (decided again after the statistics).

    Into floats only finite values beyond the dtype's largest count (infinity and NaN stay as they
    are): a normalization by the data's own statistics cannot produce them (min-max and percentiles
    give [0, 1] or [-1, 1]; a z-score of n values is at most sqrt(n) < 1e19, beyond only float16), and
    one by constants only when they stretch the source's range beyond the output's. Into integers NaN
    and infinity always need the policy, so every normalization of floats may overflow."""
    if out_dt.kind == "f" and mode is not None and not spec.stats_from:  # another dataset's statistics bound nothing
        if mode in ("minmax", "minmax-1", "clip-percentiles"):
            return False
        if mode == "zscore":
            return out_dt.itemsize < 4
    if mode in ("minmax", "minmax-1", "clip-percentiles"):
        return out_dt.kind in "iu" or in_dt.kind == "f"  # inf and NaN
    if mode in CONSTANT_MODES and not (in_dt.kind == "f" and out_dt.kind in "iu"):
        consts = constants_of(spec)
        assert consts is not None
        offset, scale = (np.asarray(c, dtype=np.float64) for c in consts)
        ends = np.array(int_range(in_dt) if in_dt.kind in "iub" else value_range(in_dt), dtype=np.float64)
        with np.errstate(all="ignore"):
            ends = (ends[:, None] - offset[None, :]) / scale[None, :]
        if out_dt.kind in "iu":
            ends = ROUND[spec.rounding](ends)
        vlo, vhi = value_range(out_dt)
        return bool(not np.isfinite(ends).all() or ends.min() < vlo or ends.max() > vhi)
    if mode is not None:
        return True
    if in_dt.kind == "f":
        return out_dt.kind in "iu" or out_dt.itemsize < in_dt.itemsize
    lo, hi = int_range(in_dt)
    if out_dt.kind in "iu":
        olo, ohi = int_range(out_dt)
        return lo < olo or hi > ohi
    return float(hi) > value_range(out_dt)[1]
