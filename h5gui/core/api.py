"""The core functions a front end asks the I/O process for, named, not imported (issue 16).

The GUI process never imports h5py: every HDF5 job runs in the supervised I/O process
(:mod:`h5gui.core.ioproc`). A job is named by a :class:`~h5gui.core.ioproc.funcref.FuncRef` (module,
function), and only the process that calls it imports the module. This module gathers the references
the GUI uses, one namespace per core package, so that GUI code reads as a direct call would::

    runner.submit(api.nodes.describe, file, path, on_result=show, on_error=status)

Each reference also says what the job does to what, for its one-line messages and for the quarantine of
an object that crashed or hung libhdf5 (:func:`kind_of`, :func:`subject_of`): the ``operation`` in words
("reading", "listing", "writing"...), how many leading arguments name the object (2: ``file, path``;
1: ``file``; 0: nothing), and whether the job is *long* (an import, a transform, an export: it reports
progress and may go longer without a sign of life than a metadata read).

Records, constants and pure helpers are not here: import them from the h5py-free modules
(``h5gui.core.nodes.records``, ``h5gui.core.preview.records``, ``h5gui.core.preview.axes``,
``h5gui.core.attrs.records``...). This module imports nothing but :class:`FuncRef`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from h5gui.core.ioproc.funcref import FuncRef


class JobKind(NamedTuple):
    """What a job does: ``operation`` (a verb for messages), ``subject_args`` (leading arguments that name
    its object: 2 for ``file, path``, 1 for ``file``, 0), ``long`` (reports progress; a longer silence
    deadline)."""

    operation: str
    subject_args: int
    long: bool = False
    urgent: bool = False  # what the user waits to see: queued ahead of other waiting reads


_KINDS: dict[FuncRef, JobKind] = {}


def _ref(module: str, name: str, operation: str = "reading", subject_args: int = 2, long: bool = False,
         urgent: bool = False) -> FuncRef:
    ref = FuncRef(module, name)
    _KINDS[ref] = JobKind(operation, subject_args, long, urgent)
    return ref


def kind_of(ref: FuncRef) -> JobKind | None:
    """How ``ref`` was declared here, or None for a reference made elsewhere."""
    return _KINDS.get(ref)


def subject_of(ref: FuncRef, args: tuple[Any, ...]) -> tuple[str, str | None] | None:
    """``(file, path)`` (path None for a whole file) that a call ``ref(*args)`` works on, or None."""
    kind = _KINDS.get(ref)
    if kind is None or kind.subject_args == 0 or len(args) < kind.subject_args:
        return None
    file = args[0]
    if not isinstance(file, str):
        return None
    path = args[1] if kind.subject_args >= 2 else None
    return file, path if isinstance(path, str) else None


def every_ref() -> list[FuncRef]:
    """Every reference declared here (tests check that each one resolves)."""
    return list(_KINDS)


_NODES = "h5gui.core.nodes"
_ATTRS = "h5gui.core.attrs"
_EDITS = "h5gui.core.attr_edits"
_PREVIEW = "h5gui.core.preview"
_STRUCTURE = "h5gui.core.structure"


class nodes:
    """Tree rows and details (:mod:`h5gui.core.nodes`)."""

    describe = _ref(_NODES, "describe")
    external_link_target = _ref(_NODES, "external_link_target")
    open_group_listing = _ref(_NODES, "open_group_listing", "listing")
    list_names = _ref(_NODES, "list_names", "listing")
    describe_children = _ref(_NODES, "describe_children", "listing")
    member_table = _ref(_NODES, "member_table", "listing")  # a group's preview: members with sizes on disk


class attrs:
    """Attributes (:mod:`h5gui.core.attrs`) and their undoable edits (:mod:`h5gui.core.attr_edits`)."""

    list_attrs = _ref(_ATTRS, "list_attrs")
    get_attr_values = _ref(_ATTRS, "get_attr_values")
    value_problem = _ref("h5gui.core.checks", "attr_value_problem", "checking", 0)
    set_value = _ref(_EDITS, "set_value", "writing")
    rename = _ref(_EDITS, "rename", "writing")
    delete = _ref(_EDITS, "delete", "writing")
    duplicate = _ref(_EDITS, "duplicate", "writing")
    apply = _ref(_EDITS, "apply", "writing", 0)
    set_on_many = _ref(_EDITS, "set_on_many", "writing", 0)
    paste = _ref(_EDITS, "paste", "writing", 0)


class preview:
    """Previews of datasets (:mod:`h5gui.core.preview`)."""

    preview_info = _ref(_PREVIEW, "preview_info")
    read_image = _ref(_PREVIEW, "read_image", urgent=True)
    read_encoded = _ref(_PREVIEW, "read_encoded")
    read_table = _ref(_PREVIEW, "read_table", urgent=True)
    read_plot = _ref(_PREVIEW, "read_plot", urgent=True)
    read_text = _ref(_PREVIEW, "read_text")
    # the info and the first frame of the image view in one job, ahead of the Info and attribute reads
    preview_start = _ref("h5gui.core.preview.start", "preview_start", urgent=True)


class values:
    """Dataset values typed into the table (:mod:`h5gui.core.values`)."""

    write_block = _ref("h5gui.core.values", "write_block", "writing")
    apply = _ref("h5gui.core.values", "apply", "writing", 0)


class files:
    """The I/O process's handle pool (:mod:`h5gui.core.h5.files`)."""

    release = _ref("h5gui.core.h5.files", "release", "closing", 1)
    enable_editing = _ref("h5gui.core.h5.files", "enable_editing", "opening for writing", 1)
    disable_editing = _ref("h5gui.core.h5.files", "disable_editing", "closing for writing", 1)


