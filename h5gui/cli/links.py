"""Paths through external links on the command line, as the GUI's tree goes through them: ``/ext/d`` where
``/ext`` is an external link to ``t.h5:/grp`` is ``/grp/d`` in ``t.h5``. The target file is checked as the
tree checks it (:func:`h5gui.core.nodes.external_link_target`): a file outside the linking file's folder is
read only with ``--allow-external``."""

from __future__ import annotations

import os
from typing import Any

from h5gui.cli import output
from h5gui.cli.reader import read
from h5gui.core.paths import join, normalize_path

MAX_HOPS = 8  # external links followed for one path at the most (a chain of files linking each other)


def follow(file: str, path: str, allow_external: bool) -> tuple[str, str, Any]:
    """``(file, path, tree row)`` of the object ``path`` designates, external links on the way followed (a
    note on stderr says where it is); the same file and path when the path stays in ``file``."""
    from h5gui.core.errors import BadRequestError, ExternalLinkError

    start = (file, normalize_path(path))
    file, path = start
    for _ in range(MAX_HOPS + 1):
        try:
            row = _row(file, path)
        except ExternalLinkError:
            if "://" in file:  # remote sources and domains: links are not followed out of them
                raise
            hop = _through(file, path, allow_external)
            if hop is None:  # pragma: no cover - child_info saw a link that the walk does not
                raise
            file, path = hop
            continue
        if (file, path) != start:
            output.print_note(f"{start[1]} in {os.path.basename(start[0])} is {path} in {file}, through an "
                              "external link")
        return file, path, row
    raise BadRequestError(f"{start[1]} in {start[0]}: more than {MAX_HOPS} external links on the way")


def _row(file: str, path: str) -> Any:
    return read("h5gui.core.nodes", "child_info", file, path, subject=(file, path), operation="looking up")


def _through(file: str, path: str, allow_external: bool) -> tuple[str, str] | None:
    """The first external link on ``path`` (component by component), followed: ``(target file, the rest
    of the path inside it)``; a link to a missing file or object raises :class:`DanglingLinkError`."""
    from h5gui.core.errors import UnsafeAccessError
    from h5gui.core.kinds import Kind

    parts = [p for p in path.split("/") if p]
    for i in range(1, len(parts)):
        prefix = "/" + "/".join(parts[:i])
        row = _row(file, prefix)
        if row.kind != Kind.EXTERNAL_LINK and not (row.kind == Kind.DANGLING_LINK and row.link_file):
            continue
        try:
            target_file, target = read("h5gui.core.nodes", "external_link_target", file, prefix,
                                       allow_external=allow_external, subject=(file, prefix), operation="following")
        except UnsafeAccessError as exc:
            raise UnsafeAccessError(f"{prefix} in {file} is an external link to a file outside its folder "
                                    f"({', '.join(exc.targets) or 'another folder'}): add --allow-external to "
                                    "follow it", exc.targets) from exc
        return target_file, normalize_path(join(target, "/".join(parts[i:])))
    return None
