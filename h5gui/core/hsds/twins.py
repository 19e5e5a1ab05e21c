"""The HSDS twins of the GUI's jobs whose local signatures differ from :mod:`h5gui.core.hsds`'s, and
undoable attribute edits on domains.

:mod:`h5gui.core.routes` sends a job named by a local reference here when its file is an ``hdf5://``
domain. Attribute edits return the same :class:`~h5gui.core.attrs.records.EditResult` as
:mod:`h5gui.core.attr_edits`, so the GUI's undo stack works unchanged: an :class:`AttrValue` of a
domain holds the attribute as HSDS stores it (its JSON type, shape and value), which :func:`apply`
writes back exactly (``PUT ...?replace=1``, read back to confirm).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from h5gui.core.attrs.records import AttrEdit, AttrInfo, AttrValue, EditResult
from h5gui.core.errors import BadRequestError, NodeNotFoundError
from h5gui.core.hsds import attrs as hattrs
from h5gui.core.hsds.preview import preview_info as hsds_preview_info
from h5gui.core.hsds.preview import read_plot as hsds_read_plot
from h5gui.core.hsds.search import search as hsds_search
from h5gui.core.hsds.session import open_domain, refresh
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job
from h5gui.core.search import SearchReport

HSDS_TYPE = b"hsds-json"  # AttrValue.h5type of a value read from a domain (value: the HSDS item)


# -- reads -------------------------------------------------------------------------------------


def preview_start(domain: str, path: str, image: Any = None, sibling: Any = None, *,
                  allow_external: bool = False) -> tuple[Any, None, None]:
    """The local ``preview_start`` for a domain: the preview's info only (the image view then asks for
    its first frame itself, through the HSDS ``read_image``)."""
    return hsds_preview_info(domain, path, allow_external=allow_external), None, None


def read_plot(domain: str, path: str, *, axis: int = -1, index: Sequence[int] = (), x_field: str | None = None,
              y_field: str | None = None, start: int = 0, stop: int | None = None, max_points: int = 4000,
              max_read: int | None = None, allow_external: bool = False) -> Any:
    """The plot view's read: compound fields are not plotted from HSDS yet (one line)."""
    if x_field or y_field:
        raise BadRequestError(f"{domain}: plotting compound fields is not available for HSDS domains yet")
    return hsds_read_plot(domain, path, axis=axis, index=index, start=start, stop=stop, max_points=max_points)


def search(domain: str, pattern: str, *, mode: str = "substring", names: bool = True, attrs: bool = False,
           values: bool = True, path: str = "/", case_sensitive: bool = False, max_hits: int | None = 100_000,
           page: int = 1000, on_hits: Callable[..., None] | None = None) -> Job[SearchReport]:
    """Find by name and by attribute names and values (:mod:`h5gui.core.hsds.search`)."""
    return hsds_search(domain, pattern, mode=mode, names=names, attrs=attrs, values=values, path=path,
                       case_sensitive=case_sensitive, max_hits=max_hits, page=page, on_hits=on_hits)


def release(domain: str) -> None:
    """Close / F5: drop every cached id and object of the domain (the next read asks the server)."""
    refresh(domain)


def enable_editing(domain: str) -> bool:
    """Editing a domain needs no handle: each edit is its own request (a 403 says the user may not)."""
    open_domain(domain).info()  # reachable, and the domain exists
    return True


def disable_editing(domain: str) -> bool:
    return False


# -- attribute edits with undo ---------------------------------------------------------------------


def _items(domain: str, path: str, names: Sequence[str], missing_ok: bool = False) -> list[AttrValue]:
    d = open_domain(domain)
    oid = d.resolve(path)
    out = []
    for name in names:
        item = hattrs.read_item(d, oid, path, name)
        if item is None:
            if missing_ok:
                continue
            raise NodeNotFoundError(f"{d.where(path)}: no attribute {name}")
        item.pop("created", None)
        out.append(AttrValue(name, item, HSDS_TYPE, d.uri))
    return out


