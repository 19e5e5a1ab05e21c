"""Statistics of a dataset, out of core: min, max, mean and std (per channel when the data has a
channel axis), NaN and infinity counts, a histogram, and for a labels dataset the count of each class
(names from ``class_names``), stored as attributes on request.

:func:`compute_stats` is a job (it yields :class:`~h5gui.core.progress.Progress`, closing it cancels)
built on the transform's streamed statistics (:mod:`h5gui.core.transform.stats`: moments combined
block by block, exact counts for 8- and 16-bit integers) and its block passes: one place per concept.
Modules: :mod:`~.records` (no h5py: :class:`StatsSpec`, :class:`DatasetStats`), :mod:`~.compute`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:
    from h5gui.core.stats.compute import compute_stats, is_labels
    from h5gui.core.stats.records import STORED_ATTRS, DatasetStats, StatsSpec

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("STORED_ATTRS", "DatasetStats", "StatsSpec"),
    "compute": ("compute_stats", "is_labels"),
})
__all__ = ["STORED_ATTRS", "DatasetStats", "StatsSpec", "compute_stats", "is_labels"]
