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
LINK_PAGE = 1000  # links per request when listing whole groups
MAX_SOFT_DEPTH = 16

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
    if cls == "H5L_TYPE_EXTERNAL":
        return Link(item["title"], "external", target=item.get("h5path", ""), file=item.get("h5domain", ""))
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

        Objects already read come from the cache; each other distinct object is asked for once (many
        names may link to one object) by its id, one request after the other: ``GET /datasets/{id}``
        takes HSDS 2-5 ms, while a bulk ``POST /`` with ``h5paths`` resolves each path anew (~20 ms
        each: a page of 256 rows took 1.7-3.3 s), and two or more requests in flight drove a one-node
        HSDS past its task limit into 503s. A name that cannot be read is left out (the caller reads it
        alone and its row says why).
        """
        out: dict[str, dict[str, Any]] = {}
        first_name: dict[str, str] = {}
        with self._lock:
            for lk in links:
                js = self._objs.get(lk.id)
                if js is not None:
                    out[lk.name] = js
                else:
                    first_name.setdefault(lk.id, lk.name)
        ids = list(first_name)

        def fetch(oid: str) -> dict[str, Any] | None:
            try:
                return dict(self.get(f"/{collection_of(oid)}/{oid}", join(parent, first_name[oid])))
            except H5GuiError as exc:
                log.info("reading %s under %s failed (%s); its row says why", first_name[oid], parent, exc)
                return None

        for oid in ids:  # one at a time (see above)
            js = fetch(oid)
            if js is not None:
                self.remember(oid, js, join(parent, first_name[oid]))
        with self._lock:
            for lk in links:
                js = self._objs.get(lk.id)
                if js is not None:
                    out[lk.name] = js
        return out
