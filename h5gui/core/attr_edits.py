"""Attribute edits as undoable steps: each edit returns how to undo and redo it.

An :class:`AttrEdit` says which attributes to remove and which raw values to write on one object;
applying the ``undo`` of an :class:`EditResult` puts the object's attributes back as they were, its
``redo`` does the edit again. The GUI keeps these in its undo stack (across nodes and files); all of
them run on the I/O thread, through the same functions as the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence

from h5gui.core import attrs
from h5gui.core.attrs.records import AttrEdit, AttrInfo, AttrValue, EditResult
from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files
from h5gui.core.paths import normalize_path
from h5gui.core.progress import Job, Progress, relay

__all__ = ["AttrEdit", "EditResult", "apply", "delete", "duplicate", "paste", "rename", "set_on_many", "set_value"]


def _existing(file: str, path: str, names: Sequence[str]) -> list[AttrValue]:
    return attrs.get_attr_values(file, path, names, missing_ok=True)


def apply(edits: Sequence[AttrEdit]) -> tuple[AttrInfo, ...]:
    """Apply edits in order; returns the attributes of the first edit's object afterwards."""
    for e in edits:
        if e.removed:
            attrs.delete_attrs(e.file, e.path, e.removed, missing_ok=True)
        if e.values:
            attrs.put_attr_values(e.file, e.path, list(e.values), overwrite=True)
    if not edits:
        return ()
    return tuple(attrs.list_attrs(edits[0].file, edits[0].path))


def set_value(file: str, path: str, name: str, text: str, type_name: str | None = None, *,
              shape: tuple[int, ...] | None = None, fixed_length: bool | None = None) -> EditResult:
    path = normalize_path(path)
    before = _existing(file, path, [name])
    attrs.set_attr(file, path, name, text, type_name, shape=shape, fixed_length=fixed_length)
    after = attrs.get_attr_values(file, path, [name])
    verb = "set" if before else "add"
    return EditResult(
        f"{verb} {name} on {path}",
        (AttrEdit(file, path, (name,), tuple(before)),),
        (AttrEdit(file, path, (name,), tuple(after)),),
        tuple(attrs.list_attrs(file, path)),
    )


def rename(file: str, path: str, old: str, new: str) -> EditResult:
    path = normalize_path(path)
    before = attrs.get_attr_values(file, path, [old])
    attrs.rename_attr(file, path, old, new)
    after = attrs.get_attr_values(file, path, [new])
    return EditResult(
        f"rename {old} to {new} on {path}",
        (AttrEdit(file, path, (new,), tuple(before)),),
        (AttrEdit(file, path, (old,), tuple(after)),),
        tuple(attrs.list_attrs(file, path)),
    )


def delete(file: str, path: str, names: Sequence[str]) -> EditResult:
    path = normalize_path(path)
    before = attrs.get_attr_values(file, path, list(names))
    attrs.delete_attrs(file, path, list(names))
    what = names[0] if len(names) == 1 else f"{len(names)} attributes"
    return EditResult(
        f"delete {what} on {path}",
        (AttrEdit(file, path, (), tuple(before)),),
        (AttrEdit(file, path, tuple(names), ()),),
        tuple(attrs.list_attrs(file, path)),
    )


def duplicate(file: str, path: str, name: str, new_name: str) -> EditResult:
    path = normalize_path(path)
    attrs.duplicate_attr(file, path, name, new_name)
    after = attrs.get_attr_values(file, path, [new_name])
    return EditResult(
        f"duplicate {name} as {new_name} on {path}",
        (AttrEdit(file, path, (new_name,), ()),),
        (AttrEdit(file, path, (), tuple(after)),),
        tuple(attrs.list_attrs(file, path)),
    )


def paste(targets: Sequence[tuple[str, str]], values: Sequence[AttrValue]) -> Job[EditResult]:
    """Write copied attributes onto every (file, path) target; undo restores what each had."""
    names = [v.name for v in values]
    undo: list[AttrEdit] = []
    redo: list[AttrEdit] = []
    total = len(targets)
    # refuse before writing anything (references into another file, bad names)
    for file, _path in targets:
        for v in values:
            if v.file and attrs.has_refs(attrs.prepare_raw(v)[1]) and not files.same_file(v.file, file):
                raise BadRequestError(
                    f"attribute {v.name} holds references into {v.file}: it cannot be pasted into {file}"
                )
    for i, (file, path) in enumerate(targets):
        path = normalize_path(path)
        before = _existing(file, path, names)
        attrs.put_attr_values(file, path, list(values), overwrite=True)
        undo.append(AttrEdit(file, path, tuple(names), tuple(before)))
        redo.append(AttrEdit(file, path, tuple(names), tuple(values)))
        yield Progress(i + 1, total, "objects", "pasting attributes")
    what = names[0] if len(names) == 1 else f"{len(names)} attributes"
    where = targets[0][1] if total == 1 else f"{total} objects"
    first = tuple(attrs.list_attrs(*targets[0])) if targets else ()
    return EditResult(f"paste {what} onto {where}", tuple(reversed(undo)), tuple(redo), first, total)


def set_on_many(targets: Sequence[tuple[str, str]], name: str, text: str, type_name: str | None = None, *,
                shape: tuple[int, ...] | None = None, fixed_length: bool | None = None) -> Job[EditResult]:
    """Set one attribute on many objects (possibly in several files), undoable as one step."""
    by_file: dict[str, list[str]] = {}
    for file, path in targets:
        by_file.setdefault(file, []).append(normalize_path(path))
    undo: list[AttrEdit] = []
    redo: list[AttrEdit] = []
    befores = {(f, p): _existing(f, p, [name]) for f, ps in by_file.items() for p in ps}
    done = 0
    for file, paths in by_file.items():
        job = attrs.set_attr_on_many(file, paths, name, text, type_name, shape=shape, fixed_length=fixed_length)

        def step(p: Progress, base: int = done) -> Progress:
            return Progress(base + p.done, len(targets), "objects", p.message)

        written = yield from relay(job, step)
        done += int(written or 0)
        for p in paths:
            undo.append(AttrEdit(file, p, (name,), tuple(befores[(file, p)])))
            redo.append(AttrEdit(file, p, (name,), tuple(attrs.get_attr_values(file, p, [name]))))
    first = tuple(attrs.list_attrs(*targets[0])) if targets else ()
    return EditResult(f"set {name} on {len(targets)} objects", tuple(reversed(undo)), tuple(redo), first, done)
