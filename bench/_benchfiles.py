"""Test files and small helpers shared by the benchmark scripts (not part of h5gui).

Files are cached in ``/tmp/h5gui-bench/`` under a name that encodes their parameters, so a second
run of a benchmark does not write them again. Each file is written under ``NAME.partial`` and
renamed when complete, so an interrupted run never leaves a half-written cache entry.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

CACHE = Path(os.environ.get("H5GUI_BENCH_CACHE", "/tmp/h5gui-bench"))

# group layouts of the generated files
#   old:   h5py's default (libver "earliest"): symbol-table groups, native order = byte order of names
#   dense: libver "latest": compact/dense link storage, native order = name-hash order (looks random)
#   track: libver "latest" + track_order=True: native order = creation order (what DESIGN.md advises)
LAYOUTS = ("old", "dense", "track")


def _file_kwargs(layout: str) -> dict[str, object]:
    if layout == "old":
        return {}
    if layout == "dense":
        return {"libver": "latest"}
    if layout == "track":
        return {"libver": "latest", "track_order": True}
    raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")


def _datasets(gid: object, names: Sequence[str], shape: tuple[int, ...]) -> None:
    """Create empty (never written) uint8 datasets with the low-level API: ~15 us each."""
    import h5py
    import numpy as np

    tid = h5py.h5t.py_create(np.dtype("uint8"))
    space = h5py.h5s.create_simple(shape)
    for name in names:
        h5py.h5d.create(gid, name.encode(), tid, space).close()


def _build(path: Path, make: Callable[[Path], None]) -> Path:
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    t = time.perf_counter()
    make(partial)
    os.replace(partial, path)
    print(f"  (wrote {path} in {time.perf_counter() - t:.1f} s, {path.stat().st_size / 2**20:.0f} MiB)", flush=True)
    return path


def big_group_file(n: int = 100_000, layout: str = "dense") -> Path:
    """``/big`` holds ``n`` datasets ``img0 .. img{n-1}`` (28 x 28 uint8, unwritten), plus ``/small``."""
    import h5py

    def make(p: Path) -> None:
        with h5py.File(p, "w", **_file_kwargs(layout)) as f:  # type: ignore[arg-type]
            g = f.create_group("big")
            _datasets(g.id, [f"img{i}" for i in range(n)], (28, 28))
            s = f.create_group("small")
            _datasets(s.id, [f"x{i}" for i in range(10)], (4,))
            f.attrs["description"] = f"h5gui benchmark: {n:,} datasets in /big"

    return _build(CACHE / f"big_{n}_{layout}.h5", make)


def many_groups_file(groups: int = 1000, per_group: int = 100, layout: str = "dense") -> Path:
    """``groups`` groups ``g0 ..`` at the root, each with ``per_group`` small datasets."""
    import h5py

    def make(p: Path) -> None:
        with h5py.File(p, "w", **_file_kwargs(layout)) as f:  # type: ignore[arg-type]
            names = [f"d{j}" for j in range(per_group)]
            for i in range(groups):
                g = f.create_group(f"g{i}")
                _datasets(g.id, names, (16,))

    return _build(CACHE / f"groups_{groups}x{per_group}_{layout}.h5", make)


def small_file() -> Path:
    """A small file like a user's: a few groups, an image, a stack, a 1-D signal, attributes."""
    import h5py
    import numpy as np

    def make(p: Path) -> None:
        rng = np.random.default_rng(0)
        with h5py.File(p, "w") as f:
            img = f.create_group("images")
            img.create_dataset("rgb", data=rng.integers(0, 255, (256, 256, 3), dtype=np.uint8))
            img.create_dataset("stack", data=rng.integers(0, 255, (100, 28, 28), dtype=np.uint8))
            img.create_dataset("labels", data=np.arange(100) % 10)
            sig = f.create_group("signals")
            sig.create_dataset("sine", data=np.sin(np.linspace(0, 20, 5000)))
            sig.attrs["units"] = "V"
            f.attrs["title"] = "small benchmark file"
            f["link"] = h5py.SoftLink("/images/rgb")

    return _build(CACHE / "small.h5", make)


def drop_page_cache(path: str | os.PathLike[str]) -> bool:
    """Ask the kernel to forget the file's cached pages (no root needed; best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return True
    except (OSError, AttributeError):
        return False
    finally:
        os.close(fd)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "n/a"
    v = seconds * 1000
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 1 else f"{v:.2f} ms"


def ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "n/a"
    r = a / b
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table (pipe style) ready for the README."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def machine() -> str:
    import platform

    try:
        import h5py

        versions = f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}"
    except Exception:  # pragma: no cover
        versions = ""
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {versions}"
