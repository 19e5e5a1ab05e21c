"""The image slice a preview read (:class:`~h5gui.core.preview.ImageSlice`) saved as ``.png`` or ``.npy``:
what ``h5gui-cli show --out`` writes (written under a temporary name, then moved into place)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from h5gui.core import imaging
from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.h5 import staging


def save_slice(s: Any, out: str) -> None:
    """Write ``s.data`` to ``out``: ``.npy`` as it is, ``.png`` as 8-bit with its levels (16-bit grey kept)."""
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".npy"):
        raise BadRequestError(f"--out must end in .png or .npy, not {out!r}")
    try:
        with staging.PartialFile(out, overwrite=True) as claim:
            with open(claim.path, "wb") as fh:
                if ext == ".npy":
                    np.save(fh, s.data)
                else:
                    data = s.data if s.data.dtype == np.uint16 and not s.rgb else imaging.to_uint8(s.data, s.levels)
                    fh.write(imaging.encode_png(data))
            claim.publish()
    except OSError as exc:
        raise FileAccessError(f"cannot write {out}: {exc.strerror or exc}") from exc
