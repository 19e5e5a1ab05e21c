"""The output's attributes: the source's (less what no longer holds), provenance and the inverse of a
normalization, dimension scales and labels; temporary names beside the output."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from h5gui import __version__
from h5gui.core import attrs as core_attrs
from h5gui.core import preview
from h5gui.core.h5 import links, staging
from h5gui.core.h5.dataset_io import write_ascii_attr
from h5gui.core.h5.images import IMAGE_ATTRS, write_interpretation
from h5gui.core.paths import normalize_path
from h5gui.core.transform.plan import Context
from h5gui.core.transform.records import spec_json
from h5gui.core.transform.stats import Stats

log = logging.getLogger(__name__)

_SCALE_ATTRS = ("DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS")
_STAT_ATTRS = ("scale", "offset", "min", "max", "mean", "std", "clip_min", "clip_max", "channel_axis",
               "normalization", "stats_from")


def copy_attrs(ctx: Context, src: h5py.Dataset, out: h5py.Dataset) -> None:
    """Copy the source's attributes to ``out``, less those the new shape or values make wrong."""
    skip = set(_SCALE_ATTRS)
    if preview.attr_text(src.attrs, "CLASS") == "DIMENSION_SCALE":
        skip |= {"CLASS", "NAME"}
    if ctx.image == "drop":
        skip |= set(IMAGE_ATTRS)
    if ctx.values_change:
        skip.add("IMAGE_MINMAXRANGE")
    if ctx.mode is not None:
        skip |= set(_STAT_ATTRS)
    for name in list(src.attrs):
        if name in skip:
            continue
        try:
            v = core_attrs.read_raw(src.id, name, ctx.file)
            data, ftype, mtype = core_attrs.prepare_raw(v)
            core_attrs.create_raw(out.id, name, data, ftype, mtype)
        except Exception as exc:  # one odd attribute does not sink the transform
            log.warning("attribute %s of %s not copied: %s", name, ctx.source, exc)
            ctx.warnings.append(f"attribute {name} could not be copied")
    if ctx.image in ("INTERLACE_PLANE", "INTERLACE_PIXEL"):
        write_ascii_attr(out, "INTERLACE_MODE", ctx.image)
    if ctx.image and ctx.image != "drop":  # still an image: silx and H5Web are told so too
        interlace = ctx.image if ctx.image != "keep" else preview.attr_text(src.attrs, "INTERLACE_MODE")
        write_interpretation(out, colour=interlace == "INTERLACE_PIXEL")


def write_provenance(ctx: Context, out: h5py.Dataset, stats: Stats, report_stats: dict[str, Any]) -> None:
    """Store how ``out`` was made (``h5gui_*``) and how to invert a normalization (``scale``, ``offset``...)."""
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    per = ctx.channel_mid is not None
    if ctx.mode is not None:
        for k, v in stats.attrs(per).items():
            if k in ("count", "nonfinite"):
                continue
            out.attrs[k] = np.asarray(v, dtype=np.float64)
        out.attrs["normalization"] = ctx.mode
        if per and ctx.channel_out is not None:
            out.attrs["channel_axis"] = np.int64(ctx.channel_out)
        if ctx.spec.stats_from:
            out.attrs["stats_from"] = normalize_path(ctx.spec.stats_from)
    out.attrs["h5gui_source"] = ctx.source
    out.attrs["h5gui_operations"] = np.array(ctx.steps, dtype=h5py.string_dtype())
    out.attrs["h5gui_date"] = now
    out.attrs["h5gui_version"] = __version__
    record = {"source": ctx.source, "file": os.path.basename(ctx.file), "spec": spec_json(ctx.spec),
              "operations": ctx.steps, "statistics": report_stats, "date": now, "h5gui_version": __version__,
              "inverse": "x = y * scale + offset" if ctx.mode else None}
    out.attrs["h5gui_transform"] = json.dumps(record, default=str)


def attach_scales(ctx: Context, src: h5py.Dataset, out: h5py.Dataset) -> list[tuple[int, h5py.Dataset]]:
    """Give ``out`` the dimension scales and labels of the source axes that survive; returns what was attached."""
    attached: list[tuple[int, h5py.Dataset]] = []
    for q, j in ctx.scales:
        dim = src.dims[j]
        label = dim.label
        if label:
            out.dims[q].label = label
        for scale in dim.values():
            out.dims[q].attach_scale(scale)
            attached.append((q, scale))
    return attached


def detach_scales(ds: h5py.Dataset, attached: Sequence[tuple[int, h5py.Dataset]]) -> None:
    """Undo :func:`attach_scales` (best effort: a failure is logged)."""
    for q, scale in attached:
        try:
            ds.dims[q].detach_scale(scale)
        except Exception as exc:  # pragma: no cover - best effort
            log.warning("could not detach a dimension scale from %s: %s", ds.name, exc)


def source_scales(ds: h5py.Dataset) -> list[tuple[int, h5py.Dataset]]:
    """``(axis, scale)`` for every dimension scale attached to ``ds``."""
    out: list[tuple[int, h5py.Dataset]] = []
    if "DIMENSION_LIST" not in ds.attrs:
        return out
    for j in range(len(ds.shape or ())):
        try:
            out.extend((j, s) for s in ds.dims[j].values())
        except Exception:  # pragma: no cover - defensive: a broken dimension list has no scales to keep
            log.debug("dimension scales of axis %d of %s unreadable", j, ds.name, exc_info=True)
    return out


def temp_name(group: h5py.Group, name: str, what: str) -> str:
    """A free temporary name in ``group`` for ``name`` (``what``: 'partial' or 'old')."""
    return staging.temp_name(what, name, taken=lambda candidate: links.link_info(group.id, candidate) is not None)
