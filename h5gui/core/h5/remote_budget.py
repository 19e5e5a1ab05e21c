"""Budgets of remote bytes and requests for one operation (see :mod:`h5gui.core.h5.remote`).

``with budget(max_bytes=16 * MB, max_requests=32):`` limits every remote fetch made on this thread
inside the block: the fetches run on the calling thread (h5py calls the file object there), so a context
variable reaches them. A fetch that would pass a limit is not made: :class:`BudgetExceededError` is
raised instead, and the ``with`` block re-raises it even if h5py wrapped it on the way out. A caller that
can size a read beforehand calls :meth:`Budget.need` to refuse it with the exact number of MB. Budgets
nest: a fetch counts against every enclosing one. Local files are not affected.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from h5gui.core.errors import H5GuiError
from h5gui.core.sources import Source

MB = 1_000_000


class BudgetExceededError(H5GuiError):
    """A remote read would need more bytes or requests than the caller allowed."""


def _mb(n: float) -> str:
    return f"{n / MB:,.1f} MB"


class Budget:
    """Bytes and requests one operation may still use (see :func:`budget`). Used on one thread only."""

    def __init__(self, max_bytes: int | None, max_requests: int | None, parent: Budget | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_requests = max_requests
        self.bytes = 0
        self.requests = 0
        self.parent = parent
        self.exceeded: BudgetExceededError | None = None

    def _limits(self) -> str:
        parts = [_mb(self.max_bytes) if self.max_bytes is not None else "",
                 f"{self.max_requests} requests" if self.max_requests is not None else ""]
        return ", ".join(p for p in parts if p)

    def need(self, nbytes: int, nrequests: int = 0, what: str = "this read") -> None:
        """Refuse ahead a read known to need ``nbytes`` and ``nrequests`` more (raises BudgetExceededError)."""
        b: Budget | None = self
        while b is not None:
            over_bytes = b.max_bytes is not None and b.bytes + nbytes > b.max_bytes
            over_requests = b.max_requests is not None and b.requests + nrequests > b.max_requests
            if over_bytes or over_requests:
                err = BudgetExceededError(
                    f"{what} needs {_mb(b.bytes + nbytes)} in {b.requests + nrequests} requests, "
                    f"over the budget of {b._limits()}"
                )
                b.exceeded = err
                raise err
            b = b.parent

    def charge(self, source: Source, nbytes: int) -> None:
        """Before one fetch of ``nbytes``: refuse it if it passes a limit, else count it."""
        self.need(nbytes, 1, what=f"{source}: reading this")
        b: Budget | None = self
        while b is not None:
            b.bytes += nbytes
            b.requests += 1
            b = b.parent


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("h5gui_remote_budget", default=None)


@contextlib.contextmanager
def budget(max_bytes: int | None = None, max_requests: int | None = None) -> Iterator[Budget]:
    """Limit the remote bytes and requests of everything this thread does inside the block.

    Raises
    ------
    BudgetExceededError
        A fetch would have passed a limit; it was not made. Raised from the ``with`` statement even
        when h5py wrapped it in another exception on the way out.
    """
    b = Budget(max_bytes, max_requests, parent=_BUDGET.get())
    token = _BUDGET.set(b)
    try:
        yield b
    except BudgetExceededError:
        raise
    except Exception as exc:
        if b.exceeded is not None:
            raise b.exceeded from exc
        raise
    finally:
        _BUDGET.reset(token)


def current_budget() -> Budget | None:
    """The innermost budget in force on this thread, if any."""
    return _BUDGET.get()
