"""User-facing errors: each carries one sentence that says what went wrong and where."""

from __future__ import annotations

import os


class H5GuiError(Exception):
    """Base of every error shown to a user.

    ``str(err)`` is a single line, fit for a status bar or ``stderr``.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        message = " ".join(str(message).split())  # always one line
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class FileAccessError(H5GuiError):
    """The file cannot be opened: missing, unreadable, not HDF5, truncated."""

    exit_code = 2


class OpenMarkError(FileAccessError):
    """HDF5's "open for writing" mark is set but no program is writing: a writer crashed. The file can
    be opened read-only anyway (without changing it) or the mark cleared, once the user says so."""

    def __init__(self, message: str, file: str = "") -> None:
        super().__init__(message)
        self.file = file

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.message, self.file))


class NodeNotFoundError(H5GuiError):
    """No object at that path."""

    exit_code = 3


class DanglingLinkError(H5GuiError):
    """A soft or external link points at nothing."""

    exit_code = 3


class UnsafeAccessError(H5GuiError):
    """Reading would touch a file outside the opened file's folder; the user must confirm."""

    exit_code = 4

    def __init__(self, message: str, targets: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.targets = targets


class FilterUnavailableError(H5GuiError):
    """A compression filter needed to read the data is not installed."""


class ReadOnlyError(H5GuiError):
    """An edit was asked of a file that is open read-only (editing is not enabled for it)."""


class UnreadableError(H5GuiError):
    """The object exists but h5py cannot read it (unsupported datatype, corrupt data)."""


class BadRequestError(H5GuiError):
    """The request itself is invalid (bad path syntax, bad arguments)."""

    exit_code = 2


class AttrValueError(BadRequestError):
    """A typed attribute value does not fit its type or shape (``300 does not fit in uint8 (0..255)``)."""


class ExternalLinkError(BadRequestError):
    """A path goes through an external link: h5gui opens the target file itself instead of following it."""

    def __init__(self, message: str, link_file: str = "", link_target: str = "") -> None:
        super().__init__(message)
        self.link_file = link_file
        self.link_target = link_target


class CancelledError(H5GuiError):
    """The user cancelled the operation."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class ReaderCrashedError(H5GuiError):
    """The I/O process crashed, hung or outgrew its memory ceiling on an object, and was restarted.

    ``cause`` is ``"crashed"``, ``"hung"``, ``"memory"`` or ``"exited"``; ``file``, ``path`` and
    ``operation`` name what it was doing (empty when the job named no object).
    """

    exit_code = 5

    def __init__(self, message: str, file: str = "", path: str = "", operation: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.file = file
        self.path = path
        self.operation = operation
        self.cause = cause


class RemoteError(FileAccessError):
    """A remote source cannot be reached or read: ``s3://bucket/key.h5: access denied (403)``.

    Attributes
    ----------
    source
        The address, as printed (never with credentials).
    reason
        The short reason alone (``"access denied (403)"``).
    status
        The HTTP status when the server answered with an error, else None.
    transient
        Whether trying again later may work (timeouts, dropped connections, 5xx).
    """

    def __init__(
        self, message: str, *, source: str = "", reason: str = "", status: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(message)
        self.source = source
        self.reason = reason or message
        self.status = status
        self.transient = transient


def libhdf5_reason(exc: BaseException) -> str:
    """The innermost reason libhdf5 gave when ``exc`` was raised inside h5py while reading a file
    (``Unable to get group info (bad symbol table node signature)`` -> ``bad symbol table node signature``),
    else ``''``: what no core check named, from a damaged file, as opposed to h5gui's own errors."""
    if not isinstance(exc, (RuntimeError, OSError, KeyError, ValueError)):
        return ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    # h5py's own frames: its Python modules (.../h5py/...) and its Cython ones ("h5py/h5g.pyx")
    if tb is None or "h5py" not in tb.tb_frame.f_code.co_filename.replace(os.sep, "/").split("/"):
        return ""
    if "insufficient precision" in str(exc).lower():  # h5py cannot map a float type: its numbers say nothing
        return "h5py cannot map its datatype (an unusual floating-point layout)"
    return innermost_reason(str(exc)) or type(exc).__name__


def innermost_reason(text: str) -> str:
    """The innermost reason of an h5py error message: ``'Unable to open (truncated file: eof = 1)'`` ->
    ``'truncated file: eof = 1'`` (on one line; the quotes ``str()`` of a KeyError adds dropped)."""
    text = " ".join(str(text).split())
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if "(" in text and text.endswith(")"):
        return text[text.index("(") + 1 : -1]
    return text


def damaged_text(what: str, reason: str) -> str:
    """``listing /g in F.h5 failed: bad local heap signature (libhdf5: the file may be damaged)``."""
    return f"{what} failed: {reason} (libhdf5: the file may be damaged)"
