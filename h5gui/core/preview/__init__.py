"""Previews of datasets: which views apply, and bounded reads for each (image, table, plot, text).

Every function takes the file's path and a path inside it, opens the file through
:func:`h5gui.core.h5.files.open_file`, resolves the object without following external links, refuses
to read data kept outside the file's folder unless ``allow_external``
(:func:`h5gui.core.h5.safety.check_data_access`), and returns frozen dataclasses and numpy arrays,
never h5py objects.

Every read is sized before it is done (DESIGN.md sections 2 and 4):

* images are read with a stride so that at most ``max_pixels`` pixels *and* at most ``max_chunks``
  chunks are touched (a strided sample per chunk costs a chunk lookup each); a dataset with nothing
  stored is all fill value and is not read at all; reads go in pieces of a few MiB so that other
  jobs get h5py's lock between pieces;
* tables are read in blocks of rows (refused beyond :data:`MAX_TABLE_CELLS` cells);
* plots of long signals are decimated by min/max buckets, reading pieces of about half a million
  values; a plot that would touch more than :data:`MAX_PLOT_BYTES` (every touched chunk counted
  whole, as HDF5 reads it) is an overview made of a few evenly spaced whole chunks (or blocks of
  contiguous data), each reduced to min/max buckets;
* text and encoded images are read only below a size limit.

Long reads are generators (``read_image_job``, ``read_plot_job``) that ``yield`` :class:`Progress`
between pieces, so the job runner can cancel them; ``read_image`` and ``read_plot`` drive them.

The modules:

* :mod:`~.records`: value kinds, limits and the records the views consume (no h5py);
* :mod:`~.axes`: axes, indices and the table's layout (no h5py);
* :mod:`~.common`: kinds of datatypes, enums, bytes as text, image attributes;
* :mod:`~.choose`: :func:`preview_info`, the views that apply and their defaults;
* :mod:`~.image`, :mod:`~.encoded`, :mod:`~.table` (with :mod:`~.cells`), :mod:`~.plot`,
  :mod:`~.text`: one view each;
* :mod:`~.nexus`: NeXus ``default``/``signal``/``axes`` (a group shows its signal, plots against axis
  values, images with calibrated axes).

The records are imported with the package; every other name lazily (PEP 562), so importing the
package or :mod:`~.records` does not import h5py, and ``preview.read_image`` imports the image module
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy
from h5gui.core.preview import records
from h5gui.core.preview.records import *  # noqa: F403  (numpy only: kinds, limits, records)

if TYPE_CHECKING:
    from h5gui.core.h5.datasets import check_filters as check_filters
    from h5gui.core.h5.datasets import dataset_dtype as dataset_dtype
    from h5gui.core.h5.datasets import read_selection as read_selection
    from h5gui.core.preview.axes import table_shape as table_shape
    from h5gui.core.preview.choose import preview_info as preview_info
    from h5gui.core.preview.choose import views_for as views_for
    from h5gui.core.preview.common import attr_text as attr_text
    from h5gui.core.preview.common import base_dtype as base_dtype
    from h5gui.core.preview.common import kind_of as kind_of
    from h5gui.core.preview.encoded import read_encoded as read_encoded
    from h5gui.core.preview.image import choose_step as choose_step
    from h5gui.core.preview.image import image_stats as image_stats
    from h5gui.core.preview.image import read_image as read_image
    from h5gui.core.preview.image import read_image_job as read_image_job
    from h5gui.core.preview.nexus import nexus_info as nexus_info
    from h5gui.core.preview.nexus import read_nexus_image as read_nexus_image
    from h5gui.core.preview.nexus import read_nexus_plot as read_nexus_plot
    from h5gui.core.preview.nexus import signal_path as signal_path
    from h5gui.core.preview.plot import read_plot as read_plot
    from h5gui.core.preview.plot import read_plot_job as read_plot_job
    from h5gui.core.preview.table import read_table as read_table
    from h5gui.core.preview.text import read_text as read_text

_HOMES: dict[str, tuple[str, ...]] = {
    ".axes": ("table_shape",),
    ".common": ("attr_text", "base_dtype", "kind_of"),
    ".choose": ("preview_info", "views_for"),
    ".image": ("choose_step", "image_stats", "read_image", "read_image_job"),
    ".encoded": ("read_encoded",),
    ".nexus": ("nexus_info", "read_nexus_image", "read_nexus_plot", "signal_path"),
    ".table": ("read_table",),
    ".plot": ("read_plot", "read_plot_job"),
    ".text": ("read_text",),
    "h5gui.core.h5.datasets": ("check_filters", "dataset_dtype", "read_selection"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
__all__ = [*records.__all__, *sorted(_HOME)]


__getattr__, __dir__ = lazy.exports(__name__, {k.lstrip('.'): v for k, v in _HOMES.items()})