class demo:
    """The demo file (:mod:`h5gui.core.demo`)."""

    ensure_demo = _ref("h5gui.core.demo", "ensure_demo", "writing the demo file", 0)


class structure:
    """Structure edits and whole-file operations (:mod:`h5gui.core.structure`)."""

    create_group = _ref(_STRUCTURE, "create_group", "writing")
    create_dataset = _ref(_STRUCTURE, "create_dataset", "writing")
    create_dataset_from_file = _ref(_STRUCTURE, "create_dataset_from_file", "writing", long=True)
    create_soft_link = _ref(_STRUCTURE, "create_soft_link", "writing")
    create_external_link = _ref(_STRUCTURE, "create_external_link", "writing")
    rename = _ref(_STRUCTURE, "rename", "renaming")
    move = _ref(_STRUCTURE, "move", "moving")
    delete_info = _ref(_STRUCTURE, "delete_info")
    delete = _ref(_STRUCTURE, "delete", "deleting")
    copy = _ref(_STRUCTURE, "copy", "copying", long=True)
    compact = _ref(_STRUCTURE, "compact", "compacting", 1, long=True)
    export_hdf5 = _ref(_STRUCTURE, "export_hdf5", "exporting", long=True)


class export:
    """Exports to .npy, .csv, images (:mod:`h5gui.core.export`) and code (:mod:`h5gui.core.snippets`)."""

    export = _ref("h5gui.core.export", "export", "exporting", long=True)
    export_stack = _ref("h5gui.core.export", "export_stack", "exporting", long=True)
    snippet = _ref("h5gui.core.snippets", "snippet")


class importer:
    """Image folder import (:mod:`h5gui.core.importer`)."""

    scan = _ref("h5gui.core.importer", "scan", "scanning", 0, long=True)
    plan_import = _ref("h5gui.core.importer", "plan_import", "planning the import", 0)
    run_import = _ref("h5gui.core.importer", "run_import", "importing", 0, long=True)


class transform:
    """Dataset transforms (:mod:`h5gui.core.transform`)."""

    suggest_dest = _ref("h5gui.core.transform", "suggest_dest")
    default_spec = _ref("h5gui.core.transform", "default_spec")
    plan_transform = _ref("h5gui.core.transform", "plan_transform", "planning the transform", 0)
    preview_transform = _ref("h5gui.core.transform", "preview_transform", "previewing the transform", 0)
    run_transform = _ref("h5gui.core.transform", "run_transform", "transforming", 0, long=True)
    run_transforms = _ref("h5gui.core.transform", "run_transforms", "transforming", 0, long=True)


class search:
    """Finding objects by name or attribute (:mod:`h5gui.core.search`)."""

    search = _ref("h5gui.core.search", "search", "searching", 1, long=True)


class stats:
    """Statistics of a dataset (:mod:`h5gui.core.stats`): ``compute_stats(StatsSpec)``."""

    compute_stats = _ref("h5gui.core.stats", "compute_stats", "computing statistics", 0, long=True)


class samples:
    """Sample grids (:mod:`h5gui.core.samples`): a page of thumbnails, saved as a contact sheet."""

    sample_grid = _ref("h5gui.core.samples", "sample_grid", "reading samples", 0, long=True)
    save_sheet = _ref("h5gui.core.samples", "save_sheet", "writing the contact sheet", 0)


class about:
    """Versions for Help > About (:mod:`h5gui.core.versions`)."""

    versions = _ref("h5gui.core.versions", "versions", "reading versions", 0)


class maintenance:
    """Leftovers of interrupted writes and files a crashed writer left marked (:mod:`h5gui.core.maintenance`)."""

    leftover_summary = _ref("h5gui.core.maintenance", "leftover_summary", "checking for leftovers", 1)
    remove_leftovers = _ref("h5gui.core.maintenance", "remove_leftovers", "removing leftovers", 1)
    read_past_mark = _ref("h5gui.core.h5.files", "read_past_mark", "opening", 1)


class remote:
    """Remote sources (:mod:`h5gui.core.remote_session`, :mod:`h5gui.core.sources`,
    :mod:`h5gui.core.transfer_jobs`)."""

    apply_environment = _ref("h5gui.core.remote_session", "apply_environment", "configuring", 0)
    restore_options = _ref("h5gui.core.sources", "restore_options", "configuring", 0)
    transfer_stats = _ref("h5gui.core.remote_stats", "transfer_stats", "counting", 0)
    download = _ref("h5gui.core.transfer_jobs", "download_copy", "downloading", 1, long=True)
    hsds_upload = _ref("h5gui.core.transfer_jobs", "upload", "uploading", 1, long=True)
    hsds_folder = _ref("h5gui.core.hsds.folders", "list_folder", "listing the folder", 0)
    hsds_link_id = _ref("h5gui.core.hsds.structure", "link_id")  # before a delete: what undo links again
    hsds_relink = _ref("h5gui.core.hsds.structure", "relink", "writing")  # undo of a delete on a domain
    set_options = _ref("h5gui.core.h5.remote", "set_default_options", "configuring", 0)
