"""Scanning a folder: walk it (natural order, links and special files named, not followed blindly),
read every file's header, and summarize what is there (forms per folder, classes, splits, the
layout to recommend)."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from h5gui.core.errors import BadRequestError
from h5gui.core.importer.pool import POLL_SECONDS, WAIT, Workers, auto_workers, ordered, resize_pool, warm_fork_server
from h5gui.core.importer.records import SPLIT_NAMES, FolderScan, ImageEntry, ScanResult, decoded_bytes
from h5gui.core.importer.sniff import join_path, one_line, prefetch_headers, sniff_batch
from h5gui.core.paths import natural_key
from h5gui.core.progress import Job, Progress
from h5gui.core.text import format_bytes

SCAN_BATCH_FILES = 256
SCAN_INLINE_MAX_FILES = 20_000
WARM_UP_MIN_FILES = 3000  # run_import starts the processes during the scan from this many files


def _check_source(source: str | os.PathLike[str]) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(source)))
    if not os.path.exists(path):
        raise BadRequestError(f"No such folder: {path}")
    if not os.path.isdir(path):
        raise BadRequestError(f"{path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise BadRequestError(f"Permission denied: cannot read the folder {path}")
    return path


def _walk(root: str, include_hidden: bool, skipped: list[tuple[str, str]],
          linked_out: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, list[str]]]:
    """``(folder relpath, [file relpath, ...])`` depth first, natural order; problems go to ``skipped``,
    folders reached through a symbolic link that leads out of ``root`` to ``linked_out`` (relpath, target)."""
    st = os.stat(root)
    real_root = os.path.realpath(root)
    visited: dict[tuple[int, int], str] = {(st.st_dev, st.st_ino): "."}
    # (relpath, ancestors' keys)
    stack: list[tuple[str, frozenset[tuple[int, int]]]] = [("", frozenset({(st.st_dev, st.st_ino)}))]
    while stack:
        rel, ancestors = stack.pop()
        try:
            with os.scandir(join_path(root, rel) if rel else root) as it:
                entries = sorted(it, key=lambda e: natural_key(e.name))
        except PermissionError:
            skipped.append((rel + "/", "folder not readable (permission denied)"))
            continue
        except OSError as exc:
            skipped.append((rel + "/", f"folder not readable ({exc.strerror or one_line(exc)})"))
            continue
        here: list[str] = []
        subdirs: list[tuple[str, frozenset[tuple[int, int]]]] = []
        for e in entries:
            name = e.name
            relname = f"{rel}/{name}" if rel else name
            try:
                is_dir = e.is_dir()
                if not include_hidden and name.startswith("."):
                    skipped.append((relname + "/", "hidden folder") if is_dir else (relname, "hidden file"))
                    continue
                if is_dir:
                    s = e.stat()
                    key = (s.st_dev, s.st_ino)
                    if key in ancestors:
                        skipped.append((relname + "/", "symbolic link loop (points to an enclosing folder)"))
                    elif key in visited:
                        skipped.append((relname + "/", f"same folder as {visited[key]}/ (already scanned)"))
                    else:
                        visited[key] = relname
                        subdirs.append((relname, ancestors | {key}))
                        if linked_out is not None and e.is_symlink():
                            target = os.path.realpath(e.path)
                            if os.path.commonpath([real_root, target]) != real_root:
                                linked_out.append((relname, target))
                elif e.is_file():
                    here.append(relname)
                elif e.is_symlink():
                    skipped.append((relname, "broken symbolic link"))
                else:
                    skipped.append((relname, "not a regular file"))
            except OSError as exc:
                if exc.errno == 40:  # ELOOP: a symbolic link that points at itself
                    skipped.append((relname, "symbolic link loop"))
                else:
                    skipped.append((relname, f"cannot read: {exc.strerror or one_line(exc)}"))
        yield rel, here
        stack.extend(reversed(subdirs))


def scan(source: str | os.PathLike[str], *, include_hidden: bool = False, workers: int = 0) -> Job[ScanResult]:
    """Job: walk ``source`` and read every file's header; returns a :class:`ScanResult`.

    Yields ``Progress(done, total, 'files')`` (``total`` is None while the folders are listed).

    Raises
    ------
    BadRequestError
        ``source`` is not a readable folder.
    """
    pool = Workers(0)
    done = False
    try:
        result = yield from scan_with_pool(source, include_hidden, workers, lambda n: resize_pool(pool, n))
        done = True
    finally:
        pool.shutdown(wait=done)
    return result


def scan_with_pool(source: str | os.PathLike[str], include_hidden: bool, workers: int,
                   get_pool: Callable[[int], Workers], warm: Callable[[int], None] | None = None) -> Job[ScanResult]:
    """The scan of :func:`scan`, with the decoder processes from ``get_pool(n)``; ``warm(n_files)``
    (if given) starts the processes of the import that follows while this one reads the headers."""
    root = _check_source(source)
    skipped: list[tuple[str, str]] = []
    linked_out: list[tuple[str, str]] = []
    folders: list[tuple[str, list[str]]] = []
    n_files = 0
    last = time.monotonic()
    yield Progress(0, None, "files", "Listing folders")
    for rel, names in _walk(root, include_hidden, skipped, linked_out):
        if names:
            folders.append((rel, names))
            n_files += len(names)
        now = time.monotonic()
        if now - last > POLL_SECONDS:
            last = now
            yield Progress(n_files, None, "files", "Listing folders")
    # headers read at ~35,000 files/s in one process: processes pay off for large folders only
    if n_files < (SCAN_INLINE_MAX_FILES if workers == 0 else 2 * SCAN_BATCH_FILES):
        pool = Workers(0)
        if warm is not None:
            warm(n_files)  # start the decoders while this process reads the headers
        elif n_files >= WARM_UP_MIN_FILES:
            warm_fork_server()  # an import will most likely follow this scan
    else:
        pool = get_pool(auto_workers(workers, n_files, 1 << 62))
    tasks = []
    for rel, names in folders:
        for i in range(0, len(names), SCAN_BATCH_FILES):
            tasks.append((rel, (root, names[i : i + SCAN_BATCH_FILES])))
    entries: dict[str, list[ImageEntry]] = {rel: [] for rel, _ in folders}
    done = nbytes = 0
    yield Progress(0, n_files, "files", "Reading headers")
    for res in ordered(pool, sniff_batch, tasks, 2 * max(1, pool.n) + 1, prefetch_headers):
        if res is WAIT:
            yield Progress(done, n_files, "files", "Reading headers", nbytes=nbytes)
            continue
        rel, rows = res
        for row in rows:
            if row[1] is None:
                skipped.append((row[0], row[2]))
                continue
            entry = ImageEntry(*row)
            entries[rel].append(entry)
            nbytes += entry.nbytes
        done += len(rows)
        yield Progress(done, n_files, "files", "Reading headers", nbytes=nbytes)
    result = _summarize(root, entries, skipped, linked_out)
    return result


def _folder_scan(rel: str, files_: list[ImageEntry]) -> FolderScan:
    formats = Counter(e.format for e in files_)
    sizes = Counter((*e.size(), e.mode) for e in files_)
    forms = {(*e.size(), e.kept) for e in files_}
    return FolderScan(
        relpath=rel or ".", n_images=len(files_), formats=dict(formats), sizes=dict(sizes),
        nbytes=sum(e.nbytes for e in files_), uniform=len(forms) == 1, files=tuple(files_),
    )


def split_names(folders: Sequence[FolderScan]) -> tuple[str, ...]:
    """The first-level folders holding images when every one is named like a split (train, val, ...)."""
    first = {f.relpath.split("/")[0] for f in folders if f.relpath != "."}
    splits = tuple(sorted((n for n in first if n.casefold() in SPLIT_NAMES), key=natural_key))
    return splits if splits and len(splits) == len(first) else ()


def _detect_classes(folders: Sequence[FolderScan]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(class names, split names) when the first-level folders look like classes, else ((), ())."""
    if any(f.relpath == "." for f in folders):
        return (), ()  # images at the top: not a class tree
    # class folders hold their images directly (a deeper tree is a tree, not classes)
    first = {f.relpath.split("/")[0] for f in folders}
    splits = split_names(folders)
    if splits:
        classes: set[str] = set()
        for f in folders:
            parts = f.relpath.split("/")
            if len(parts) != 2:
                return (), ()  # images directly in a split folder, or deeper: not classes
            classes.add(parts[1])
        names = tuple(sorted(classes, key=natural_key))
        return (names, splits) if len(names) >= 2 else ((), ())
    if any("/" in f.relpath for f in folders):
        return (), ()
    names = tuple(sorted(first, key=natural_key))
    return (names, ()) if len(names) >= 2 else ((), ())


