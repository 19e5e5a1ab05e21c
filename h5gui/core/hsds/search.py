"""Find objects in an HSDS domain by name and by attribute names and values: the local
:class:`SearchHit` records, streamed.

The walk lists each group's links :data:`PAGE` at a time (never following soft or external links;
a group reachable by several hard links is visited once) and yields a :class:`SearchBatch` after
every page, so a search of a big domain can be cancelled between two requests. With ``attrs``, the
attributes of each object met are read in bulk (:mod:`h5gui.core.hsds.attr_search`, one request per
:data:`~h5gui.core.hsds.attr_search.BULK` links, a batch after each) and matched as the local search
matches them; an object reachable by several hard links has its attributes searched once, under the
first path met.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from h5gui.core.errors import BadRequestError
from h5gui.core.hsds.attr_search import BULK, object_hits, read_attrs
from h5gui.core.hsds.domain import Domain, Link
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.kinds import Kind
from h5gui.core.paths import join, natural_key, normalize_path
from h5gui.core.progress import Job
from h5gui.core.search import NAME, HitCollector, SearchHit, SearchReport, compile_matcher

PAGE = 1000
_HARD_KINDS = {"g": Kind.GROUP, "d": Kind.DATASET, "t": Kind.DATATYPE}


def _kind(lk: Link) -> str:
    if lk.cls == "hard":
        return _HARD_KINDS.get(lk.id[:1], Kind.UNREADABLE)
    return {"soft": Kind.SOFT_LINK, "external": Kind.EXTERNAL_LINK}.get(lk.cls, Kind.UNREADABLE)


def search(domain: DomainLike, pattern: str, *, mode: str = "substring", names: bool = True, attrs: bool = False,
           values: bool = True, path: str = "/", case_sensitive: bool = False, max_hits: int | None = 100_000,
           page: int = PAGE, on_hits: Callable[[Sequence[SearchHit]], None] | None = None) -> Job[SearchReport]:
    """Job: objects below ``path`` whose name (or path, when ``pattern`` holds a ``/``) matches
    (``names``), or whose attributes do (``attrs``: their names, and their values when ``values``).
    The arguments, batches and report are those of :func:`h5gui.core.search.find.search`."""
    if not names and not attrs:
        raise BadRequestError("nothing to search: enable names or attributes")
    d: Domain = open_domain(domain)
    match = compile_matcher(pattern, mode, case_sensitive)
    on_path = "/" in pattern
    path = normalize_path(path)
    gid = d.resolve(path)
    if not gid.startswith("g-"):
        raise BadRequestError(f"{d.where(path)} is not a group")
    hits = HitCollector(max_hits, on_hits)
    visited = 0

    by_value = (lambda name: not match(name)) if values else None  # a name that matches needs no value
    seen = {gid}  # groups entered, and (with attrs) objects whose attributes were searched
    if attrs:  # the starting group's own attributes
        items = read_attrs(d, [gid], by_value)[gid]
        yield hits.add(list(object_hits(d.uri, path, Kind.GROUP, items, match, values)), visited, path)
    stack = [(gid, path)]
    step = min(page, BULK) if attrs else page
    while stack and not hits.truncated:
        gid, gpath = stack.pop()
        marker = None
        subgroups: list[tuple[str, str]] = []
        while not hits.truncated:
            links = d.links(gid, gpath, page, marker)
            ordered = sorted(links, key=lambda lk: natural_key(lk.name))
            for start in range(0, len(ordered), step):
                chunk = ordered[start:start + step]
                first: set[str] = set()  # links met first of their object's (hard links only)
                for lk in chunk:
                    if lk.cls == "hard" and lk.id not in seen:
                        seen.add(lk.id)
                        first.add(lk.name)
                        if lk.id.startswith("g-"):
                            subgroups.append((lk.id, join(gpath, lk.name)))
                got = read_attrs(d, [lk.id for lk in chunk if lk.name in first], by_value) if attrs and first else {}
                batch: list[SearchHit] = []
                for lk in chunk:
                    visited += 1
                    child = join(gpath, lk.name)
                    kind = _kind(lk)
                    if names and match(child if on_path else lk.name):
                        batch.append(SearchHit(d.uri, child, kind, NAME))
                    if lk.name in first and got.get(lk.id):
                        batch.extend(object_hits(d.uri, child, kind, got[lk.id], match, values))
                yield hits.add(batch, visited, gpath)
                if hits.truncated:
                    break
            if not links:
                yield hits.add([], visited, gpath)
            if hits.truncated or len(links) < page:
                break
            marker = links[-1].name
        stack.extend(reversed(subgroups))
    return SearchReport(d.uri, pattern, mode, tuple(hits.found), visited, hits.truncated)
