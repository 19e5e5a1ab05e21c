"""Attributes: plain snapshots (:class:`AttrInfo`), the text <-> typed value codec, and safe edits.

Reading
    :func:`list_attrs` gives one :class:`AttrInfo` per attribute: a readable summary, the datatype in
    words, and for editable attributes the value as a user would type it (``edit_text``), which
    :func:`parse_value` turns back into the identical value.

Typing values
    :func:`parse_value` accepts what a user types (``3``, ``0.5``, ``1e-3``, ``true``, ``1+2j``,
    ``[1, 2, 3]``, ``[[1, 2], [3, 4]]``, ``"text"`` or plain text, ``["a", "b"]``) for one of
    :data:`ATTR_TYPES` and refuses, with :class:`AttrValueError` and one line, anything that does not
    fit: overflow, not a number, wrong shape, ragged lists, a bool of 2. Nothing is truncated or
    rounded to an integer silently.

Writing
    Every write opens the file with ``files.open_file(file, write=True)`` (so in the GUI editing must
    be enabled) and leaves the attribute as it was when it fails:

    * a value of the same stored type and shape is written in place (one ``H5Awrite``: HDF5 converts
      the whole buffer before it replaces the stored value), which keeps the attribute's position;
    * anything else is created under a temporary name, the old attribute is renamed aside, the new
      one renamed into place and only then the old one deleted (undone if a step fails). Where
      creation order is tracked the attribute then moves to the end of the list.

    Raw values (:class:`AttrValue`, with the HDF5 datatype serialized by ``H5Tencode``) carry an
    attribute exactly, for undo and for copy/paste between nodes and files.

Modules (each name below is importable from the package; a module is imported on first use, so
``import h5gui.core.attrs.records`` loads no h5py):

- :mod:`~h5gui.core.attrs.records`: AttrInfo, AttrValue, AttrEdit, EditResult, ATTR_TYPES;
- :mod:`~h5gui.core.attrs.targets`: which stored types can be typed, and as what;
- :mod:`~h5gui.core.attrs.lists` and :mod:`~h5gui.core.attrs.codec`: text -> value;
- :mod:`~h5gui.core.attrs.formatting`: value -> text;
- :mod:`~h5gui.core.attrs.read` and :mod:`~h5gui.core.attrs.write`: the file operations;
- :mod:`h5gui.core.h5.attrs_raw`: one attribute exactly as stored (HDF5's level);
- undoable edits: :mod:`h5gui.core.attr_edits`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:  # type checkers see every name; at run time __getattr__ imports its module on first use
    from h5gui.core.attrs.codec import *  # noqa: F403
    from h5gui.core.attrs.formatting import *  # noqa: F403
    from h5gui.core.attrs.lists import *  # noqa: F403
    from h5gui.core.attrs.read import *  # noqa: F403
    from h5gui.core.attrs.records import *  # noqa: F403
    from h5gui.core.attrs.targets import *  # noqa: F403
    from h5gui.core.attrs.write import *  # noqa: F403

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("ATTR_TYPES", "AttrEdit", "AttrInfo", "AttrValue", "EditResult"),
    "targets": ("Target", "classify", "target_for_dtype", "target_for_type"),
    "lists": ("Leaf", "ListParser", "leaves", "shape_of", "short"),
    "codec": ("AttrValueError", "parse_for_target", "parse_value"),
    "formatting": ("format_value",),
    "read": ("BIG_BYTES", "MAX_ATTR_ELEMENTS", "MAX_EDIT_ELEMENTS", "SUMMARY_CHARS", "get_attr_values", "list_attrs",
             "missing", "present", "read_attr", "read_raw"),
    "h5gui.core.formatting": ("pretty",),
    "write": ("create_raw", "delete_attrs", "duplicate_attr", "has_refs", "prepare_raw", "put_attr_values",
              "rename_attr", "set_attr", "set_attr_on_many", "store_raw"),
})
