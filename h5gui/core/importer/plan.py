"""Planning an import: the layout, the groups that receive images (:class:`Unit`), the datasets and
their sizes, the warnings, and every reason the import cannot be done, before anything is written."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from h5gui.core import imaging
from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files, filters, staging
from h5gui.core.importer.decode import form_text
from h5gui.core.importer.labelfile import read_label_file
from h5gui.core.importer.pool import auto_workers
from h5gui.core.importer.records import (
    CHANNELS,
    DTYPES,
    LAYOUTS,
    MODES,
    RESAMPLE,
    RESIZE_MODES,
    ImageEntry,
    ImportPlan,
    ImportSpec,
    ScanResult,
)
from h5gui.core.importer.scanning import split_names
from h5gui.core.paths import natural_key, normalize_path

CHUNK_TARGET_BYTES = 1 << 20  # ~1 MiB chunks along the image axis
CHUNK_MAX_IMAGES = 1024
BATCH_BYTES = 16 << 20  # decoded bytes of one decoding task
BATCH_MAX_FILES = 1024


@dataclass
class Unit:
    """One group that receives images: its items and (stacked layouts) the form they share."""

    group: str  # relative to the import's group ('' = the group itself)
    source: str  # source folder ('.' for the top)
    items: list[tuple[str, int, ImageEntry, str, int]]  # (rel, frame, entry, name, label)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    class_names: tuple[str, ...] = ()
    mixed: bool = False  # a stacked layout's images of several forms: nothing can be written for it as asked


def resized_size(size: tuple[int, int], spec: ImportSpec) -> tuple[int, int]:
    """(width, height) of a picture of ``size`` after the spec's resize."""
    if spec.resize is None:
        return size
    if spec.resize_mode != "shorter":
        return spec.resize
    w, h = size
    side = min(spec.resize)
    s = side / max(1, min(w, h))
    return (side, max(1, round(h * s))) if w <= h else (max(1, round(w * s)), side)


def _form(e: ImageEntry, spec: ImportSpec) -> tuple[tuple[int, ...], str]:
    kept = e.kept if spec.mode == "keep" else spec.mode
    w, h = resized_size(e.size(spec.exif_transpose), spec)
    ch = CHANNELS[kept]
    return ((h, w, ch) if ch else (h, w)), DTYPES[kept]


def _frames(e: ImageEntry, spec: ImportSpec, layout: str) -> Iterator[tuple[int, str]]:
    if spec.all_frames and e.frames > 1 and layout != "encoded":
        for i in range(e.frames):
            yield i, f"{e.name}[{i}]"
    else:
        yield 0, e.name


def _check_spec(spec: ImportSpec) -> str:
    if spec.layout not in LAYOUTS:
        raise BadRequestError(f"unknown layout {spec.layout!r}: choose one of {', '.join(LAYOUTS)}")
    if spec.mode not in MODES:
        raise BadRequestError(f"unknown mode {spec.mode!r}: choose one of {', '.join(MODES)}")
    if spec.resample not in RESAMPLE:
        raise BadRequestError(f"unknown resampling filter {spec.resample!r}: choose one of {', '.join(RESAMPLE)}")
    if spec.resize is not None:
        if (len(spec.resize) != 2 or not all(isinstance(v, int | np.integer) for v in spec.resize)
                or min(spec.resize) < 1 or max(spec.resize) > 65535):
            raise BadRequestError(f"resize must be two whole numbers (width, height) from 1 to 65535, not {spec.resize!r}")
    if spec.workers < 0:
        raise BadRequestError(f"workers must be 0 (automatic) or more, not {spec.workers}")
    if spec.resize_mode not in RESIZE_MODES:
        raise BadRequestError(f"unknown resize mode {spec.resize_mode!r}: choose one of {', '.join(RESIZE_MODES)}")
    if spec.chunk_images < 0:
        raise BadRequestError(f"images per chunk must be 0 (about 1 MiB) or more, not {spec.chunk_images}")
    if spec.split is not None:
        fr = tuple(float(v) for v in spec.split)
        if not 1 <= len(fr) <= len(spec.split_names) or any(not 0 <= v <= 1 for v in fr) or abs(sum(fr) - 1) > 1e-6:
            raise BadRequestError(f"split fractions {', '.join(f'{v:g}' for v in fr)}: give up to "
                                  f"{len(spec.split_names)} fractions from 0 to 1 that add up to 1 (like 0.8, 0.1, 0.1)")
        if len(set(spec.split_names[: len(fr)])) != len(fr) or not all(n.strip("/ ") for n in spec.split_names[: len(fr)]):
            raise BadRequestError(f"split names {', '.join(spec.split_names)}: one distinct name per fraction")
    compression_kwargs(spec, 1)  # validates
    return normalize_path(spec.group or "/")


