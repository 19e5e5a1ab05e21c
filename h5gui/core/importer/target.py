"""Where an import writes: a new file claimed as ``NAME.partial`` and published when complete, or a
temporary group in an existing file moved into place; checked before publishing, removed on abort."""

from __future__ import annotations

import contextlib
import logging
import os
import time

import h5py

from h5gui.core.errors import FileAccessError
from h5gui.core.h5 import files, messages, staging
from h5gui.core.importer.plan import join_h5

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.25  # seconds between flushes of the target
TEMP_PREFIX = staging.TEMP_PREFIX + "import-"  # the temporary group in an existing file
META_BLOCK = 1 << 20  # HDF5 metadata block size of a new file


class Target:
    """Where the import writes: a new file under ``NAME.partial``, or a temporary group in an existing file."""

    def __init__(self, target: str, group: str, new_file: bool) -> None:
        self.path = os.path.abspath(os.path.expanduser(target))
        self.group = group
        self.new_file = new_file
        self.claim: staging.PartialFile | None = None
        self.file: h5py.File | None = None
        self.tmp = ""
        self.committed = False  # from then on, abort() leaves everything as it is
        self._last_flush = time.monotonic()

    @property
    def partial(self) -> str:
        return str(staging.partial_name(self.path))

    def begin(self, stack: contextlib.ExitStack) -> h5py.Group:
        if self.new_file:
            # claimed before anything is created: a second import into the same new file is refused
            # here instead of truncating this one's file (HDF5's own lock refuses only after truncating)
            self.claim = staging.PartialFile(self.path)
            self.claim.claim()
            try:
                # metadata aggregated in 1 MiB blocks: one dataset per image then writes ~1.8x faster
                # (object headers are not scattered between the pictures' data)
                self.file = h5py.File(self.partial, "w", track_order=True, locking=False, meta_block_size=META_BLOCK)
            except OSError as exc:
                self.claim.discard()
                raise FileAccessError(f"cannot create {self.partial}: {messages.write_refusal(str(exc))}") from exc
            return require_groups(self.file, self.group)
        self.file = stack.enter_context(files.open_file(self.path, write=True))
        self.tmp = "/" + staging.temp_name("import")
        g = self.file.create_group(self.tmp, track_order=True)
        self.file.flush()
        return g

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.file is not None and (force or now - self._last_flush >= FLUSH_INTERVAL):
            self.file.flush()
            self._last_flush = now

    def commit(self, expected: dict[str, int]) -> None:
        """Publish the result; ``expected`` maps each dataset written to its length (checked first)."""
        assert self.file is not None
        if self.new_file:
            assert self.claim is not None
            self.file.close()
            self.file = None
            self.committed = True  # complete: if it cannot take its name, it stays as NAME.partial
            self.claim.publish(verify=lambda p: _verify(p, self.group, expected))
            return
        _verify_open(self.file, self.tmp, expected, self.path)
        parent = self.group.rsplit("/", 1)[0] or "/"
        require_groups(self.file, parent)
        self.file.move(self.tmp, self.group)
        self.tmp = ""
        self.committed = True
        self.file.flush()

    def abort(self) -> None:
        if self.committed:
            return
        if self.new_file:
            if self.file is not None:
                try:
                    self.file.close()
                except Exception:  # noqa: BLE001 - keep the original error; the claim's file is removed next
                    log.debug("closing %s after a failed import", self.partial, exc_info=True)
                self.file = None
            if self.claim is not None:
                self.claim.discard()
            return
        if self.file is not None and self.tmp:
            try:
                if self.file.id.valid and self.tmp in self.file:
                    del self.file[self.tmp]
                    self.file.flush()
            except Exception:  # noqa: BLE001 - keep the original error; the group's name says what it is
                log.warning("could not remove the partial import %s from %s", self.tmp, self.path, exc_info=True)


def _verify(partial: str, group: str, expected: dict[str, int]) -> None:
    """Refuse to publish a new file that does not hold what was written (someone else wrote it)."""
    try:
        with h5py.File(partial, "r", locking=False) as f:
            _verify_open(f, group, expected, partial)
    except OSError as exc:
        raise FileAccessError(f"the import into {partial} was damaged by another program "
                              f"({messages.hdf5_reason(str(exc))}); nothing was published") from exc


VERIFY_SAMPLE = 64  # datasets of unchecked length (one per image) verified at most, evenly spaced


def _verify_open(f: h5py.File, base: str, expected: dict[str, int], where: str) -> None:
    """Every dataset of a known length, and a sample of the others (one per image: opening 10,000 of
    them took 2.4 s, a third of the import), holds what was written."""
    sized = [(p, n) for p, n in expected.items() if n >= 0]
    others = [(p, n) for p, n in expected.items() if n < 0]
    if len(others) > VERIFY_SAMPLE:
        step = len(others) / VERIFY_SAMPLE
        others = [others[int(i * step)] for i in range(VERIFY_SAMPLE - 1)] + [others[-1]]
    for path, n in sized + others:
        full = join_h5(base, path)
        try:
            ds = f[full]
            ok = isinstance(ds, h5py.Dataset) and (n < 0 or not ds.shape or ds.shape[0] == n)
            if ok and ds.shape and ds.shape[0]:
                ds[ds.shape[0] - 1]  # the last element is readable
        except (KeyError, OSError, RuntimeError, ValueError):
            ok = False
        if not ok:
            raise FileAccessError(f"the import into {where} was damaged by another program ({full} is not as "
                                  "written); nothing was published")


def require_groups(f: h5py.File, path: str) -> h5py.Group:
    """The group at ``path`` in ``f``, created (with its parents) where missing."""
    g: h5py.Group = f
    for part in path.strip("/").split("/"):
        if not part:
            continue
        g = g[part] if part in g else g.create_group(part, track_order=True)
    return g