def get_attr_values(domain: str, path: str, names: Sequence[str] | None = None, *,
                    missing_ok: bool = False) -> list[AttrValue]:
    """The attributes as stored (for undo and copy); all of them when ``names`` is None."""
    path = normalize_path(path)
    if names is None:
        names = [a.name for a in hattrs.list_attrs(domain, path)]
    return _items(domain, path, list(names), missing_ok)


def _list(domain: str, path: str) -> tuple[AttrInfo, ...]:
    return tuple(hattrs.list_attrs(domain, path))


def apply(edits: Sequence[AttrEdit]) -> tuple[AttrInfo, ...]:
    """Undo / redo: remove, then write back exactly what was read (values from a domain only; the edits of
    a local file among them, as after a paste onto both, go to the local core)."""
    from h5gui.core import attr_edits
    from h5gui.core.routes import is_hsds

    for e in edits:
        if not is_hsds(e.file):
            attr_edits.apply([e])
            continue
        d = open_domain(e.file)
        path = normalize_path(e.path)
        if e.removed:
            hattrs.delete_attrs(d, path, list(e.removed))
        oid = d.resolve(path)
        for v in e.values:
            if v.h5type != HSDS_TYPE or not isinstance(v.value, dict):
                raise BadRequestError(f"{d.where(path)}: attribute {v.name} was not read from HSDS; it cannot be "
                                      "written there")
            hattrs._put(d, oid, path, v.name, v.value)
    if not edits:
        return ()
    if not is_hsds(edits[0].file):
        from h5gui.core import attrs as local_attrs

        return tuple(local_attrs.list_attrs(edits[0].file, edits[0].path))
    return _list(edits[0].file, normalize_path(edits[0].path))


def set_value(domain: str, path: str, name: str, text: str, type_name: str | None = None, *,
              shape: tuple[int, ...] | None = None, fixed_length: bool | None = None) -> EditResult:
    path = normalize_path(path)
    before = _items(domain, path, [name], missing_ok=True)
    hattrs.set_attr(domain, path, name, text, type_name, shape=shape, fixed_length=fixed_length)
    after = _items(domain, path, [name])
    verb = "set" if before else "add"
    return EditResult(f"{verb} {name} on {path}", (AttrEdit(domain, path, (name,), tuple(before)),),
                      (AttrEdit(domain, path, (name,), tuple(after)),), _list(domain, path))


def rename(domain: str, path: str, old: str, new: str) -> EditResult:
    path = normalize_path(path)
    before = _items(domain, path, [old])
    hattrs.rename_attr(domain, path, old, new)
    after = _items(domain, path, [new])
    return EditResult(f"rename {old} to {new} on {path}", (AttrEdit(domain, path, (new,), tuple(before)),),
                      (AttrEdit(domain, path, (old,), tuple(after)),), _list(domain, path))


def delete(domain: str, path: str, names: Sequence[str]) -> EditResult:
    path = normalize_path(path)
    before = _items(domain, path, list(names))
    hattrs.delete_attrs(domain, path, list(names))
    what = names[0] if len(names) == 1 else f"{len(names)} attributes"
    return EditResult(f"delete {what} on {path}", (AttrEdit(domain, path, (), tuple(before)),),
                      (AttrEdit(domain, path, tuple(names), ()),), _list(domain, path))


def duplicate(domain: str, path: str, name: str, new_name: str) -> EditResult:
    path = normalize_path(path)
    if _items(domain, path, [new_name], missing_ok=True):
        raise BadRequestError(f"{domain}{path}: an attribute {new_name} already exists")
    item = _items(domain, path, [name])[0]
    copy = AttrValue(new_name, item.value, HSDS_TYPE, item.file)
    apply([AttrEdit(domain, path, (), (copy,))])
    return EditResult(f"duplicate {name} as {new_name} on {path}", (AttrEdit(domain, path, (new_name,), ()),),
                      (AttrEdit(domain, path, (), (copy,)),), _list(domain, path))
