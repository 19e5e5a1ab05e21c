"""The image slice a preview read (:class:`~h5gui.core.preview.ImageSlice`) saved as ``.png`` or ``.npy``:
what ``h5gui-cli show --out`` writes (written under a temporary name, then moved into place)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from h5gui.core import imaging
from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.h5 import staging


def write_staged(out: str, write: Callable[[IO[bytes]], object]) -> None:
    """``write`` the file ``out`` under its partial name, then move it into place; one line if it fails."""
    try:
        with staging.PartialFile(out, overwrite=True) as claim:
            with open(claim.path, "wb") as fh:
                write(fh)
            claim.publish()
    except OSError as exc:
        raise FileAccessError(f"cannot write {out}: {exc.strerror or exc}") from exc


def save_png(pixels: np.ndarray, out: str) -> None:
    """Write 8-bit ``pixels`` (H, W) or (H, W, 3|4) to ``out`` as a PNG."""
    write_staged(out, lambda fh: fh.write(imaging.encode_png(pixels)))


def save_slice(s: Any, out: str) -> None:
    """Write ``s.data`` to ``out``: ``.npy`` as it is, ``.png`` as 8-bit with its levels (16-bit grey kept)."""
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".npy"):
        raise BadRequestError(f"--out must end in .png or .npy, not {out!r}")

    def write(fh: IO[bytes]) -> None:
        if ext == ".npy":
            np.save(fh, s.data)
        else:
            data = s.data if s.data.dtype == np.uint16 and not s.rgb else imaging.to_uint8(s.data, s.levels)
            fh.write(imaging.encode_png(data))

    write_staged(out, write)
