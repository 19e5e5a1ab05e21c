"""Download a copy of a remote file (``s3://``, ``https://``): remote sources are read-only in h5gui, and
"Download a copy..." turns one into a local file that opens editable."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from h5gui.core.errors import BadRequestError, FileAccessError
from h5gui.core.h5 import remote, staging
from h5gui.core.progress import Job, Progress
from h5gui.core.sources import Source

BLOCK = 4 << 20  # bytes fetched by one request (past the block cache: exactly this range)


@dataclass(frozen=True, slots=True)
class DownloadReport:
    source: str
    path: str
    nbytes: int
    requests: int
    seconds: float


def default_name(source: Source | str, folder: str | os.PathLike[str]) -> Path:
    """Where a download goes by default: the remote file's name in ``folder``."""
    return Path(folder).expanduser() / (Source.coerce(source).name or "download.h5")


def download(source: Source | str, out: str | os.PathLike[str], *, overwrite: bool = False) -> Job[DownloadReport]:
    """Job: copy the remote file to ``out`` in blocks, with progress in bytes.

    Written as ``OUT.partial`` and moved into place when complete and of the right size; cancel (the
    generator closed) or an error removes it. An existing ``out`` is replaced only with ``overwrite``.
    """
    src = Source.coerce(source)
    if not src.is_remote or src.kind == "hsds":
        raise BadRequestError(f"{src}: only s3:// and http(s):// files are downloaded this way")
    final = Path(out).expanduser().absolute()
    if final.exists() and not overwrite:
        raise BadRequestError(f"{final} exists: choose another name (nothing is overwritten)")
    if not final.parent.is_dir():
        raise FileAccessError(f"No such folder: {final.parent}")
    t0 = time.monotonic()
    rf = remote.open_remote(src)
    try:
        total = rf.size
        yield Progress(0, total, "bytes", f"downloading {src.name}", nbytes=0)
        with staging.PartialFile(final, overwrite=overwrite) as claim:
            done = 0
            buf = bytearray(BLOCK)
            with open(claim.path, "wb") as fh:
                while done < total:
                    rf.seek(done)
                    n = rf.readinto(memoryview(buf)[: min(BLOCK, total - done)])
                    if n <= 0:
                        raise FileAccessError(f"{src}: the download stopped at {done:,} of {total:,} bytes")
                    fh.write(memoryview(buf)[:n])
                    done += n
                    yield Progress(done, total, "bytes", f"downloading {src.name}", nbytes=done)
            if os.path.getsize(claim.path) != total:
                raise FileAccessError(f"{src}: downloaded {os.path.getsize(claim.path):,} of {total:,} bytes")
            claim.publish()
        return DownloadReport(src.url, str(final), total, rf.stats.requests, time.monotonic() - t0)
    finally:
        rf.close()
