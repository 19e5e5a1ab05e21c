"""Structure edits: create groups, datasets and links; rename and move; copy (within a file and between
files); delete; compact a file; export an object as a new file.

Every function takes file paths and HDF5 paths, opens the files through
:func:`h5gui.core.h5.files.open_file` (writes need ``write=True``: in the GUI the file must be made
writable first, else :class:`ReadOnlyError`), resolves paths without following external links (and
without letting HDF5 follow any link on its own), returns frozen dataclasses or plain values, and
raises :class:`H5GuiError` subclasses whose message is one line naming what and where.

Rules
    * Nothing existing is ever overwritten: creating, moving or copying onto a name that is taken is
      refused (a dangling link counts as taken).
    * New objects are written under a temporary name (``.h5gui-tmp-...``,
      :func:`h5gui.core.h5.staging.temp_name`) in their destination group and moved into place when
      complete; an error or a cancel (the generator closed) deletes them.
    * Long operations (:func:`copy`, :func:`compact`, :func:`export_hdf5`, :func:`delete_info`,
      :func:`create_dataset_from_file`) are generators that yield :class:`Progress` and return their
      result.
    * Deleting does not make an HDF5 file smaller: :func:`delete` says how much space it freed inside
      the file (HDF5's own free-space count), which only :func:`compact` gives back.

Modules (each name below is importable from the package; a module is imported on first use, so
``import h5gui.core.structure.records`` loads no h5py):

- :mod:`~h5gui.core.structure.records`: CopyReport, DeleteInfo, DeleteReport, CompactReport;
- :mod:`~h5gui.core.structure.paths`: where an edit happens (check_name, groups, taken names);
- :mod:`~h5gui.core.structure.create`: groups, datasets (load_array), soft and external links;
- :mod:`~h5gui.core.structure.moves`: move, rename;
- :mod:`~h5gui.core.structure.copier` (the copy engine) and :mod:`~h5gui.core.structure.copying` (copy);
- :mod:`~h5gui.core.structure.deletion`: delete_info, delete;
- :mod:`~h5gui.core.structure.newfiles`: compact, export_hdf5.

The sizes below are read at each use (``structure.BIG_COPY_BYTES = ...`` takes effect at once: tests
and benchmarks set them here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:  # type checkers see every name; at run time __getattr__ imports its module on first use
    from h5gui.core.h5.staging import TEMP_PREFIX as TEMP_PREFIX
    from h5gui.core.structure.copier import *  # noqa: F403
    from h5gui.core.structure.copying import *  # noqa: F403
    from h5gui.core.structure.create import *  # noqa: F403
    from h5gui.core.structure.deletion import *  # noqa: F403
    from h5gui.core.structure.moves import *  # noqa: F403
    from h5gui.core.structure.newfiles import *  # noqa: F403
    from h5gui.core.structure.paths import *  # noqa: F403
    from h5gui.core.structure.records import *  # noqa: F403

BIG_COPY_BYTES = 8 * 2**20  # datasets with more stored bytes are copied piece by piece
BLOCK_BYTES = 32 * 2**20  # raw bytes per block when copying contiguous data or writing new data
YIELD_BYTES = 16 * 2**20  # progress at least every this many bytes
OBJECT_WEIGHT = 4096  # progress: each object counts as this many bytes of work

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("CompactReport", "CopyReport", "DeleteInfo", "DeleteReport"),
    "paths": ("check_name", "dest_of", "existing", "group_at", "in_group", "link_kind", "refuse_existing", "row",
              "split"),
    "create": ("create_dataset", "create_dataset_from_file", "create_external_link", "create_group",
               "create_soft_link", "load_array"),
    "moves": ("move", "rename"),
    "copier": ("Copier", "_Copier=Copier"),
    "copying": ("copy", "open_pair", "source_hard"),
    "deletion": ("delete", "delete_info"),
    "newfiles": ("HDF5_EXTENSIONS", "compact", "export_hdf5"),
    "h5gui.core.h5.staging": ("TEMP_PREFIX",),
})
