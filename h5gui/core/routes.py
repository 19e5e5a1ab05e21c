"""Which function serves a job for a source: the local core, or its HSDS twin for ``hdf5://`` domains.

A front end names jobs by the local core's references (:mod:`h5gui.core.api`) and passes the file as a
string: a path, an ``s3://`` or ``http(s)://`` URL (the local core reads those through fsspec) or an
``hdf5://`` domain. Domains are read by :mod:`h5gui.core.hsds`, which returns the same records from the
REST API; :func:`route` swaps the reference. A job that has no HSDS twin yet is answered with one line
(:func:`not_for_hsds`), never a traceback.

This module imports neither h5py nor a network library (the GUI process uses it).
"""

from __future__ import annotations

from typing import Any

from h5gui.core import api
from h5gui.core.errors import BadRequestError
from h5gui.core.ioproc.funcref import FuncRef

_HSDS = "h5gui.core.hsds"
_TWINS_MODULE = "h5gui.core.hsds.twins"
_STRUCTURE_MODULE = "h5gui.core.hsds.structure"

# local reference -> the function that does the same for a domain (same arguments, same records)
HSDS_TWINS: dict[FuncRef, FuncRef] = {
    api.nodes.describe: FuncRef(_HSDS, "describe"),
    api.nodes.open_group_listing: FuncRef(_HSDS, "open_group_listing"),
    api.nodes.list_names: FuncRef(_HSDS, "list_names"),
    api.nodes.describe_children: FuncRef(_HSDS, "describe_children"),
    api.attrs.list_attrs: FuncRef(_HSDS, "list_attrs"),
    api.preview.preview_info: FuncRef(_HSDS, "preview_info"),
    api.preview.preview_start: FuncRef(_TWINS_MODULE, "preview_start"),
    api.preview.read_image: FuncRef(_HSDS, "read_image"),
    api.preview.read_table: FuncRef(_HSDS, "read_table"),
    api.preview.read_encoded: FuncRef(_HSDS, "read_encoded"),
    api.preview.read_plot: FuncRef(_TWINS_MODULE, "read_plot"),
    api.search.search: FuncRef(_TWINS_MODULE, "search"),
    api.files.release: FuncRef(_TWINS_MODULE, "release"),
    api.files.enable_editing: FuncRef(_TWINS_MODULE, "enable_editing"),
    api.files.disable_editing: FuncRef(_TWINS_MODULE, "disable_editing"),
    api.attrs.get_attr_values: FuncRef(_TWINS_MODULE, "get_attr_values"),
    api.attrs.set_value: FuncRef(_TWINS_MODULE, "set_value"),
    api.attrs.rename: FuncRef(_TWINS_MODULE, "rename"),
    api.attrs.delete: FuncRef(_TWINS_MODULE, "delete"),
    api.attrs.duplicate: FuncRef(_TWINS_MODULE, "duplicate"),
    api.attrs.apply: FuncRef(_TWINS_MODULE, "apply"),
    api.structure.create_group: FuncRef(_STRUCTURE_MODULE, "create_group"),
    api.structure.rename: FuncRef(_STRUCTURE_MODULE, "rename"),
    api.structure.move: FuncRef(_STRUCTURE_MODULE, "move"),
    api.structure.delete_info: FuncRef(_STRUCTURE_MODULE, "delete_info"),
    api.structure.delete: FuncRef(_STRUCTURE_MODULE, "delete"),
    api.structure.create_soft_link: FuncRef(_STRUCTURE_MODULE, "create_soft_link"),
    api.structure.create_external_link: FuncRef(_STRUCTURE_MODULE, "create_external_link"),
    api.export.export: FuncRef("h5gui.core.hsds.export", "export"),
    api.export.export_stack: FuncRef("h5gui.core.hsds.export", "export_stack"),
    api.structure.export_hdf5: FuncRef("h5gui.core.hsds.export", "export_hdf5"),
    api.attrs.paste: FuncRef("h5gui.core.hsds.paste", "paste"),
}

NOT_FOR_HSDS = FuncRef(__name__, "not_for_hsds")
_FOR_EVERY_SOURCE = frozenset({api.remote.transfer_stats, api.remote.apply_environment, api.remote.restore_options,
                               api.remote.download, api.remote.set_options})


def is_hsds(file: object) -> bool:
    """Whether ``file`` (a job's first argument) names an HSDS domain."""
    return isinstance(file, str) and file[:7].lower() == "hdf5://"


def _domain_of(args: tuple[Any, ...]) -> str | None:
    if args and is_hsds(args[0]):
        return str(args[0])
    if args and isinstance(args[0], (list, tuple)) and args[0]:  # attrs.apply(edits), attrs.paste(targets, values)
        values = args[1] if len(args) > 1 and isinstance(args[1], (list, tuple)) else ()
        for item in (*args[0], *values):  # any domain among them: the twin (it does local files too)
            file = item[0] if isinstance(item, tuple) and item else getattr(item, "file", None)
            if is_hsds(file):
                return str(file)
    return None


def route(ref: FuncRef, args: tuple[Any, ...]) -> tuple[FuncRef, tuple[Any, ...]]:
    """``(ref, args)`` for a local file or a URL; the HSDS twin for a domain; else :data:`NOT_FOR_HSDS`
    with the words of what was asked (the job then fails with one line)."""
    domain = _domain_of(args)
    if domain is None or ref.module.startswith(_HSDS) or ref in _FOR_EVERY_SOURCE:
        return ref, args
    twin = HSDS_TWINS.get(ref)
    if twin is not None:
        return twin, args
    kind = api.kind_of(ref)
    what = f"{kind.operation} ({ref.name.replace('_', ' ')})" if kind is not None else ref.name.replace("_", " ")
    return NOT_FOR_HSDS, (domain, what)


def not_for_hsds(domain: str, what: str, *_args: Any, **_kwargs: Any) -> None:
    """Job: the one-line refusal of something HSDS domains do not offer yet."""
    raise BadRequestError(f"{domain}: {what} is not available for HSDS domains yet")
