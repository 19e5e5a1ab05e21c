"""One HSDS domain as h5gui sees it: its address, the object ids met so far, paged links, bulk reads.

A :class:`Domain` caches, per connection, what does not change while a user browses: the id behind
each path resolved and the JSON of each object read. :meth:`Domain.refresh` (F5) drops all of it; an
edit drops what it changed. Paths never traverse external links (as for local files); soft links on
the way to an object are followed inside the domain.
"""

from __future__ import annotations

import logging
import posixpath
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from h5gui.core.errors import (
    BadRequestError,
    DanglingLinkError,
    ExternalLinkError,
    FileAccessError,
    H5GuiError,
    NodeNotFoundError,
)
from h5gui.core.hsds.client import HsdsClient, json_of
from h5gui.core.paths import join, normalize_path

log = logging.getLogger(__name__)

SCHEME = "hdf5://"
LINK_PAGE = 10_000  # links per request when listing whole groups (~1.5 MB; 10 pages of 1,000 were slower)
NAMES_BULK = 1000  # link names per POST .../links
MAX_SOFT_DEPTH = 16
SUMMARY_MIN = 32  # objects a page still lacks before the domain summary pays (one GET: 2-5 ms)
SUMMARY_MAX_BYTES = 16 * 1024 * 1024  # a longer summary is not read: parsing it would outlast the GETs
SUMMARY_RETRY = 30.0  # seconds before asking again for a summary HSDS had not written yet
GROUPS_BULK_MIN = 4  # groups a page still lacks before their member counts are asked in one request
MEMBERS_MAX = 20_000  # links that one request for member counts may bring (~3 MB)

COLLECTIONS = {"g": "groups", "d": "datasets", "t": "datatypes"}


def domain_path(domain: str) -> str:
    """``'hdf5://home/u/x.h5'`` or ``'/home/u/x.h5'`` -> ``'/home/u/x.h5'``."""
    d = domain[len(SCHEME):] if domain.startswith(SCHEME) else domain
    d = "/" + d.strip("/")
    if d == "/" or "//" in d:
        raise BadRequestError(f"not an HSDS domain: {domain!r}")
    return d


def domain_uri(domain: str) -> str:
    """``'/home/u/x.h5'`` -> ``'hdf5://home/u/x.h5'`` (the ``file`` of every record)."""
    return SCHEME + domain_path(domain).lstrip("/")


def is_hsds_uri(text: str) -> bool:
    return isinstance(text, str) and text.startswith(SCHEME)