def compression_kwargs(spec: ImportSpec, itemsize: int) -> dict[str, Any]:
    """``create_dataset`` keyword arguments of the spec's compression for items of ``itemsize`` bytes."""
    return filters.compression(spec.compression, spec.compression_opts, None, itemsize)[0]


def _resolve_layout(spec: ImportSpec, scan_: ScanResult) -> str:
    if spec.layout != "auto":
        return spec.layout
    if spec.labels_file or spec.split is not None or spec.encoded:
        return "classes"  # labels asked for
    rec = scan_.recommended_layout
    if rec in ("stack", "classes") or spec.resize is None and spec.mode == "keep":
        return rec
    # a resize or a mode conversion can make a mixed tree stackable
    if scan_.classes and _stackable(spec, [e for f in scan_.folders for e in f.files]):
        return "classes"
    if all(_stackable(spec, f.files) for f in scan_.folders):
        return "stack"
    return rec


def _stackable(spec: ImportSpec, entries: Iterable[ImageEntry]) -> bool:
    return len({_form(e, spec) for e in entries}) <= 1


def _describe_forms(forms: Counter[tuple[tuple[int, ...], str]]) -> str:
    parts = [f"{form_text(s, d)}: {n:,}" for (s, d), n in forms.most_common(3)]
    more = f", and {len(forms) - 3} more" if len(forms) > 3 else ""
    return ", ".join(parts) + more


def units_of(spec: ImportSpec, scan_: ScanResult,
             layout: str) -> tuple[list[Unit], list[tuple[str, str]], list[str]]:
    """The groups to write, the files the layout itself skips, and what is missing before the import
    can run (folders whose images cannot be stacked as asked: one sentence each)."""
    units: list[Unit] = []
    extra: list[tuple[str, str]] = []
    problems: list[str] = []
    if layout == "classes":
        units = _class_units(spec, scan_, extra)
    else:
        for f in scan_.folders:
            rel = "" if f.relpath == "." else f.relpath
            items = [(e.path, frame, e, name, -1) for e in f.files for frame, name in _frames(e, spec, layout)]
            units.append(Unit(rel, f.relpath, items))
    if spec.shuffle:
        for i, u in enumerate(units):
            order = np.random.default_rng([spec.seed, i]).permutation(len(u.items))
            u.items = [u.items[j] for j in order]
    if layout == "stack" or (layout == "classes" and not spec.encoded):
        mixed: dict[str, list[tuple[str, Counter[tuple[tuple[int, ...], str]]]]] = {}
        for u in units:
            forms = Counter(_form(e, spec) for _, _, e, _, _ in u.items)
            if len(forms) > 1:
                where = "the class folders" if layout == "classes" else (
                    "the top folder" if u.source == "." else f"folder {u.source}/")
                if layout == "classes" and u.group:
                    where = f"split {u.group}/"
                what = "sizes" if len({s[:2] for s, _ in forms}) > 1 else "modes"
                mixed.setdefault(what, []).append((where, forms))
                u.mixed = True
            u.shape, u.dtype = forms.most_common(1)[0][0] if forms else (None, None)
        problems += [_mixed_problem(what, found) for what, found in mixed.items()]
    return units, extra, problems


