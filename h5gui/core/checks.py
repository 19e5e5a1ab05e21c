"""Checks a front end runs as jobs while the user types (the parsers they need import h5py, which the
GUI process never does)."""

from __future__ import annotations

from collections.abc import Sequence

from h5gui.core.errors import H5GuiError


def attr_value_problem(text: str, type_name: str, *, shape: Sequence[int] | None = None,
                       fixed_length: bool = False) -> str:
    """Why ``text`` cannot be stored as an attribute of type ``type_name`` (one line), or ``""``.

    The same rules as the write (:func:`h5gui.core.attrs.parse_value`), without the value.
    """
    from h5gui.core.attrs import parse_value

    try:
        parse_value(text, type_name, shape=None if shape is None else tuple(shape), fixed_length=fixed_length)
    except H5GuiError as exc:  # AttrValueError and the like: one line each
        return str(exc)
    return ""
