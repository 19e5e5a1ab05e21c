"""What ``h5gui-cli`` prints: terminal-safe text, tables, ``Label: value`` rows, JSON, warnings and
errors, and the one progress line (with the job driver that ends it).

Names, values and messages come from files that anyone may have written. Every human-readable line
goes through :func:`escape`, which shows control characters as visible escapes (``\\x1b``, ``\\n``):
a file cannot set the terminal's title, recolour or clear the screen, reorder the text with bidi
overrides, or break the one-row-per-object output with a newline. JSON output keeps every name
exact (what JSON itself does not escape and a terminal would act on is written as a ``\\uXXXX``
escape, which reads back as the same character).

Light on purpose: ``h5gui-cli --help`` imports this module, so nothing here imports h5py, numpy
or Pillow.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from h5gui.core import progress
from h5gui.core.progress import Progress, RateMeter

PROG = "h5gui-cli"

# what a terminal acts on instead of showing: C0 controls (ESC, CR, LF, TAB, BEL, ...), DEL, C1 controls
# (CSI \x9b, NEL \x85, ...), the bidi marks, embeddings, overrides and isolates, the Unicode line and
# paragraph separators, and lone surrogates (undecodable bytes, which cannot be written as UTF-8)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
# the same, less the C0 controls that JSON escapes itself (and the newlines of its indentation)
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: object, keep: str = "") -> str:
    """``text`` with every character a terminal would act on shown as an escape.

    ``'a\\x1b[2Jb'`` -> ``'a\\\\x1b[2Jb'``, ``'a\\nb'`` -> ``'a\\\\nb'``, U+202E -> ``'\\\\u202e'``.
    Characters in ``keep`` (``'\\n\\t'`` for a block of text with lines and columns) stay as they
    are. Backslashes are left alone, so paths stay readable; ``--json`` gives the exact text.
    """
    s = str(text)
    if not _UNSAFE.search(s):
        return s

    def visible(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in keep:
            return ch
        if ch in _NAMED:
            return _NAMED[ch]
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return _UNSAFE.sub(visible, s)


def _stdout(out: TextIO | None) -> TextIO:
    return sys.stdout if out is None else out  # looked up at each call: tests and pipes swap it


# ---------------------------------------------------------------------------------------------
# lines, tables, rows


def print_line(text: object = "", out: TextIO | None = None) -> None:
    """One line of human-readable output (escaped) on ``out`` (default stdout)."""
    _stdout(out).write(escape(text) + "\n")


def print_block(text: str, out: TextIO | None = None, end: str = "\n") -> None:
    """A block of text whose lines and tab-separated columns are its own (a text preview, a snippet):
    newlines and tabs stay, every other control character is escaped."""
    _stdout(out).write(escape(text, keep="\n\t") + end)


def print_table(rows: Sequence[Sequence[str]], out: TextIO | None = None, caps: Sequence[int | None] = ()) -> None:
    """Left-aligned columns two spaces apart, trailing blanks stripped, every cell escaped.

    A column's width is capped by ``caps`` (``None``: no cap): a longer cell (a long link target)
    pushes the rest of its own row to the right instead of widening the column for every row.
    """
    if not rows:
        return
    cells = [[escape(c) for c in r] for r in rows]
    widths = []
    for i in range(len(cells[0]) - 1):
        cap = caps[i] if i < len(caps) else None
        widths.append(max((len(r[i]) for r in cells if cap is None or len(r[i]) <= cap), default=0))
    stream = _stdout(out)
    for r in cells:
        line = [c.ljust(w) for c, w in zip(r, widths, strict=False)] + [r[-1]]
        stream.write("  ".join(line).rstrip() + "\n")


def print_tsv(rows: Iterable[Sequence[str]], out: TextIO | None = None) -> None:
    """Rows of tab-separated cells, each cell escaped (a tab or newline in a value cannot shift them)."""
    stream = _stdout(out)
    for r in rows:
        stream.write("\t".join(escape(c) for c in r) + "\n")


def print_fields(rows: Sequence[tuple[str, str]], out: TextIO | None = None) -> None:
    """``Label: value`` lines with the values aligned (the info panel's rows, a plan)."""
    if not rows:
        return
    width = max(len(label) for label, _ in rows) + 1
    stream = _stdout(out)
    for label, text in rows:
        stream.write(f"{label + ':':<{width}} {escape(text)}\n")


# ---------------------------------------------------------------------------------------------
# JSON


def json_default(value: Any) -> Any:
    """``json.dump(default=...)`` for our records: tuples and sets as lists, anything else as text."""
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)


def dump_json(obj: Any, out: TextIO | None = None) -> None:
    """``obj`` as indented JSON (UTF-8, names exact) and a newline."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=json_default)
    _stdout(out).write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


# ---------------------------------------------------------------------------------------------
# warnings and errors (stderr, one line each)


def print_warning(text: object) -> None:
    sys.stderr.write(f"{PROG}: warning: {escape(text)}\n")


def print_note(text: object) -> None:
    """A line about what is shown (``h5gui-cli: note: ...``), on stderr: stdout keeps the table or JSON."""
    sys.stderr.write(f"{PROG}: note: {escape(text)}\n")


def print_error(err: BaseException | str) -> None:
    """``h5gui-cli: error: MESSAGE`` on one line of stderr: runs of whitespace (newlines included) fold
    into one space, as :class:`~h5gui.core.errors.H5GuiError` does, and other control characters
    are escaped."""
    message = escape(" ".join(str(err).split()))
    if not message:
        message = type(err).__name__ if isinstance(err, BaseException) else "error"
    sys.stderr.write(f"{PROG}: error: {message}\n")
    sys.stderr.flush()


class EscapingFormatter(logging.Formatter):
    """Log lines with their message escaped (a traceback under ``--debug`` keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return escape(super().formatMessage(record))


# ---------------------------------------------------------------------------------------------
# progress


class ProgressLine:
    """The progress line on stderr: rewritten in place on a terminal (and cleared at the end), a line
    every half second otherwise. A job shorter than that prints nothing but, on a terminal, its end.

    Called with each :class:`~h5gui.core.progress.Progress`; a new ``message`` starts a new phase
    (new rates, shown at once).
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.2 if self.tty else 0.5
        self._meter = RateMeter()
        self._phase = ""
        self._last = time.monotonic()
        self._width = 0

    def describe(self, p: Progress) -> str:
        """``'Importing:  24.0% 1,200 / 5,000 images, 340 images/s, 11 s left'`` (escaped)."""
        text = self._meter.describe(p)
        fraction = p.fraction
        if fraction is not None:
            head = f"{p.message}: " if p.message else ""
            text = f"{head}{fraction * 100:5.1f}% {text[len(head):]}"
        return escape(text)

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        if p.message != self._phase:
            self._phase = p.message
            self._meter = RateMeter()
            self._last = time.monotonic()
        self._meter.update(p)
        now = time.monotonic()
        finished = self.tty and bool(p.total) and p.done >= (p.total or 0)
        if now - self._last < self.interval and not finished:
            return
        self._last = now
        text = self.describe(p)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        """Clear the line on a terminal (the report follows on stdout)."""
        if self.enabled and self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def drive(job: Any, quiet: bool = False) -> Any:
    """Run a core job (:func:`h5gui.core.progress.run`) with a :class:`ProgressLine` on stderr unless
    ``quiet``. The job is closed whatever happens (Ctrl-C removes its partial result) and the line
    is cleared."""
    line = ProgressLine(sys.stderr, enabled=not quiet)
    try:
        return progress.run(job, line)
    finally:
        line.end()
