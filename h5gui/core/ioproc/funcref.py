"""Jobs named, not imported: a :class:`FuncRef` says which function to run without importing it.

The GUI process must never import h5py, yet it asks the I/O process to run core functions that do.
So a job names its function by module and qualified name; only the process that *calls* the
reference imports the module (lazily, with :mod:`importlib`)::

    describe = FuncRef("h5gui.core.nodes", "describe")
    supervisor.submit(describe, file, "/data", on_error=...)   # runs in the I/O process
    describe(file, "/data")                                     # runs here (the CLI's --in-process)
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FuncRef:
    """A module-level function (or a ``Class.method`` path) named by ``module`` and ``name``.

    Hashable, picklable (two strings) and printable as ``module:name``. Calling it resolves the
    function on first use and calls it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"h5gui.core.nodes"``.
    name : str
        Qualified name inside the module, e.g. ``"describe"`` or ``"Reader.read"``.
    """

    module: str
    name: str

    def __post_init__(self) -> None:
        for part in (*self.module.split("."), *self.name.split(".")):
            if not part.isidentifier():
                raise ValueError(f"not a function reference: {self.module!r}, {self.name!r}")

    @classmethod
    def parse(cls, text: str) -> FuncRef:
        """``"h5gui.core.nodes:describe"`` -> ``FuncRef("h5gui.core.nodes", "describe")``."""
        module, sep, name = text.partition(":")
        if not sep:
            raise ValueError(f"expected 'module:function', got {text!r}")
        return cls(module, name)

    def resolve(self) -> Callable[..., Any]:
        """Import the module (once) and return the function."""
        return _resolve(self.module, self.name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.module}:{self.name}"


@functools.lru_cache(maxsize=512)
def _resolve(module: str, name: str) -> Callable[..., Any]:
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{module}:{name} is not callable")
    return obj
