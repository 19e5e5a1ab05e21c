"""Typed lists: ``[[1, 2], [3, 4]]`` or ``["a", 'b']`` -> nested lists of :class:`Leaf` (text, quoted)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from h5gui.core.errors import AttrValueError

__all__ = ["Leaf", "ListParser", "leaves", "shape_of", "short"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One typed item of a list: its text, and whether it was quoted."""

    text: str
    quoted: bool = False


_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def short(text: str, limit: int = 40) -> str:
    """``text`` clipped to ``limit`` characters for a message (on one line when it has several)."""
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ListParser:
    """``[[1, 2], [3, 4]]`` -> nested lists of :class:`Leaf`.

    Items are separated by commas (or blanks); strings are quoted with ``"`` or ``'`` and take
    JSON's escapes (an unknown escape keeps its backslash).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> AttrValueError:
        return AttrValueError(f"{what} in {short(self.text.strip())}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self) -> list[Any]:
        self.skip()
        if self.pos >= len(self.text) or self.text[self.pos] != "[":
            raise self.error("a list must start with [")
        value = self.seq()
        self.skip()
        if self.pos < len(self.text):
            raise self.error(f"unexpected {short(self.text[self.pos:], 20)!r} after the list")
        return value

    def seq(self) -> list[Any]:
        self.pos += 1  # "["
        items: list[Any] = []
        need_item = False  # after a comma
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.error("missing ]")
            c = self.text[self.pos]
            if c == "]":
                self.pos += 1
                if need_item and not items:
                    raise self.error("a value is missing")
                return items
            if c == ",":
                if need_item or not items:
                    raise self.error("a value is missing between commas")
                need_item = True
                self.pos += 1
                continue
            items.append(self.item())
            need_item = False

    def item(self) -> Any:
        c = self.text[self.pos]
        if c == "[":
            return self.seq()
        if c in "\"'":
            return self.quoted(c)
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace() and self.text[self.pos] not in ",[]\"'":
            self.pos += 1
        return Leaf(self.text[start : self.pos])

    def quoted(self, quote: str) -> Leaf:
        self.pos += 1
        out: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise self.error("a quoted string is not closed")
            c = text[self.pos]
            if c == quote:
                self.pos += 1
                return Leaf("".join(out), quoted=True)
            if c == "\\" and self.pos + 1 < len(text):
                e = text[self.pos + 1]
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    self.pos += 2
                    continue
                if e == "u" and self.pos + 6 <= len(text):
                    try:
                        code = int(text[self.pos + 2 : self.pos + 6], 16)
                    except ValueError:
                        code = -1
                    if code >= 0:
                        self.pos += 6
                        if 0xD800 <= code < 0xDC00 and text[self.pos : self.pos + 2] == "\\u":
                            try:
                                low = int(text[self.pos + 2 : self.pos + 6], 16)
                            except ValueError:
                                low = -1
                            if 0xDC00 <= low < 0xE000:
                                self.pos += 6
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        out.append(chr(code))
                        continue
            out.append(c)
            self.pos += 1


def shape_of(node: Any) -> tuple[int, ...]:
    """The shape of nested lists of leaves; raises :class:`AttrValueError` for ragged lists."""
    if isinstance(node, Leaf):
        return ()
    if not node:
        return (0,)
    first = shape_of(node[0])
    for child in node[1:]:
        if shape_of(child) != first:
            raise AttrValueError("ragged list: the rows do not all have the same length")
    return (len(node), *first)


def leaves(node: Any) -> Iterator[Leaf]:
    """The leaves of nested lists, in order."""
    if isinstance(node, Leaf):
        yield node
    else:
        for child in node:
            yield from leaves(child)
