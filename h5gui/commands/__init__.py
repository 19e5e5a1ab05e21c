"""Subcommands of ``h5gui-cli`` that live in their own modules (Qt-free, like ``h5gui.cli``).

Each module exposes ``add_parser(subparsers, common)`` (``common`` is the parent parser with the
shared options; each subcommand parser sets ``func``) and the functions its subcommands run.
"""

from __future__ import annotations

from typing import Any


def int_list(text: str, what: str) -> tuple[int, ...]:
    """``'1, 2,3'`` -> ``(1, 2, 3)``; ``''`` -> ``()``; anything else is a one-line refusal
    (:func:`h5gui.core.parsing.parse_ints`, the parser the GUI uses too)."""
    from h5gui.core.parsing import parse_ints

    return parse_ints(text, what)


def json_default(value: Any) -> Any:
    """``json.dump(default=...)`` for our records: tuples and sets as lists, anything else as text."""
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)
