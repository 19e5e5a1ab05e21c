"""The GUI's transfers as jobs whose results are plain dicts: "Download a copy..." of an ``s3://``,
``http(s)://`` file or an ``hdf5://`` domain, and "Upload to HSDS...".

A front end that never imports h5py must not receive a record whose module imports it when unpickled
(:class:`~h5gui.core.download.DownloadReport`, :class:`~h5gui.core.hsds.records.TransferReport`): these
jobs return ``dataclasses.asdict`` of them, with ``path`` (the local file) and ``not_carried`` always
present.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from h5gui.core.progress import Job
from h5gui.core.sources import Source


def download_copy(source: str, out: str | os.PathLike[str], *, overwrite: bool = False) -> Job[dict[str, Any]]:
    """Job: a local copy of a remote file (byte for byte) or of an HSDS domain (a new HDF5 file)."""
    src = Source.coerce(source)
    if src.kind == "hsds":
        from h5gui.core.hsds import transfer

        report: Any = yield from transfer.download(src.url, os.fspath(out), overwrite=overwrite)
        return {**dataclasses.asdict(report), "path": str(report.target)}
    from h5gui.core import download

    report = yield from download.download(src, out, overwrite=overwrite)
    return {**dataclasses.asdict(report), "not_carried": ()}


def upload(local: str | os.PathLike[str], domain: str, *, overwrite: bool = False) -> Job[dict[str, Any]]:
    """Job: a local file into a new HSDS domain; the report as a dict."""
    from h5gui.core.hsds import transfer

    report = yield from transfer.upload(os.fspath(local), domain, overwrite=overwrite)
    return {**dataclasses.asdict(report), "path": str(local)}
