"""Records of a search: hits, batches of hits (a :class:`Progress`) and the report. Imports no h5py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from h5gui.core.kinds import label
from h5gui.core.progress import Progress

__all__ = ["ATTR_NAME", "ATTR_VALUE", "MODES", "NAME", "SearchBatch", "SearchHit", "SearchReport"]

MODES = ("substring", "glob", "regex")

# what matched
NAME = "name"
ATTR_NAME = "attr_name"
ATTR_VALUE = "attr_value"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: the object at ``path`` matched by its name, an attribute's name or its value."""

    file: str
    path: str
    kind: str  # a Kind: group, dataset, datatype, soft_link, external_link, unreadable
    match: str  # NAME | ATTR_NAME | ATTR_VALUE
    attr: str = ""  # the attribute, for attribute matches
    value: str = ""  # the attribute's value as text (clipped), for value matches

    @property
    def text(self) -> str:
        """``'/data/u8 (dataset): attribute unit = counts'`` - one line for lists and the CLI."""
        what = label(self.kind)
        if self.match == ATTR_NAME:
            return f"{self.path} ({what}): attribute {self.attr}"
        if self.match == ATTR_VALUE:
            return f"{self.path} ({what}): attribute {self.attr} = {self.value}"
        return f"{self.path} ({what})"


@dataclass(frozen=True, slots=True)
class SearchBatch(Progress):
    """Progress of a search (``done`` = links visited) with the hits found since the last batch."""

    hits: tuple[SearchHit, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchReport:
    """What :func:`~h5gui.core.search.find.search` found."""

    file: str
    pattern: str
    mode: str
    hits: tuple[SearchHit, ...]
    visited: int  # links looked at
    truncated: bool = False  # stopped at ``max_hits``


class HitCollector:
    """The hits of one search so far, capped at ``max_hits`` (then ``truncated``); :meth:`add` passes each
    non-empty batch to ``on_hits`` and gives the :class:`SearchBatch` to yield. The local search and the
    HSDS one share it."""

    def __init__(self, max_hits: int | None, on_hits: Callable[[Sequence[SearchHit]], None] | None) -> None:
        self.max_hits = max_hits
        self.on_hits = on_hits
        self.found: list[SearchHit] = []
        self.truncated = False

    def add(self, batch: list[SearchHit], visited: int, where: str) -> SearchBatch:
        if self.max_hits is not None and len(self.found) + len(batch) >= self.max_hits:
            batch = batch[: self.max_hits - len(self.found)]
            self.truncated = True
        self.found.extend(batch)
        if batch and self.on_hits is not None:
            self.on_hits(tuple(batch))
        return SearchBatch(visited, None, "objects", f"searching {where}", hits=tuple(batch))
