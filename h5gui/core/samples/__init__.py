"""Sample grids: a page of thumbnails of an image stack or of encoded images, each with its index and
its label or class name (labels found by convention: :mod:`h5gui.core.labels`), the quickest way to
see that a dataset is what it should be. :func:`sample_grid` is a job returning small uint8 arrays;
:func:`contact_sheet` draws a page as one picture (``h5gui-cli samples --out grid.png``).

Modules: :mod:`~.records` (no h5py: :class:`SampleSpec`, :class:`SampleGrid`, :class:`Sample`),
:mod:`~.grid`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:
    from h5gui.core.samples.grid import contact_sheet, sample_grid, save_sheet
    from h5gui.core.samples.records import ORDERS, Sample, SampleGrid, SampleSpec

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("ORDERS", "Sample", "SampleGrid", "SampleSpec"),
    "grid": ("contact_sheet", "sample_grid", "save_sheet"),
})
__all__ = ["ORDERS", "Sample", "SampleGrid", "SampleSpec", "contact_sheet", "sample_grid", "save_sheet"]
