"""Finding objects by name and by attribute names and values: the streaming :func:`search` job.

The walk (:func:`h5gui.core.h5.walk.iter_links`) never follows soft or external links: a soft link
is a hit by its own name, an object reachable by several hard links is visited (and its attributes
searched) once, under the first path met.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import h5py
import numpy as np

from h5gui.core.attrs.formatting import format_value
from h5gui.core.attrs.read import read_raw
from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import attrs_raw, files, walk
from h5gui.core.h5 import links as h5links
from h5gui.core.h5.walk import iter_links
from h5gui.core.kinds import Kind
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job
from h5gui.core.search.records import ATTR_NAME, ATTR_VALUE, MODES, NAME, HitCollector, SearchHit, SearchReport

__all__ = ["MAX_ATTR_VALUE_BYTES", "MAX_VALUE_TEXT", "PAGE", "attr_hits", "clip_text", "compile_matcher", "search",
           "value_texts"]

log = logging.getLogger(__name__)

PAGE = walk.PAGE  # links listed by one low-level call (one short hold of h5py's lock)
MAX_ATTR_VALUE_BYTES = 64 * 1024  # larger attribute values are not read for a value search
MAX_VALUE_TEXT = 200  # characters of a matching value kept in a hit


def compile_matcher(pattern: str, mode: str = "substring", case_sensitive: bool = False) -> Callable[[str], bool]:
    """A predicate on text for ``pattern`` (see :mod:`h5gui.core.search`). Raises :class:`BadRequestError`."""
    if mode not in MODES:
        raise BadRequestError(f"unknown search mode {mode!r}: use {', '.join(MODES)}")
    if not pattern:
        raise BadRequestError("the search pattern is empty")
    if mode == "regex":
        try:
            rx = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
        except re.error as exc:
            raise BadRequestError(f"bad regular expression {pattern!r}: {exc}") from None
        return lambda text: rx.search(text) is not None
    if mode == "glob":
        if "/" in pattern and not pattern.startswith(("/", "*")):
            pattern = "*/" + pattern  # a relative path pattern matches at any depth
        if case_sensitive:
            return lambda text: fnmatch.fnmatchcase(text, pattern)
        low = pattern.casefold()
        return lambda text: fnmatch.fnmatchcase(text.casefold(), low)
    if case_sensitive:
        return lambda text: pattern in text
    low = pattern.casefold()
    return lambda text: low in text.casefold()


def _value_texts(oid: Any, name: str, file: str) -> list[str]:
    """An attribute's value as texts to match (:func:`value_texts`); none when it is too big or unreadable."""
    try:
        if attrs_raw.storage_size(oid, name) > MAX_ATTR_VALUE_BYTES:
            return []
        v = read_raw(oid, name, file).value
    except SystemError:  # Ctrl-C in an HDF5 callback: not an unreadable attribute
        raise
    except Exception:  # an attribute that cannot be read is simply not matched by value
        log.debug("attribute %s not searched by value", name, exc_info=True)
        return []
    return value_texts(v, name)


def value_texts(v: Any, name: str = "") -> list[str]:
    """An attribute's value (as :func:`h5gui.core.h5.attrs_raw.read` gives it: an array, or
    ``h5py.Empty``) as texts to match: each string of a string array, else the typed text. Shared with
    the HSDS search (:mod:`h5gui.core.hsds.attr_search`), so that a value matches the same text there."""
    if isinstance(v, h5py.Empty):
        return []
    arr = np.asarray(v)
    dt = arr.dtype
    if dt.kind in "SUO" and (h5py.check_string_dtype(dt) is not None or dt.kind in "SU"):
        out = []
        for x in arr.reshape(-1)[:10_000]:
            out.append(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x))
        return out
    try:
        return [format_value(arr if arr.ndim else arr[()], dt)]
    except Exception:  # no typed text (references, compounds, bytes that are not UTF-8): the plain one
        try:
            return [str(arr.tolist())]
        except Exception:  # pragma: no cover - defensive
            log.debug("attribute %s has no text to search", name, exc_info=True)
            return []


