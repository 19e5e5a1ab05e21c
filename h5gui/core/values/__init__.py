"""Editing a dataset's values from its table: typed like attributes, written in place, undoable.

A table cell (row, col) maps onto the dataset through the same layout as the table view: 1-D data is
one column, 2-D data rows x columns, N-D data the chosen (row axis, column axis) with the other axes
fixed by ``index``; compound data has one column per field. Every write returns the values it
replaced, so the GUI can undo it.

Modules (each name below is importable from the package; a module is imported on first use, so
``import h5gui.core.values.records`` loads no h5py): :mod:`~h5gui.core.values.records` (BlockWrite,
ValueEdit), :mod:`~h5gui.core.values.table` (parse_block, write_block, apply).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:  # type checkers see every name; at run time __getattr__ imports its module on first use
    from h5gui.core.values.records import *  # noqa: F403
    from h5gui.core.values.table import *  # noqa: F403

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("BlockWrite", "ValueEdit"),
    "table": ("MAX_CELLS", "apply", "parse_block", "write_block"),
})