def _summarize(root: str, entries: dict[str, list[ImageEntry]], skipped: list[tuple[str, str]],
               linked_out: Sequence[tuple[str, str]] = ()) -> ScanResult:
    folders = tuple(_folder_scan(rel, lst) for rel, lst in entries.items() if lst)
    n_images = sum(f.n_images for f in folders)
    nbytes = sum(f.nbytes for f in folders)
    classes, splits = _detect_classes(folders)
    extra_frames = sum(e.frames - 1 for f in folders for e in f.files)
    layout, why = _recommend(folders, classes, splits)
    return ScanResult(
        source=root, folders=folders, n_images=n_images, nbytes=nbytes, skipped=tuple(skipped),
        recommended_layout=layout, recommendation=why, classes=classes, splits=splits, n_frames=extra_frames,
        linked_out=tuple(linked_out),
    )


def _recommend(folders: Sequence[FolderScan], classes: tuple[str, ...], splits: tuple[str, ...]) -> tuple[str, str]:
    if not folders:
        return "stack", "No images found."
    forms = {(*e.size(), e.kept) for f in folders for e in f.files}
    if classes and len(forms) == 1:
        where = f" in {len(splits)} splits ({', '.join(splits)})" if splits else ""
        shown = ", ".join(classes[:4]) + (", ..." if len(classes) > 4 else "")
        return "classes", (
            f"The first-level folders look like {len(classes)} classes ({shown}){where} of images of one size: "
            "images, labels and class names per split."
        )
    mixed = [f for f in folders if not f.uniform]
    if not mixed:
        if len(folders) == 1:
            return "stack", "All images share one size and mode: one stacked array."
        return "stack", f"The images of each of the {len(folders)} folders share one size and mode: one stacked array per folder."
    f = mixed[0]
    decoded = sum(decoded_bytes(e) for g in folders for e in g.files)
    encoded = sum(g.nbytes for g in folders) or 1
    where = "." if f.relpath == "." else f"{f.relpath}/"
    n_sizes = len({e.size() for e in f.files})
    what = f"{n_sizes} sizes" if n_sizes > 1 else f"{len({e.kept for e in f.files})} modes"
    if decoded > 5 * encoded:
        return "encoded", (
            f"Folder {where} mixes {what} and the decoded pixels would take {decoded / encoded:.0f}x the files' "
            "size: keep the files' bytes (or choose a resize and a mode to stack them)."
        )
    return "per-image", (
        f"Folder {where} mixes {what}: one dataset per image (or choose a resize and a mode to stack them)."
    )


def describe_scan(result: ScanResult) -> str:
    """``'1,234 images in 12 folders (56.7 MiB), 3 files skipped'``."""
    text = f"{result.n_images:,} images in {len(result.folders):,} folder(s) ({format_bytes(result.nbytes)})"
    if result.skipped:
        text += f", {len(result.skipped):,} file(s) skipped"
    return text