def clip_text(text: str) -> str:
    """A matching value as a hit keeps it: one line, at most :data:`MAX_VALUE_TEXT` characters."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_TEXT else text[: MAX_VALUE_TEXT - 3] + "..."


def _attr_names(oid: Any) -> list[str]:
    try:
        return attrs_raw.names(oid, creation_order=False)
    except SystemError:  # Ctrl-C in HDF5's iteration callback
        raise
    except Exception:  # pragma: no cover - attributes that cannot be listed are not searched
        log.debug("cannot list the attributes of an object", exc_info=True)
        return []


def attr_hits(file: str, path: str, kind: str, names: Iterable[str], texts: Callable[[str], list[str]],
              match: Callable[[str], bool], values: bool) -> Iterator[SearchHit]:
    """The hits of one object's attributes ``names`` (in the order given): a name that matches, else
    (``values``) the first of ``texts(name)`` that does. Shared with the HSDS search."""
    for aname in names:
        if match(aname):
            yield SearchHit(file, path, kind, ATTR_NAME, aname)
        elif values:
            for text in texts(aname):
                if match(text):
                    yield SearchHit(file, path, kind, ATTR_VALUE, aname, clip_text(text))
                    break


def _attr_hits(file: str, path: str, kind: str, oid: Any, match: Callable[[str], bool],
               values: bool) -> Iterator[SearchHit]:
    return attr_hits(file, path, kind, _attr_names(oid), lambda name: _value_texts(oid, name, file), match, values)


def search(
    file: str, pattern: str, *, mode: str = "substring", names: bool = True, attrs: bool = False,
    values: bool = True, path: str = "/", case_sensitive: bool = False, max_hits: int | None = 100_000,
    page: int = PAGE, on_hits: Callable[[Sequence[SearchHit]], None] | None = None,
) -> Job[SearchReport]:
    """Job: find objects below ``path`` whose name (``names``) or attributes (``attrs``: their names,
    and their values when ``values``) match ``pattern``.

    Yields a :class:`SearchBatch` after every piece of at most ``page`` links (its ``hits`` are the
    new ones; ``on_hits``, when given, is called with each non-empty batch too, e.g. to stream them to
    the GUI whatever the progress throttling); returns a :class:`SearchReport`. Stops after
    ``max_hits`` hits (``truncated``).

    Raises
    ------
    BadRequestError
        Bad mode, empty pattern, invalid regular expression, nothing to search.
    FileAccessError, NodeNotFoundError, ExternalLinkError
        The file or ``path`` cannot be opened.
    """
    if not names and not attrs:
        raise BadRequestError("nothing to search: enable names or attributes")
    match = compile_matcher(pattern, mode, case_sensitive)
    on_path = "/" in pattern
    path = normalize_path(path)
    file = str(file)
    hits = HitCollector(max_hits, on_hits)
    visited = 0
    with files.open_file(file) as f:
        root = h5links.open_group(f, path, file)
        pending: list[SearchHit] = []
        if attrs:  # the starting group's own attributes
            pending = list(_attr_hits(file, path, Kind.GROUP, root.id, match, values))
        for entries in iter_links(root.id, path, page=page, creation_order=False):
            batch, pending = pending, []
            for e in entries:
                visited += 1
                if names and match(e.path if on_path else e.name):
                    batch.append(SearchHit(file, e.path, e.kind, NAME))
                if attrs and e.first and e.num_attrs and e.link_type == h5py.h5l.TYPE_HARD:
                    try:
                        batch.extend(_attr_hits(file, e.path, e.kind, e.open(), match, values))
                    except SystemError:  # Ctrl-C in an HDF5 callback
                        raise
                    except Exception:  # pragma: no cover - an object that cannot be opened has no attributes to show
                        log.debug("attributes of %s not searched", e.path, exc_info=True)
                e.oid = None  # close objects as we go
            yield hits.add(batch, visited, path)
            if hits.truncated:
                break
        if pending:  # a starting group without members: its own attribute hits, not passed on by the loop
            yield hits.add(pending, visited, path)
    return SearchReport(file, pattern, mode, tuple(hits.found), visited, hits.truncated)