def _mixed_problem(what: str, found: list[tuple[str, Counter[tuple[tuple[int, ...], str]]]]) -> str:
    """One sentence for every group whose images differ in ``what`` (sizes, modes): what is missing."""
    fix = "choose a resize (and a resize mode that keeps the aspect ratio: fit, crop)" \
        if what == "sizes" else "choose a mode (L, RGB or RGBA)"
    forms: Counter[tuple[tuple[int, ...], str]] = Counter()
    for _, f in found:
        forms.update(f)
    wheres = [w for w, _ in found]
    if len(wheres) > 3:
        named = f"{', '.join(wheres[:3])} and {len(wheres) - 3} more"
    else:
        named = " and ".join(filter(None, (", ".join(wheres[:-1]), wheres[-1])))
    whose = "its" if len(wheres) == 1 else "their"
    return f"cannot stack {named}: {whose} images have {len(forms)} forms ({_describe_forms(forms)}); {fix}, or another layout"


def _class_units(spec: ImportSpec, scan_: ScanResult, extra: list[tuple[str, str]]) -> list[Unit]:
    """The classes layout's groups: one per split of the tree, or one split at random (``spec.split``)."""
    labelled = read_label_file(spec.labels_file) if spec.labels_file else None
    tree_splits = split_names(scan_.folders) if spec.splits else ()
    classes = labelled.class_names if labelled is not None else _class_names(scan_, tree_splits)
    missing = f"no label in {os.path.basename(spec.labels_file or '')}"
    by_unit: dict[str, Unit] = {}
    for f in scan_.folders:
        parts = [] if f.relpath == "." else f.relpath.split("/")
        split = parts[0] if tree_splits and parts and parts[0] in tree_splits else ""
        inner = parts[1:] if split else parts
        if labelled is None and not inner:
            extra.extend((e.path, "not inside a class folder") for e in f.files)
            continue
        key = "" if spec.split is not None else split
        unit = by_unit.get(key)
        if unit is None:
            unit = by_unit[key] = Unit(key, key or ".", [], class_names=classes)
        prefix = "/".join(parts if labelled is not None else inner)
        for e in f.files:
            label = labelled.label_of(e.path) if labelled is not None else classes.index(inner[0])
            if label is None:
                extra.append((e.path, missing))
                continue
            for frame, name in _frames(e, spec, "encoded" if spec.encoded else "classes"):
                unit.items.append((e.path, frame, e, f"{prefix}/{name}" if prefix else name, label))
    units = [by_unit[k] for k in sorted(by_unit, key=natural_key)]
    if spec.split is not None and units:
        units = split_unit(units[0], tuple(float(v) for v in spec.split), spec.split_names, spec.seed)
    return units


def split_unit(unit: Unit, fractions: Sequence[float], names: Sequence[str], seed: int) -> list[Unit]:
    """``unit``'s items split at random by ``fractions`` into groups ``names``, stratified by label: each
    class is split by the fractions (largest remainders), so every split holds the classes in the same
    proportions. Items keep their order within a split; empty splits are left out."""
    rng = np.random.default_rng(seed)
    by_label: dict[int, list[int]] = {}
    for i, item in enumerate(unit.items):
        by_label.setdefault(item[4], []).append(i)
    groups: list[list[int]] = [[] for _ in fractions]
    for label in sorted(by_label):
        idx = by_label[label]
        perm = rng.permutation(len(idx))
        exact = [f * len(idx) for f in fractions]
        counts = [math.floor(x) for x in exact]
        for k in sorted(range(len(exact)), key=lambda k: (counts[k] - exact[k], k))[: len(idx) - sum(counts)]:
            counts[k] += 1
        start = 0
        for k, c in enumerate(counts):
            groups[k].extend(idx[j] for j in perm[start:start + c])
            start += c
    return [Unit(names[k], ".", [unit.items[i] for i in sorted(g)], class_names=unit.class_names)
            for k, g in enumerate(groups) if g]


def _class_names(scan_: ScanResult, splits: tuple[str, ...]) -> tuple[str, ...]:
    names: set[str] = set()
    for f in scan_.folders:
        parts = [] if f.relpath == "." else f.relpath.split("/")
        if splits and parts and parts[0] in splits:
            parts = parts[1:]
        if parts:
            names.add(parts[0])
    return tuple(sorted(names, key=natural_key))


