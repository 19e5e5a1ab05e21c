"""Paths inside a file: normalized, joined, encoded, and sorted the way people sort names."""

from __future__ import annotations

import heapq
import posixpath
import re

from h5gui.core.errors import BadRequestError


def normalize_path(path: str) -> str:
    """``'a//b/'`` -> ``'/a/b'``; refuses ``..`` and ``.`` components."""
    if not isinstance(path, str) or not path:
        return "/"
    parts = [p for p in path.split("/") if p]
    for p in parts:
        if p in (".", ".."):
            raise BadRequestError(f"Invalid HDF5 path {path!r}: '.' and '..' are not allowed")
    return "/" + "/".join(parts)


def join(parent: str, name: str) -> str:
    return posixpath.join(parent, name) if parent != "/" else "/" + name


def decode(name: bytes | str) -> str:
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else name


def encode(path: str | bytes) -> bytes:
    """``path`` as HDF5 takes it; bytes (a name that is not UTF-8, as h5py gives it) pass unchanged."""
    return path if isinstance(path, bytes) else path.encode("utf-8")


SORT_RUN = 8192  # names sorted per run, then merged (no long hold of the GIL)

_DIGITS = re.compile(r"\d+")


def _pad_digits(m: re.Match[str]) -> str:
    digits = m.group()
    return digits.lstrip("0").zfill(24) if len(digits) <= 24 else digits


def natural_key(name: str) -> str:
    """Sort key that puts ``img2`` before ``img10`` (case-insensitive, ties broken by the name).

    A plain string (digit runs zero-padded) so that sorting 100,000 names stays fast.
    """
    return _DIGITS.sub(_pad_digits, name.casefold()) + "\x00" + name


def natural_sorted(names: list[str]) -> list[str]:
    """``names`` in natural order. Sorted in runs of a few thousand merged lazily, so that no single
    call holds the GIL for long (a GUI thread sharing the process stays responsive)."""
    keyed = [(natural_key(n), n) for n in names]
    if len(keyed) <= SORT_RUN:
        keyed.sort()
        return [n for _k, n in keyed]
    runs = []
    for i in range(0, len(keyed), SORT_RUN):
        run = keyed[i:i + SORT_RUN]
        run.sort()
        runs.append(run)
    return [n for _k, n in heapq.merge(*runs)]