def collection_of(obj_id: str) -> str:
    """``'groups'``, ``'datasets'`` or ``'datatypes'`` for an HSDS object id."""
    coll = COLLECTIONS.get(obj_id[:1])
    if coll is None:
        raise BadRequestError(f"not an HSDS object id: {obj_id!r}")
    return coll


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a group as HSDS lists it."""

    name: str
    cls: str  # 'hard', 'soft', 'external'
    id: str = ""  # hard links
    target: str = ""  # soft and external links: the path
    file: str = ""  # external links: the domain as stored


def link_of(item: dict[str, Any]) -> Link:
    cls = item.get("class", "")
    if cls == "H5L_TYPE_HARD":
        return Link(item["title"], "hard", id=item["id"])
    if cls == "H5L_TYPE_SOFT":
        return Link(item["title"], "soft", target=item.get("h5path", ""))
    if cls == "H5L_TYPE_EXTERNAL":  # POST .../links names the domain "file"
        return Link(item["title"], "external", target=item.get("h5path", ""),
                    file=item.get("h5domain", item.get("file", "")))
    return Link(item.get("title", "?"), cls or "unknown")


class Domain:
    """A domain on one connection; thread-safe caches of ids and object JSON."""

    def __init__(self, client: HsdsClient, domain: str) -> None:
        self.client = client
        self.path = domain_path(domain)
        self.uri = domain_uri(domain)
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}
        self._objs: dict[str, dict[str, Any]] = {}
        self._facts: dict[str, dict[str, Any]] = {}  # id -> what cannot change (from the summary)
        self._summary = ""  # "" not asked, "loaded", "too big", "missing" (asked at _summary_at)
        self._summary_at = 0.0
        self._info: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"Domain({self.uri!r} via {self.client!r})"

    # -- requests ----------------------------------------------------------------------------

    def where(self, path: str = "") -> str:
        return f"{self.uri}:{path}" if path and path != "/" else self.uri

    def get(self, url: str, path: str = "", **kwargs: Any) -> Any:
        kwargs.setdefault("missing", f"no object {path}" if path else "")
        return self.client.get_json(url, where=self.where(path), domain=self.path, **kwargs)

    def call(self, method: str, url: str, path: str = "", **kwargs: Any) -> Any:
        kwargs.setdefault("missing", f"no object {path}" if path else "")
        kwargs.setdefault("write", method != "GET")
        resp = self.client.request(method, url, where=self.where(path), domain=self.path, **kwargs)
        return json_of(resp) if resp.content and not kwargs.get("binary") else resp.content

    # -- caches ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Drop every cached id and object (F5)."""
        with self._lock:
            self._ids.clear()
            self._objs.clear()
            self._facts.clear()
            self._summary = ""
            self._info = None

    def forget(self, path: str | None = None, obj_id: str | None = None) -> None:
        """Drop what an edit changed: ``path`` and everything below it, and object ``obj_id``."""
        with self._lock:
            if path is not None:
                prefix = path.rstrip("/") + "/"
                for p in [p for p in self._ids if p == path or p.startswith(prefix)]:
                    del self._ids[p]
            if obj_id is not None:
                self._objs.pop(obj_id, None)
                self._facts.pop(obj_id, None)

    def info(self) -> dict[str, Any]:
        """The domain's JSON (root id, owner, times); raises :class:`FileAccessError` for a folder."""
        with self._lock:
            if self._info is not None:
                return self._info
        info = self.get("/")
        if "root" not in info:
            raise FileAccessError(f"{self.uri}: a folder, not a domain")
        with self._lock:
            self._info = info
            self._ids["/"] = info["root"]
        return info

    @property
    def root_id(self) -> str:
        return str(self.info()["root"])

    def obj(self, obj_id: str, path: str = "", *, verbose: bool = False) -> dict[str, Any]:
        """The JSON of an object (cached; ``verbose`` datasets always asked: storage changes)."""
        with self._lock:
            cached = self._objs.get(obj_id)
        if cached is not None and not verbose:
            return cached
        params = {"verbose": 1} if verbose else None
        js = self.get(f"/{collection_of(obj_id)}/{obj_id}", path, params=params)
        self.remember(obj_id, js)
        return dict(js)

    def remember(self, obj_id: str, js: dict[str, Any], path: str | None = None) -> None:
        with self._lock:
            self._objs[obj_id] = js
            if path is not None:
                self._ids[path] = obj_id

    def remember_id(self, path: str, obj_id: str) -> None:
        """``path`` leads to ``obj_id`` (as :meth:`resolve` would find it)."""
        with self._lock:
            self._ids[normalize_path(path)] = obj_id

    # -- links -------------------------------------------------------------------------------

    def links(self, gid: str, path: str, limit: int | None = None, marker: str | None = None) -> list[Link]:
        """Links of group ``gid`` in HSDS's order (by name), ``limit`` of them after ``marker``."""
        params: dict[str, Any] = {}
        if limit is not None:
            params["Limit"] = limit
        if marker:
            params["Marker"] = marker
        js = self.get(f"/groups/{gid}/links", path, params=params)
        return [link_of(item) for item in js.get("links", [])]

    def all_links(self, gid: str, path: str, page: int = LINK_PAGE) -> list[Link]:
        out: list[Link] = []
        marker = None
        while True:
            got = self.links(gid, path, page, marker)
            out.extend(got)
            if len(got) < page:
                return out
            marker = got[-1].name

    def link(self, gid: str, parent: str, name: str) -> Link | None:
        """The link ``name`` of group ``gid`` (None when there is none)."""
        try:
            js = self.get(f"/groups/{gid}/links/{quote(name, safe='')}", join(parent, name))
        except NodeNotFoundError:
            return None
        return link_of(js.get("link", js))

    def links_named(self, gid: str, parent: str, names: Sequence[str]) -> dict[str, Link]:
        """The links ``names`` of group ``gid`` by name (names that are not there are left out).

        One ``POST /groups/{gid}/links`` with their titles per :data:`NAMES_BULK` names. HSDS answers
        such a request 404 (410 after a delete) when any one name is missing: then each is asked alone.
        """
        out: dict[str, Link] = {}
        names = list(dict.fromkeys(names))
        for i in range(0, len(names), NAMES_BULK):
            part = names[i:i + NAMES_BULK]
            try:
                js = self.call("POST", f"/groups/{gid}/links", parent, body={"titles": part}, write=False)
            except NodeNotFoundError:
                for name in part:
                    lk = self.link(gid, parent, name)
                    if lk is not None:
                        out[name] = lk
                continue
            for item in js.get("links", []):
                lk = link_of(item)
                out[lk.name] = lk
        return out

    # -- paths -------------------------------------------------------------------------------

    def resolve(self, path: str, depth: int = 0) -> str:
        """The id of the object at ``path`` (soft links followed, external links refused).

        Raises NodeNotFoundError, DanglingLinkError, ExternalLinkError.
        """
        path = normalize_path(path)
        with self._lock:
            hit = self._ids.get(path)
        if hit is not None:
            return hit
        if path == "/":
            return self.root_id
        if depth > MAX_SOFT_DEPTH:
            raise DanglingLinkError(f"{self.where(path)}: too many levels of soft links (a cycle)")
        parent, name = posixpath.split(path)
        gid = self.resolve(parent, depth)
        if collection_of(gid) != "groups":
            raise NodeNotFoundError(f"{self.where(path)}: {parent} is not a group")
        link = self.link(gid, parent, name)
        if link is None:
            raise NodeNotFoundError(f"{self.where(path)}: no object {path}")
        if link.cls == "hard":
            oid = link.id
        elif link.cls == "soft":
            target = link.target if link.target.startswith("/") else join(parent, link.target)
            try:
                oid = self.resolve(target, depth + 1)
            except NodeNotFoundError as exc:
                raise DanglingLinkError(f"{self.where(path)}: dangling soft link to {link.target}") from exc
        elif link.cls == "external":
            raise ExternalLinkError(
                f"{self.where(path)} goes through an external link to {link.file}:{link.target}; open that domain",
                link.file, link.target)
        else:
            raise NodeNotFoundError(f"{self.where(path)}: unsupported link class {link.cls}")
        with self._lock:
            self._ids[path] = oid
        return oid

    def objects(self, gid: str, parent: str, links: Sequence[Link]) -> dict[str, dict[str, Any]]:
        """JSON of the objects behind the hard ``links`` of group ``gid``, by link name.

        From the cache first: objects read before, and what cannot change from the domain summary
        (:meth:`load_summary`, asked once when :data:`SUMMARY_MIN` or more objects are missing: one
        request instead of one per object). Each other distinct object is asked for by its id, one
        request after the other: a bulk ``POST /`` with ``h5paths`` resolves each path anew (~5 ms
        each, 1.1-1.2 s a page), and three requests in flight leave a one-data-node HSDS 1.0.2 above
        its task limit (503 for every request after, for good; two leave it at 77 of 100 tasks). An
        object that cannot be read is left out (the caller reads it alone and its row says why).
        Only the JSON read by id goes into the object cache: a summary's entry is partial. The member
        counts of :data:`GROUPS_BULK_MIN` or more groups come in one request (:meth:`_count_members`).
        """
        out: dict[str, dict[str, Any]] = {}
        first_name: dict[str, str] = {}

        def collect() -> None:
            with self._lock:
                for lk in links:
                    if lk.name in out:
                        continue
                    self._ids.setdefault(join(parent, lk.name), lk.id)
                    js = self._objs.get(lk.id) or self._facts.get(lk.id)
                    if js is not None:
                        out[lk.name] = js
                    else:
                        first_name.setdefault(lk.id, lk.name)

        collect()
        if len(first_name) >= SUMMARY_MIN and self.load_summary():
            first_name.clear()
            collect()
        groups = [oid for oid in first_name if oid.startswith("g-")]
        if len(groups) >= GROUPS_BULK_MIN and self._count_members(gid, parent, groups):
            first_name.clear()
            collect()
        for oid, name in first_name.items():  # one at a time (see above)
            try:
                js = dict(self.get(f"/{collection_of(oid)}/{oid}", join(parent, name)))
            except H5GuiError as exc:
                log.info("reading %s under %s failed (%s); its row says why", name, parent, exc)
                continue
            self.remember(oid, js, join(parent, name))
        collect()
        return out

    def _count_members(self, gid: str, parent: str, ids: Sequence[str]) -> bool:
        """Member counts of the groups ``ids`` (what their tree rows show) in one request.

        ``POST /groups/{gid}/links`` with their ids lists every link of each group (HSDS crawls them
        on the server, 0.22-0.26 s for 256 groups against 1.2-1.6 s for their 256 GETs). ``Limit``
        caps the links of all of them together and cuts the last lists short, so counts are kept
        only when fewer than :data:`MEMBERS_MAX` links came. True when counts were kept.
        """
        try:
            js = self.call("POST", f"/groups/{gid}/links", parent, body={"grp_ids": list(ids)},
                           params={"Limit": MEMBERS_MAX}, write=False)
        except H5GuiError as exc:
            log.info("member counts of %d groups under %s in one request failed (%s)", len(ids), parent, exc)
            return False
        got = js.get("links") if isinstance(js, dict) else None
        if not isinstance(got, dict) or sum(len(v) for v in got.values() if isinstance(v, list)) >= MEMBERS_MAX:
            return False
        with self._lock:  # as current as a group's cached JSON: until F5 or an edit of it
            for oid in ids:
                if isinstance(got.get(oid), list):
                    self._facts[oid] = {"id": oid, "linkCount": len(got[oid])}
        return True

    def load_summary(self) -> bool:
        """Read HSDS's summary of the domain once (``GET /?getobjs=1``); True when it added facts.

        HSDS writes the summary (``.summary.json``: every object's type, shape, attributes, links)
        when it scans a domain, some 10-20 s after the last change, or at once on ``PUT /?rescan=1``.
        Objects made since are not in it and the rest may have changed, so only what cannot change
        is kept: the type of datasets and committed datatypes, and the shape of datasets that cannot
        be resized. Groups (their member count changes) and resizable datasets are read live. A
        summary over :data:`SUMMARY_MAX_BYTES` is not read; a missing one is asked again after
        :data:`SUMMARY_RETRY` seconds; F5 (:meth:`refresh`) asks again.
        """
        with self._lock:
            if self._summary in ("loaded", "too big") or (
                    self._summary == "missing" and time.monotonic() - self._summary_at < SUMMARY_RETRY):
                return False
        try:
            js = self.client.get_json_capped("/", SUMMARY_MAX_BYTES, where=self.uri, domain=self.path,
                                             params={"getobjs": 1})
        except H5GuiError as exc:
            log.info("%s: no domain summary (%s); objects are read one by one", self.uri, exc)
            js = {}
        objs = js.get("domain_objs") if isinstance(js, dict) else None
        facts = {oid: fact for oid, o in (objs or {}).items() if isinstance(o, dict)
                 for fact in [_fixed_facts(oid, o)] if fact is not None}
        with self._lock:
            self._summary = "too big" if js is None else "loaded" if objs else "missing"
            self._summary_at = time.monotonic()
            self._facts.update(facts)
        log.info("%s: domain summary %s, %d objects", self.uri, self._summary, len(facts))
        return bool(facts)


def _fixed_facts(oid: str, js: dict[str, Any]) -> dict[str, Any] | None:
    """What cannot change of an object in the domain summary (None: nothing, read it live)."""
    if oid.startswith("t-") and "type" in js:
        return {"id": oid, "type": js["type"]}
    if not oid.startswith("d-") or "type" not in js or not isinstance(js.get("shape"), dict):
        return None
    shape = js["shape"]
    if shape.get("maxdims") is not None and list(shape["maxdims"]) != list(shape.get("dims", [])):
        return None  # resizable: its shape now may differ
    return {"id": oid, "type": js["type"], "shape": shape}