def stack_chunks(n: int, shape: tuple[int, ...], itemsize: int, chunk_images: int = 0) -> tuple[int, int]:
    """(images per chunk, images per decoding task): ``chunk_images`` a chunk (0: chunks of ~1 MiB),
    tasks of whole chunks."""
    image = max(1, math.prod(shape) * itemsize)
    per_chunk = max(1, min(chunk_images or CHUNK_MAX_IMAGES, CHUNK_TARGET_BYTES // image if not chunk_images
                           else chunk_images, n))
    chunks_per_task = max(1, min(BATCH_BYTES // (per_chunk * image), BATCH_MAX_FILES // per_chunk))
    return per_chunk, max(1, min(n, per_chunk * chunks_per_task))


LEFTOVER_SCAN_MEMBERS = 100_000  # a larger root is not listed only to look for leftovers


def _target_state(target: str, group: str, leftovers: list[str] | None = None) -> bool:
    """Whether ``target`` exists (then ``group`` must be creatable in it); raises when it is unusable.
    Leftovers of interrupted imports at its root are added to ``leftovers``."""
    path = os.path.abspath(os.path.expanduser(target))
    if os.path.isdir(path):
        raise BadRequestError(f"the target {path} is a folder: name an HDF5 file")
    if not os.path.exists(path):
        if os.path.islink(path):
            raise BadRequestError(f"the target {path} is a broken symbolic link")
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise BadRequestError(f"cannot create {path}: no such folder {parent}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise BadRequestError(f"cannot create {path}: permission denied in {parent}")
        return False
    if group == "/":
        raise BadRequestError(f"{path} exists: name a new group to import into (its root is taken)")
    with files.open_file(path) as f:
        if leftovers is not None and len(f) <= LEFTOVER_SCAN_MEMBERS:
            leftovers.extend("/" + n for n in f if staging.is_temp(n))
        node: Any = f
        parts = group.strip("/").split("/")
        for i, part in enumerate(parts):
            sub = "/" + "/".join(parts[: i + 1])
            link = node.get(part, getlink=True)
            if link is None:
                return True
            if i == len(parts) - 1:
                raise BadRequestError(f"{sub} already exists in {path}: choose another group name")
            if not isinstance(link, h5py.HardLink) or not isinstance(node.get(part), h5py.Group):
                raise BadRequestError(f"cannot create {group} in {path}: {sub} is not a group")
            node = node[part]
    return True


def join_h5(*parts: str) -> str:
    """``'/' + parts`` joined with single slashes (empty parts and ``'/'`` left out)."""
    return "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))


def plan_import(spec: ImportSpec, scan: ScanResult) -> ImportPlan:  # noqa: C901 - one checklist
    """The dry run: what :func:`run_import` would write, or why it cannot.

    Opens an existing target read-only (to check that the group does not exist yet); writes nothing.

    Raises
    ------
    BadRequestError
        One line: a bad option, no images, a folder whose images cannot be stacked as asked, the
        group exists already, the target's folder is not writable, a name that would be both a
        group and a dataset...
    FileAccessError
        The target exists but is not a readable HDF5 file.
    """
    group = _check_spec(spec)
    source = os.path.abspath(os.path.expanduser(spec.source))
    if os.path.normcase(source) != os.path.normcase(scan.source):
        raise BadRequestError(f"the scan is of {scan.source}, not of {source}: scan again")
    layout = _resolve_layout(spec, scan)
    if scan.n_images == 0:
        raise BadRequestError(f"no images in {scan.source} ({len(scan.skipped):,} file(s) skipped)")
    if layout == "classes" and not spec.labels_file and not (scan.classes or _class_names(scan, ())):
        raise BadRequestError("the classes layout needs sub-folders, one per class (or a labels file)")
    if spec.encoded and layout != "classes":
        raise BadRequestError("keeping the encoded bytes with labels is an option of the classes layout "
                              "(the encoded layout keeps them without labels)")
    if (spec.split is not None or spec.labels_file) and layout != "classes":
        raise BadRequestError(f"a split and a labels file go with the classes layout, not {layout}")
    units, extra, problems = units_of(spec, scan, layout)
    n_images = sum(len(u.items) for u in units)
    if n_images == 0:
        why = "without a label" if spec.labels_file else "outside class folders"
        raise BadRequestError(f"no images to import with the {layout} layout ({len(extra):,} {why})")
    found: list[str] = []
    new_file = not _target_state(spec.target, group, found)
    datasets: list[tuple[str, tuple[int, ...], str]] = []
    estimated = 0
    for u in units:
        n = len(u.items)
        base = join_h5(group, u.group)
        if layout == "classes" and spec.encoded:
            datasets.append((join_h5(base, "images"), (n,), "vlen uint8"))
            datasets.append((join_h5(base, "labels"), (n,), "int32"))
            datasets.append((join_h5(base, "filenames"), (n,), "str"))
            estimated += sum(e.nbytes for _, frame, e, _, _ in u.items if frame == 0)
        elif layout in ("stack", "classes"):
            assert u.shape is not None and u.dtype is not None
            estimated += n * math.prod(u.shape) * np.dtype(u.dtype).itemsize  # at the most common form
            if u.mixed:  # cannot be made as asked: the plan's problems say what is missing, no dataset listed
                continue
            datasets.append((join_h5(base, "images"), (n, *u.shape), u.dtype))
            if layout == "classes":
                datasets.append((join_h5(base, "labels"), (n,), "int32"))
            datasets.append((join_h5(base, "filenames"), (n,), "str"))
        elif layout == "encoded" and not spec.encoded_per_file:
            datasets.append((join_h5(base, "images"), (n,), "vlen uint8"))
            datasets.append((join_h5(base, "filenames"), (n,), "str"))
            estimated += sum(e.nbytes for _, frame, e, _, _ in u.items if frame == 0)
        elif layout == "encoded":
            for _, frame, e, name, _ in u.items:
                if frame == 0:
                    datasets.append((join_h5(base, name), (e.nbytes,), "uint8"))
                    estimated += e.nbytes
        else:
            for _, _, e, name, _ in u.items:
                shape, dtype = _form(e, spec)
                datasets.append((join_h5(base, name), shape, dtype))
                estimated += math.prod(shape) * np.dtype(dtype).itemsize
    skipped_n = len(scan.skipped) + len(extra)
    if skipped_n:
        datasets.append((join_h5(group, "skipped"), (skipped_n,), "compound"))
    _check_names(datasets, group)
    pixels = sum(e.width * e.height for f in scan.folders for e in f.files)
    # the encoded layout reads bytes (the I/O runs ahead, prefetched): this process keeps up with it
    n_workers = spec.workers if reads_bytes(layout, spec) else auto_workers(spec.workers, n_images, pixels)
    suggested = None
    if problems:
        sizes = Counter(e.size(spec.exif_transpose) for u in units for _, _, e, _, _ in u.items)
        suggested = sizes.most_common(1)[0][0]
    return ImportPlan(
        spec=spec, layout=layout, datasets=tuple(datasets), n_images=n_images, estimated_bytes=estimated,
        warnings=tuple(_warnings(spec, scan, layout, units, extra) + _leftover_warning(spec.target, found)), group=group, new_file=new_file,
        workers=n_workers, n_skipped=skipped_n, class_names=units[0].class_names if units else (),
        problems=tuple(problems), suggested_resize=suggested,
        groups=tuple((join_h5(group, u.group), len(u.items)) for u in units),
    )


def _leftover_warning(target: str, found: list[str]) -> list[str]:
    """What an import into an existing file says about leftovers of earlier interrupted writes there."""
    if not found:
        return []
    shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
    return [f"{target} holds {len(found)} leftover(s) of interrupted h5gui writes ({shown}): they are kept; "
            f"h5gui-cli clean {target} --remove deletes them"]


def reads_bytes(layout: str, spec: ImportSpec) -> bool:
    """Whether the import stores the files' bytes (nothing decoded): the encoded layout, or classes with ``encoded``."""
    return layout == "encoded" or (layout == "classes" and spec.encoded)


def _check_names(datasets: Sequence[tuple[str, tuple[int, ...], str]], group: str) -> None:
    kinds: dict[str, str] = {}
    for path, _, _ in datasets:
        if path in kinds:
            raise BadRequestError(f"cannot import: two objects would be named {path}")
        kinds[path] = "dataset"
    for path, _, _ in datasets:
        parent = path.rsplit("/", 1)[0] or "/"
        while len(parent) > len(group.rstrip("/")) and parent != "/":
            if kinds.get(parent) == "dataset":
                raise BadRequestError(
                    f"cannot import: {parent} would be both a dataset and a group (rename that folder or file)"
                )
            if kinds.get(parent) == "group":
                break
            kinds[parent] = "group"
            parent = parent.rsplit("/", 1)[0] or "/"


def _warnings(spec: ImportSpec, scan_: ScanResult, layout: str, units: list[Unit],
              extra: list[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    if scan_.skipped:
        reasons = Counter(r.split(" (")[0] for _, r in scan_.skipped)
        top = ", ".join(f"{r}: {n:,}" for r, n in reasons.most_common(3))
        out.append(f"{len(scan_.skipped):,} file(s) will be skipped ({top})")
    if scan_.linked_out:
        shown = ", ".join(f"{rel}/ -> {target}" for rel, target in scan_.linked_out[:3])
        more = ", ..." if len(scan_.linked_out) > 3 else ""
        out.append(f"{len(scan_.linked_out):,} folder(s) are symbolic links out of the source folder and are "
                   f"imported too ({shown}{more})")
    if extra:
        where = "without a label in the labels file" if spec.labels_file else "outside the class folders"
        out.append(f"{len(extra):,} image(s) {where} will be skipped")
    if spec.split is not None and spec.splits and split_names(scan_.folders):
        out.append("the folders' own split (" + ", ".join(split_names(scan_.folders)) + ") is replaced by a random "
                   "split of all the images")
    if spec.split is not None and len(units) < len(spec.split):
        out.append("some splits are empty (too few images for their fraction): left out")
    entries = [e for f in scan_.folders for e in f.files]
    multi = sum(1 for e in entries if e.frames > 1)
    if multi and layout != "encoded" and not spec.all_frames:
        out.append(f"{multi:,} multi-frame file(s): only their first frame is imported (all_frames imports every one)")
    if reads_bytes(layout, spec):
        if spec.mode != "keep" or spec.resize is not None:
            out.append("the encoded layout keeps the files' bytes: mode and resize are ignored")
        if spec.compression:
            out.append("the encoded layout is not compressed (the files are compressed already)")
        odd = Counter(e.format for e in entries if e.format not in imaging.FORMATS)
        if odd:
            out.append("the preview cannot show " + ", ".join(f"{k} ({n:,})" for k, n in odd.items()) + " bytes")
        return out
    modes = Counter(e.mode for e in entries)
    if spec.mode == "keep":
        notes = []
        for m, n in modes.items():
            kept = _kept_mode_of(m, entries)
            if m == "1":
                notes.append(f"1-bit ({n:,}) stored as 0/255 uint8")
            elif m not in ("L", "RGB", "RGBA", "I", "F") and not m.startswith("I;16") and kept != m:
                notes.append(f"{m} ({n:,}) stored as {kept}")
        if notes:
            out.append("converted: " + ", ".join(notes))
    elif any(m.startswith("I;16") for m in modes):
        out.append(f"16-bit images are scaled to 8 bits (value / 257) for mode {spec.mode}")
    if spec.compression:
        out.append(f"compression {spec.compression}: saves ~0-4 % on natural images at 1.2-1.7x the time")
    if layout == "per-image" and sum(len(u.items) for u in units) > 10_000:
        out.append("one dataset per image: writing and reading back many small datasets is slow; "
                   "stacking (with a resize) or encoded bytes are faster")
    return out


def _kept_mode_of(mode: str, entries: Sequence[ImageEntry]) -> str:
    kept = {e.kept for e in entries if e.mode == mode}
    return "/".join(sorted(kept))
