"""Image folder import: a folder tree of images into one HDF5 file, structure preserved.

Three steps, each usable alone (the GUI wizard, ``h5gui-cli import-images`` and the tests drive the
same functions)::

    result = progress.run(scan(folder))                 # what is there (a Job: yields Progress)
    plan = plan_import(ImportSpec(folder, "out.h5"), result)   # what would be written (a dry run)
    report = progress.run(run_import(spec, result))     # do it (a Job)

**Scan.** Walks the folder (natural order: ``img2`` before ``img10``) and sniffs every file by its
content, not its extension: PNG, JPEG, TIFF, BMP, GIF, WebP and every other format Pillow reads. Only
headers are read (size, mode, frames, EXIF orientation). Files that are not images, hidden files and
folders, symbolic-link loops, special files and unreadable files are listed in ``skipped`` with the
reason, never dropped silently.

**Layouts** (``ImportSpec.layout``; ``auto`` takes the scan's recommendation):

* ``stack``: every folder with images becomes a group (the tree of groups mirrors the tree of
  folders) holding ``images`` (N, H, W[, C]), chunked by whole images (about 1 MiB a chunk: one
  image for large ones, ~85 for 64x64 RGB), and ``filenames`` (the names, in the same order).
  Needs one size and mode per folder (or a ``resize`` and a ``mode``).
* ``per-image``: one dataset per image, named after its file, in the folder's group.
* ``encoded``: the files' bytes, untouched (they decode back bit-exactly): per folder one
  variable-length uint8 dataset ``images`` plus ``filenames``, or one 1-D uint8 dataset per file
  (``encoded_per_file``). Only headers are checked (format, size, pixel limit), pixels are not decoded.
* ``classes``: the first-level sub-folders are classes: ``images``, ``labels`` (int32, index into
  ``class_names``), ``filenames`` (``class/name``) and a ``class_names`` attribute; with ``splits``,
  first-level folders named train/val/test (and the like) become groups, each holding its classes.
  Labels can come from a CSV or JSON file instead (``labels_file``: file -> label). ``encoded`` keeps
  the files' bytes (a vlen uint8 ``images``) with the labels: nothing decoded, no resize needed.

**For training.** ``split`` (fractions adding up to 1, e.g. ``(0.8, 0.1, 0.1)``) splits the images at
random, stratified by class, into groups ``split_names`` (train, val, test); ``shuffle`` orders each
group at random; both drawn with ``seed`` (the same seed, the same files). Stacked outputs have one
image per chunk by default (``chunk_images``: a shuffled ``dset[i]`` reads one chunk, ~20 us, instead
of a chunk of ~85 images). ``resize_mode`` keeps the aspect ratio: ``fit`` (inside, padded with
``pad``), ``crop`` (cover, centre cropped), ``shorter`` (the shorter side becomes ``min(resize)``);
``stretch`` (the default) does not. JPEGs are decoded at a reduced scale when the resize allows it
(libjpeg's DCT scaling, as Pillow's ``draft``).

**Dry run.** :func:`plan_import` always returns a plan; what keeps it from running (images of several
sizes or modes to stack) is listed in ``problems`` with a ``suggested_resize``, and
:func:`run_import` refuses such a plan with the first problem.

**Pixels.** ``mode='keep'``: ``1`` -> uint8 0/255, ``L`` -> uint8, ``LA`` -> 2 channels uint8 (no HDF5 image class), ``PA`` and ``P`` with
transparency -> RGBA uint8, ``P``/``CMYK``/``YCbCr``/``LAB``/``HSV`` -> RGB uint8, ``I;16*`` -> uint16,
``I`` -> int32, ``F`` -> float32 (the preview's conventions). ``L``/``RGB``/``RGBA`` convert with
Pillow, except that 16-bit images are scaled to 8 bits (value / 257) rather than clipped. The EXIF
orientation is applied (``exif_transpose``). ``resize`` gives every image that size (``resize_mode``). Multi-frame files (TIFF pages, animated GIF/WebP): the first frame, or with
``all_frames`` every frame as an image of its own, named ``name[i]``. Arrays are written channels-last
with the HDF5 image attributes (``CLASS``, ``IMAGE_VERSION``, ``IMAGE_SUBCLASS``, ``INTERLACE_MODE``)
and ``@interpretation`` (``image``, ``rgba-image``); each stack's group is a NeXus ``NXdata`` group and
the file's ``default`` leads to the first one (silx and H5Web open the file on its pictures).

**Bad images** (zero bytes, truncated, corrupt, unsupported mode, more pixels than Pillow's
``Image.MAX_IMAGE_PIXELS`` - its warning is an error here -, unreadable) are skipped with the reason
and the import goes on.

**Provenance.** The import's group carries the attributes ``import_source``, ``import_date``,
``import_h5gui_version``, ``import_layout``, ``import_options`` (the spec as JSON),
``import_imported``, ``import_skipped``, and a ``skipped`` dataset (compound ``path``, ``reason``) that
lists every skipped file.

**Safe writes.** A new file is written as ``NAME.partial`` and renamed when complete. Into an existing
file, the group is written under a temporary name (``/.h5gui-import-...``) and moved into place at the
end. Cancel (the generator is closed) or an error removes the partial result: the file keeps its
content (HDF5 does not give freed space back, so its size may grow). The file is flushed after
batches (at most 4 times a second) so that a process killed mid-import leaves an existing target
readable with its earlier content. When nothing at all could be imported, nothing is written.

**Speed.** Pixels (and the headers of large folders) are decoded in a pool of worker processes (``forkserver`` where
available, else ``spawn``: the GUI process has threads, fork is unsafe), each task a batch of whole
chunks of one folder, written by the worker into a slot of a shared-memory ring (no pickling of
pixels) or, for mixed sizes, returned as a list of arrays. At most ``2 x workers + 1`` batches are in
flight (memory stays bounded whatever the number of files) and this generator is the only writer.
The files of a batch are announced to the OS as it is submitted (``posix_fadvise(WILLNEED)``), so
that a cold disk reads many at once. Small imports (estimated under ~0.5 s of decoding) decode in
this process, and so does the encoded layout (reading bytes keeps up with the disk). Workers end by
themselves when this process dies. Files the scan of this import has just read whole (small ones) are
not announced again. One dataset per picture is copied from an empty template of its form that carries
the image attributes (about half the cost of creating it and its five attributes).

Modules: :mod:`~.records` (spec, scan, plan, report; no h5py, no Pillow), :mod:`~.sniff` (headers),
:mod:`~.decode` (pixels and bytes, in the worker processes), :mod:`~.pool` (the worker processes and
their shared memory), :mod:`~.scanning` (:func:`scan`), :mod:`~.plan` (:func:`plan_import`),
:mod:`~.target` (the new file or temporary group written into), :mod:`~.write` (datasets and
provenance), :mod:`~.run` (:func:`run_import`). The names below are loaded from them on first use,
so that importing :mod:`~.records` alone imports neither h5py nor Pillow. Constants such as
``SCAN_INLINE_MAX_FILES`` are read where they are defined: to change one, set it there
(``importer.scanning.SCAN_INLINE_MAX_FILES``); setting the package's attribute changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

_EXPORTS = {
    "KEPT_MODES": "records", "LAYOUTS": "records", "MODES": "records", "RESAMPLE": "records",
    "RESIZE_MODES": "records", "DEFAULT_SPLIT_NAMES": "records", "split_unit": "plan", "resized_size": "plan",
    "read_label_file": "labelfile", "LabelFile": "labelfile",
    "SPLIT_NAMES": "records", "FolderScan": "records", "ImageEntry": "records", "ImportPlan": "records",
    "ImportReport": "records", "ImportSpec": "records", "ScanResult": "records",
    "BATCH_BYTES": "plan", "BATCH_MAX_FILES": "plan", "CHUNK_MAX_IMAGES": "plan", "CHUNK_TARGET_BYTES": "plan",
    "plan_import": "plan", "stack_chunks": "plan",
    "SCAN_BATCH_FILES": "scanning", "SCAN_INLINE_MAX_FILES": "scanning", "WARM_UP_MIN_FILES": "scanning",
    "describe_scan": "scanning", "scan": "scanning",
    "SNIFF_PREFETCH_BYTES": "sniff",
    "DECODE_SECONDS_PER_FILE": "pool", "DECODE_SECONDS_PER_PIXEL": "pool", "INLINE_MAX_SECONDS": "pool",
    "POLL_SECONDS": "pool", "cpu_count": "pool",
    "FLUSH_INTERVAL": "target", "TEMP_PREFIX": "target",
    "run_import": "run",
}


__getattr__, __dir__ = lazy.exports(__name__, lazy.by_module(_EXPORTS))


if TYPE_CHECKING:
    from h5gui.core.importer.labelfile import LabelFile, read_label_file
    from h5gui.core.importer.plan import (
        BATCH_BYTES,
        BATCH_MAX_FILES,
        CHUNK_MAX_IMAGES,
        CHUNK_TARGET_BYTES,
        plan_import,
        resized_size,
        split_unit,
        stack_chunks,
    )
    from h5gui.core.importer.pool import (
        DECODE_SECONDS_PER_FILE,
        DECODE_SECONDS_PER_PIXEL,
        INLINE_MAX_SECONDS,
        POLL_SECONDS,
        cpu_count,
    )
    from h5gui.core.importer.records import (
        DEFAULT_SPLIT_NAMES,
        KEPT_MODES,
        LAYOUTS,
        MODES,
        RESAMPLE,
        RESIZE_MODES,
        SPLIT_NAMES,
        FolderScan,
        ImageEntry,
        ImportPlan,
        ImportReport,
        ImportSpec,
        ScanResult,
    )
    from h5gui.core.importer.run import run_import
    from h5gui.core.importer.scanning import (
        SCAN_BATCH_FILES,
        SCAN_INLINE_MAX_FILES,
        WARM_UP_MIN_FILES,
        describe_scan,
        scan,
    )
    from h5gui.core.importer.sniff import SNIFF_PREFETCH_BYTES
    from h5gui.core.importer.target import FLUSH_INTERVAL, TEMP_PREFIX

__all__ = [
    "DEFAULT_SPLIT_NAMES", "LabelFile", "RESIZE_MODES", "read_label_file", "resized_size", "split_unit",
    "BATCH_BYTES", "BATCH_MAX_FILES", "CHUNK_MAX_IMAGES", "CHUNK_TARGET_BYTES", "DECODE_SECONDS_PER_FILE",
    "DECODE_SECONDS_PER_PIXEL", "FLUSH_INTERVAL", "INLINE_MAX_SECONDS", "KEPT_MODES", "LAYOUTS", "MODES",
    "POLL_SECONDS", "RESAMPLE", "SCAN_BATCH_FILES", "SCAN_INLINE_MAX_FILES", "SNIFF_PREFETCH_BYTES", "SPLIT_NAMES",
    "TEMP_PREFIX", "WARM_UP_MIN_FILES", "FolderScan", "ImageEntry", "ImportPlan", "ImportReport", "ImportSpec",
    "ScanResult", "cpu_count", "describe_scan", "plan_import", "run_import", "scan", "stack_chunks",
]
