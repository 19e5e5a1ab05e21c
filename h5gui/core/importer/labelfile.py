"""Labels from a file instead of class folders: a CSV of ``file,label`` rows (a header row is
recognised and skipped) or a JSON object ``{file: label}`` (or a list of ``[file, label]`` pairs or of
``{"file": ..., "label": ...}`` objects). Files are matched by their path relative to the source folder,
else by their name. Labels are class names (sorted naturally into ``class_names``) or whole numbers
(then ``class_names`` are ``"0"``, ``"1"``, ... up to the largest).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from typing import Any

from h5gui.core.errors import BadRequestError
from h5gui.core.paths import natural_key

_FILE_KEYS = ("file", "filename", "path", "image", "name")
_LABEL_KEYS = ("label", "class", "category", "target", "y")


class LabelFile:
    """The labels of a file (``label_of``) and the class names they make."""

    def __init__(self, pairs: Iterable[tuple[str, Any]], source: str) -> None:
        self.source = source
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, str | None] = {}  # None: two files of that name, ambiguous
        raw: dict[str, Any] = {}
        for key, value in pairs:
            k = str(key).strip().replace("\\", "/")
            while k.startswith("./"):
                k = k[2:]
            raw[k] = value
        numbers = all(_whole(v) for v in raw.values())
        for k, v in raw.items():
            text = str(int(float(v))) if numbers else str(v).strip()
            self.by_path[k] = text
            name = k.rsplit("/", 1)[-1]
            self.by_name[name] = text if name not in self.by_name else None
        if numbers:
            top = max((int(t) for t in self.by_path.values()), default=-1)
            if any(int(t) < 0 for t in self.by_path.values()):
                raise BadRequestError(f"{source}: labels that are numbers must be 0 or more")
            self.class_names = tuple(str(i) for i in range(top + 1))
        else:
            self.class_names = tuple(sorted(set(self.by_path.values()), key=natural_key))
        self._index = {name: i for i, name in enumerate(self.class_names)}

    def label_of(self, rel: str) -> int | None:
        """The label (index into ``class_names``) of the file at ``rel``, or None when the file has none."""
        text = self.by_path.get(rel)
        if text is None:
            text = self.by_name.get(rel.rsplit("/", 1)[-1])
        return None if text is None else self._index[text]


def _whole(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    try:
        f = float(str(v).strip())
    except ValueError:
        return False
    return f.is_integer()


def read_label_file(path: str) -> LabelFile:
    """Read a CSV or JSON labels file (by its content: JSON when it starts with ``{`` or ``[``).

    Raises
    ------
    BadRequestError
        Missing, unreadable or malformed, or no labels in it.
    """
    full = os.path.abspath(os.path.expanduser(path))
    try:
        with open(full, encoding="utf-8-sig") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise BadRequestError(f"no such labels file: {full}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"cannot read the labels file {full}: {exc}") from None
    stripped = text.lstrip()
    pairs: list[tuple[str, Any]] = []
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRequestError(f"{full} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if isinstance(data, dict):
            pairs = list(data.items())
        else:
            for item in data:
                if isinstance(item, list | tuple) and len(item) == 2:
                    pairs.append((str(item[0]), item[1]))
                elif isinstance(item, dict):
                    f = next((item[k] for k in _FILE_KEYS if k in item), None)
                    lab = next((item[k] for k in _LABEL_KEYS if k in item), None)
                    if f is None or lab is None:
                        raise BadRequestError(f"{full}: each entry needs a file and a label ({item!r})")
                    pairs.append((str(f), lab))
                else:
                    raise BadRequestError(f"{full}: entries are [file, label] pairs or objects, not {item!r}")
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [r for r in csv.reader(text.splitlines(), dialect) if r and any(c.strip() for c in r)]
        if rows and len(rows[0]) >= 2 and rows[0][0].strip().lower() in _FILE_KEYS:
            rows = rows[1:]  # a header row
        for r in rows:
            if len(r) < 2:
                raise BadRequestError(f"{full}: rows need a file and a label, not {','.join(r)!r}")
            pairs.append((r[0].strip(), r[1].strip()))
    if not pairs:
        raise BadRequestError(f"no labels in {full}")
    return LabelFile(pairs, full)
