"""The output's storage: its chunk shape (a preset or the user's) and its compression."""

from __future__ import annotations

from typing import Any

from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import filters
from h5gui.core.text import format_bytes, shape_text
from h5gui.core.transform.geometry import Geometry, prod
from h5gui.core.transform.records import CHUNK_PRESETS, TransformSpec

CHUNK_TARGET = 1 * 2**20  # 'auto' chunks: about 1 MiB along the sample axis...
CHUNK_MAX = 4 * 2**20  # ...and at most 4 MiB


def auto_chunks(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """About 1 MiB along the first (sample) axis, at most 4 MiB (DESIGN.md "Chunks")."""
    shape = tuple(max(1, n) for n in shape)
    sample = prod(shape[1:]) * itemsize
    if sample <= CHUNK_MAX:
        n0 = max(1, min(shape[0], CHUNK_TARGET // max(sample, 1)))
        return (n0, *shape[1:])
    chunk = [1, *shape[1:]]
    while prod(chunk) * itemsize > CHUNK_MAX:
        i = max(range(1, len(chunk)), key=lambda a: chunk[a])
        chunk[i] = -(-chunk[i] // 2)
    return tuple(chunk)


def choose_chunks(spec: TransformSpec, geo: Geometry, itemsize: int, in_chunks: tuple[int, ...] | None,
                  warnings: list[str]) -> tuple[int, ...] | None:
    """The output's chunk shape for ``spec.chunks`` (None: contiguous); notes go to ``warnings``."""
    shape = geo.out_shape
    want = spec.chunks
    if isinstance(want, str):
        want = want.strip().lower()
        if want in ("", "none", "contiguous"):
            want = None
    if not shape:
        if want not in (None, "auto", "keep"):
            warnings.append("a scalar is stored contiguous (it cannot be chunked)")
        return None
    if prod(shape) == 0:
        if want is not None:
            warnings.append("the output is empty: stored contiguous")
        return None
    if want is None:
        return None
    if isinstance(want, str):
        if want not in CHUNK_PRESETS:
            raise BadRequestError(f"unknown chunks {spec.chunks!r}: use a shape like 64,28,28, or "
                                  f"{', '.join(CHUNK_PRESETS)}, none")
        if want == "keep":
            if in_chunks is None:
                if spec.compression:
                    warnings.append("the source is contiguous: compression needs chunks, auto chunks used")
                    return auto_chunks(shape, itemsize)
                return None
            kept: list[int] = []
            for q, n in enumerate(shape):
                j = geo.out_map[q]
                if j is not None:
                    kept.append(min(in_chunks[j], n))
                elif n == 1:
                    kept.append(1)
                else:
                    warnings.append("the source's chunks do not fit the new shape: auto chunks used")
                    return auto_chunks(shape, itemsize)
            return tuple(kept)
        if want == "sample" and len(shape) >= 2:
            chunk = (1, *shape[1:])
        elif want == "frame" and len(shape) >= 2:
            frame = 3 if len(shape) >= 3 and shape[-1] <= 4 else 2
            frame = min(frame, len(shape))
            chunk = (1,) * (len(shape) - frame) + shape[len(shape) - frame:]
        else:
            if want != "auto":
                warnings.append(f"'{want}' chunks need at least 2 axes: auto chunks used")
            return auto_chunks(shape, itemsize)
        if prod(chunk) * itemsize >= 2**32:
            warnings.append("one sample is 4 GiB or more, too big for an HDF5 chunk: auto chunks used")
            return auto_chunks(shape, itemsize)
        if prod(chunk) * itemsize > 64 * 2**20:
            warnings.append(f"chunks of {format_bytes(prod(chunk) * itemsize)} are large: reading one sample "
                            "of them is slow and uses a lot of memory")
        return tuple(chunk)
    try:
        chunk = tuple(int(v) for v in want)
    except (TypeError, ValueError):
        raise BadRequestError(f"chunks must be a shape like 64,28,28 or a preset, not {spec.chunks!r}") from None
    if len(chunk) != len(shape):
        raise BadRequestError(f"chunk shape {shape_text(chunk)} has {len(chunk)} axes, the output "
                              f"{shape_text(shape)} has {len(shape)}")
    for q, (c, n) in enumerate(zip(chunk, shape, strict=True)):
        if c < 1:
            raise BadRequestError(f"chunk shape {shape_text(chunk)}: lengths must be at least 1")
        if c > n:
            raise BadRequestError(f"chunk shape {shape_text(chunk)} exceeds the output {shape_text(shape)} "
                                  f"on axis {q}")
    if prod(chunk) * itemsize >= 2**32:
        raise BadRequestError(f"chunk shape {shape_text(chunk)} is {format_bytes(prod(chunk) * itemsize)}: "
                              "HDF5 chunks must be smaller than 4 GiB")
    return chunk


def compression_of(spec: TransformSpec, chunks: tuple[int, ...] | None) -> tuple[dict[str, Any], str | None]:
    """``(create_dataset keyword arguments, description)``."""
    name = (spec.compression or "").strip().lower()
    if name in ("", "none"):
        return {}, None
    if chunks is None:
        raise BadRequestError("compression needs chunked storage: choose chunks (e.g. auto)")
    blosc = name.partition(":")[0] in ("blosc", "blosc2")
    return filters.compression(name, spec.compression_opts, True if blosc else spec.shuffle or None)
