"""Export a dataset, a slice of it or a whole stack to files other programs read.

* ``.npy``: any numeric, boolean, compound (without references) or string data, written in blocks;
* ``.csv`` / ``.tsv`` (``.txt``: blanks): 1-D and 2-D data, a header row for compound fields;
* ``.png`` / ``.tif``: an image ``(h, w)``, ``(h, w, 1)``, ``(h, w, 3)`` or ``(h, w, 4)``, either with
  its raw values (PNG: 8/16-bit grey, 8-bit colour; TIFF also 32-bit integers and floats) or as an
  8-bit picture mapped through ``levels`` and a ``colormap``;
* a folder of images: every frame of a stack ``(n, h, w[, c])`` as one picture, named after the
  stack's ``filenames`` dataset when it has one (what the image import writes), so that importing
  the folder again gives back the same pixels; a dataset of encoded images (the import's "encoded"
  layout) gives back the original files byte for byte;
* ``.h5`` (and other HDF5 extensions): a group or dataset into a new HDF5 file
  (:func:`h5gui.core.structure.export_hdf5`).

``index`` picks a slice: integers fixing the leading axes (``(5,)`` is frame 5 of a stack). Pictures
follow the preview: a channels-first ``(3|4, h, w)`` slice is written channels last, and ``axes`` (rows,
columns, channel) picks the plane the preview shows (:mod:`~.plane`).

Every export is a job (it yields :class:`Progress`) that writes ``OUT.partial`` (a folder:
``OUT.partial/``) and renames it when complete; cancelling removes it. An existing ``OUT`` is never
overwritten unless ``overwrite`` (an existing folder must be empty).

The modules: :mod:`~.records` (formats, limits, :class:`ExportReport`; no h5py), :mod:`~.common`
(target names, ``.partial`` claims, slices, block reads), :mod:`~.npy`, :mod:`~.table` (CSV),
:mod:`~.picture` (PNG/TIFF), :mod:`~.stack` (a folder of pictures) and :mod:`~.dispatch`
(:func:`export`). The records are imported with the package, every other name lazily (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy
from h5gui.core.export import records
from h5gui.core.export.records import *  # noqa: F403  (no h5py: formats, limits, ExportReport)

if TYPE_CHECKING:
    from h5gui.core.colormaps import COLORMAPS as COLORMAPS
    from h5gui.core.colormaps import apply_colormap as apply_colormap
    from h5gui.core.export.common import format_of as format_of
    from h5gui.core.export.dispatch import export as export
    from h5gui.core.export.npy import export_array as export_array
    from h5gui.core.export.picture import export_image as export_image
    from h5gui.core.export.stack import export_stack as export_stack
    from h5gui.core.export.stack import sibling_names as sibling_names
    from h5gui.core.export.table import export_table as export_table

_HOMES: dict[str, tuple[str, ...]] = {
    "h5gui.core.colormaps": ("COLORMAPS", "apply_colormap"),
    ".common": ("format_of",),
    ".dispatch": ("export",),
    ".npy": ("export_array",),
    ".picture": ("export_image",),
    ".stack": ("export_stack", "sibling_names"),
    ".table": ("export_table",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
__all__ = [*records.__all__, *sorted(_HOME)]


__getattr__, __dir__ = lazy.exports(__name__, {k.lstrip('.'): v for k, v in _HOMES.items()})
