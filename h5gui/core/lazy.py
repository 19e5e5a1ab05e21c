"""Packages whose names are imported on first use (PEP 562), so that importing a package imports nothing heavy.

A core package's ``__init__`` says in which of its modules each public name lives and imports none
of them: ``import h5gui.core.nodes.records`` (the records the GUI holds) then loads no h5py, while
``from h5gui.core import nodes; nodes.describe(...)`` keeps working::

    __getattr__, __dir__ = lazy.exports(__name__, {"records": ("ChildInfo",), "details": ("describe",)})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def exports(package: str, modules: Mapping[str, Iterable[str]]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    modules : Mapping[str, Iterable[str]]
        Module -> the public names it holds. A module is relative to the package (``"records"``) or
        absolute (``"h5gui.core.kinds"``); a name ``"alias=name"`` gives the module's ``name`` under
        another name.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``; a name found once is stored on the package (no second lookup).
    """
    where: dict[str, tuple[str, str]] = {}
    for module, names in modules.items():
        full = module if module.startswith("h5gui.") else f"{package}.{module}"
        for entry in names:
            alias, _, name = entry.partition("=")
            where[alias] = (full, name or alias)

    def getattr_(name: str) -> Any:
        try:
            module, attr = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attr)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return getattr_, dir_


def by_module(homes: Mapping[str, str]) -> dict[str, list[str]]:
    """``{name: module}`` -> ``{module: [names]}`` (the form :func:`exports` takes)."""
    out: dict[str, list[str]] = {}
    for name, module in homes.items():
        out.setdefault(module, []).append(name)
    return out
