"""Find objects in an HSDS domain by name: the local :class:`SearchHit` records, streamed.

The walk lists each group's links :data:`PAGE` at a time (never following soft or external links;
a group reachable by several hard links is visited once) and yields a :class:`SearchBatch` after
every page, so a search of a big domain can be cancelled between two requests.
"""

from __future__ import annotations

from h5gui.core.errors import BadRequestError
from h5gui.core.hsds.domain import Domain
from h5gui.core.hsds.session import DomainLike, open_domain
from h5gui.core.kinds import Kind
from h5gui.core.paths import join, natural_key, normalize_path
from h5gui.core.progress import Job
from h5gui.core.search import NAME, SearchBatch, SearchHit, SearchReport, compile_matcher

PAGE = 1000


def search(domain: DomainLike, pattern: str, *, mode: str = "substring", path: str = "/",
           case_sensitive: bool = False, max_hits: int | None = 100_000, page: int = PAGE) -> Job[SearchReport]:
    """Job: objects below ``path`` whose name (or path, when ``pattern`` holds a ``/``) matches."""
    d: Domain = open_domain(domain)
    match = compile_matcher(pattern, mode, case_sensitive)
    on_path = "/" in pattern
    path = normalize_path(path)
    gid = d.resolve(path)
    if not gid.startswith("g-"):
        raise BadRequestError(f"{d.where(path)} is not a group")
    found: list[SearchHit] = []
    visited = 0
    truncated = False
    seen = {gid}
    stack = [(gid, path)]
    while stack and not truncated:
        gid, gpath = stack.pop()
        marker = None
        subgroups: list[tuple[str, str]] = []
        while True:
            links = d.links(gid, gpath, page, marker)
            batch: list[SearchHit] = []
            for lk in sorted(links, key=lambda lk: natural_key(lk.name)):
                visited += 1
                child = join(gpath, lk.name)
                kind = {"soft": Kind.SOFT_LINK, "external": Kind.EXTERNAL_LINK}.get(lk.cls, Kind.UNREADABLE)
                if lk.cls == "hard":
                    kind = {"g": Kind.GROUP, "d": Kind.DATASET, "t": Kind.DATATYPE}.get(lk.id[:1], Kind.UNREADABLE)
                    if kind == Kind.GROUP and lk.id not in seen:
                        seen.add(lk.id)
                        subgroups.append((lk.id, child))
                if match(child if on_path else lk.name):
                    batch.append(SearchHit(d.uri, child, kind, NAME))
            if max_hits is not None and len(found) + len(batch) >= max_hits:
                batch = batch[: max_hits - len(found)]
                truncated = True
            found.extend(batch)
            yield SearchBatch(visited, None, "objects", f"searching {gpath}", hits=tuple(batch))
            if truncated or len(links) < page:
                break
            marker = links[-1].name
        stack.extend(reversed(subgroups))
    return SearchReport(d.uri, pattern, mode, tuple(found), visited, truncated)
