"""The records of a dataset's statistics: what the user asks (:class:`StatsSpec`) and what was found
(:class:`DatasetStats`). Imports no h5py (not even numpy): the GUI holds and draws them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STORED_ATTRS = ("min", "max", "mean", "std", "count", "nan_count", "inf_count", "channel_axis", "histogram",
                "histogram_edges", "channel_histograms", "class_counts", "stats_date")

MAX_CHANNEL_HISTOGRAMS = 16  # more channels than this: the histogram of all of them together only


@dataclass(frozen=True)
class StatsSpec:
    """Statistics of one dataset: per channel along ``channel_axis`` (None: the data's own channel
    axis, if it has one; ``per_channel=False``: all values together), a histogram of ``bins`` bins,
    and ``store`` them as attributes of the dataset."""

    file: str
    path: str
    channel_axis: int | None = None
    per_channel: bool = True
    bins: int = 64
    store: bool = False
    allow_external: bool = False


@dataclass(frozen=True)
class DatasetStats:
    """What :func:`~h5gui.core.stats.compute_stats` found. Per-channel values are tuples of one value
    per channel (one value when there are no channels)."""

    file: str
    path: str
    shape: tuple[int, ...]
    dtype: str
    count: int  # finite values
    nan: int
    inf: int
    min: tuple[float, ...]
    max: tuple[float, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    channel_axis: int | None  # the axis the tuples run along, None: all values together
    histogram: tuple[int, ...]  # of the finite values of every channel together
    bin_edges: tuple[float, ...]  # len(histogram) + 1 edges
    # one histogram per channel, on the same edges (2 to MAX_CHANNEL_HISTOGRAMS channels; else empty)
    channel_histograms: tuple[tuple[int, ...], ...] = ()
    labels: bool = False  # a labels dataset: class_counts are the counts of each integer value
    class_counts: tuple[int, ...] = ()  # index = label value (0..max)
    class_names: tuple[str, ...] = ()  # from a class_names attribute (of the dataset or its group) or dataset
    stored: bool = False
    seconds: float = 0.0

    @property
    def channels(self) -> int:
        return len(self.mean)

    def class_rows(self) -> list[tuple[int, str, int]]:
        """``(label, name, count)`` of every label value seen or named."""
        n = max(len(self.class_counts), len(self.class_names))
        return [(i, self.class_names[i] if i < len(self.class_names) else str(i),
                 self.class_counts[i] if i < len(self.class_counts) else 0) for i in range(n)]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"] = self.channels
        return d
