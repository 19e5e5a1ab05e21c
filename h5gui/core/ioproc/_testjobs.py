"""Jobs for the tests and the benchmark of :mod:`h5gui.core.ioproc`: they crash, hang, allocate, echo.

They live inside the package so that the I/O process can import them wherever it was started from.
Nothing in h5gui calls them.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from h5gui.core import errors
from h5gui.core.progress import Progress

_MEMORY: dict[str, Any] = {}


@dataclass(frozen=True)
class Frame:
    """A result record holding arrays, as a preview would return."""

    index: int
    data: Any
    extras: dict[str, Any]


def echo(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


def nothing() -> None:
    return None


def pid() -> int:
    return os.getpid()


def frame(nbytes: int, index: int = 0) -> Frame:
    """A uint8 frame of ``nbytes`` (filled with a pattern) plus a small and a large extra array."""
    import numpy as np

    data = np.resize(np.arange(251, dtype=np.uint8), nbytes)
    return Frame(index, data, {"small": np.arange(10), "column": np.asfortranarray(np.ones((300, 100)))})


def count(n: int, delay: float = 0.0, marker: str | None = None) -> Generator[Progress, None, int]:
    """Yield ``n`` progress records, ``delay`` seconds apart; write ``marker`` in ``finally``."""
    try:
        for i in range(n):
            if delay:
                time.sleep(delay)
            yield Progress(i + 1, n, "steps")
        return n
    finally:
        if marker:
            with open(marker, "w") as fh:
                fh.write("closed")


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(10)


def abort() -> None:
    os.abort()


def hold_gil() -> None:
    """Never returns and never lets another thread of this process run (a regex match holds the GIL)."""
    re.fullmatch(r"(a+)+b", "a" * 64)


def allocate(nbytes: int) -> int:
    """Allocate and touch ``nbytes`` at once."""
    import numpy as np

    block = np.ones(nbytes, dtype=np.uint8)
    return int(block[::4096].sum())


def grow(step: int, total: int, pause: float = 0.01) -> int:
    """Allocate and touch ``total`` bytes in ``step`` pieces (slow growth, for the RSS watch)."""
    import numpy as np

    blocks = []
    for _ in range(total // step):
        blocks.append(np.ones(step, dtype=np.uint8))
        time.sleep(pause)
    return len(blocks)


def fail(kind: str, *args: Any) -> None:
    """Raise ``errors.<kind>(*args)``, or a ValueError / MemoryError for ``"ValueError"`` / ``"MemoryError"``."""
    if kind == "ValueError":
        raise ValueError(*args)
    if kind == "MemoryError":
        raise MemoryError(*args)
    raise getattr(errors, kind)(*args)


def remember(key: str, value: Any) -> None:
    _MEMORY[key] = value


def recall(key: str) -> Any:
    return _MEMORY.get(key)


_FRAMES: dict[int, Any] = {}


def cached_frame(nbytes: int, fill: int | None = None) -> Any:
    """The same ``nbytes`` uint8 array every call (so a benchmark times the transfer, not the making),
    filled with ``fill`` when given."""
    import numpy as np

    if nbytes not in _FRAMES:
        _FRAMES[nbytes] = np.resize(np.arange(251, dtype=np.uint8), nbytes)
    if fill is not None:
        _FRAMES[nbytes].fill(fill)
    return _FRAMES[nbytes]


def read_frame(file: str, path: str, index: int) -> Any:
    """``dataset[index]`` read through the handle pool (a preview's frame, without the preview logic)."""
    from h5gui.core.h5 import files

    with files.open_file(file) as f:
        return f[path][index]



def heavy_read(file: str, path: str, seconds: float) -> int:
    """Read (and decompress) ``path``'s frames again and again for ``seconds``, with no chunk cache; return
    how many frames were read (a long libhdf5 job, for the GUI's responsiveness test)."""
    import h5py

    reads = 0
    t0 = time.perf_counter()
    with h5py.File(file, "r", rdcc_nbytes=0) as f:
        ds = f[path]
        while time.perf_counter() - t0 < seconds:
            ds[reads % ds.shape[0]]
            reads += 1
    return reads


def loaded(*names: str) -> list[bool]:
    """Whether each module is imported in this process."""
    import sys

    return [name in sys.modules for name in names]
