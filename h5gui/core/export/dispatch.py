"""The one entry point: :func:`export` picks the export by the target's extension (:func:`format_of`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from h5gui.core import structure
from h5gui.core.errors import BadRequestError
from h5gui.core.export.common import Opener, format_of
from h5gui.core.export.npy import export_array
from h5gui.core.export.picture import export_image
from h5gui.core.export.records import ExportReport
from h5gui.core.export.stack import export_stack
from h5gui.core.export.table import export_table
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job


def export(file: str, path: str, out: str, *, index: Sequence[int] = (), levels: Any = None,
           colormap: str | None = None, delimiter: str | None = None, image_format: str = "png",
           overwrite: bool = False, allow_external: bool = False,
           axes: Sequence[int | None] | None = None, log: bool = False,
           complex_part: str = "abs", opener: Opener | None = None,
           copy_hdf5: Callable[[str, str, str], Job[Any]] | None = None) -> Job[ExportReport]:
    """Job: export by ``out``'s extension (see :func:`format_of`): ``.npy``, ``.csv``/``.tsv``/``.txt``,
    ``.png``/``.tif``, ``.h5`` (a new HDF5 file, :func:`h5gui.core.structure.export_hdf5`), or a folder
    (a stack of ``image_format`` pictures). ``axes``: pictures only, the plane on (rows, columns,
    channel or None) at ``index`` on the other axes (what the preview shows); ``log``: a picture of log10
    of the values; ``complex_part``: what a picture shows of complex values (abs, phase, real, imag).
    ``opener`` and ``copy_hdf5``: how the dataset is opened and an object copied to a new HDF5 file (default:
    the local file's; the HSDS twins, :mod:`h5gui.core.hsds.export`, read a domain)."""
    fmt = format_of(out)
    if axes is not None and fmt not in ("png", "tif"):
        raise BadRequestError("--axes applies to a .png or .tif export (one picture)")
    if log and fmt not in ("png", "tif"):
        raise BadRequestError("--log applies to a .png or .tif export (one picture)")
    if fmt == "npy":
        return (yield from export_array(file, path, out, index=index, overwrite=overwrite,
                                        allow_external=allow_external, opener=opener))
    if fmt == "csv":
        return (yield from export_table(file, path, out, index=index, delimiter=delimiter, overwrite=overwrite,
                                        allow_external=allow_external, opener=opener))
    if fmt in ("png", "tif"):
        return (yield from export_image(file, path, out, index=index, levels=levels, colormap=colormap,
                                        overwrite=overwrite, allow_external=allow_external, axes=axes, log=log,
                                        complex_part=complex_part, opener=opener))
    if fmt == "hdf5":
        if index:
            raise BadRequestError("--index does not apply to an HDF5 export (the whole object is copied)")
        if overwrite:
            raise BadRequestError("an HDF5 export never overwrites a file: choose a new name")
        report = yield from (copy_hdf5 or structure.export_hdf5)(file, path, out)
        return ExportReport(str(file), normalize_path(path), report.dest_file, "hdf5", (), "", 1,
                            os.path.getsize(report.dest_file),
                            f"{report.objects:,} objects, {report.links:,} links")
    if index:
        raise BadRequestError("--index does not apply to a folder export (every frame is written)")
    return (yield from export_stack(file, path, out, format=image_format, levels=levels, colormap=colormap,
                                    allow_external=allow_external, opener=opener))

