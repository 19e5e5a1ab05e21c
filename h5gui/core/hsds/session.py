"""Which connection a domain address uses, and one :class:`Domain` (with its caches) per connection.

Every backend function takes ``domain`` as an address (``'hdf5://home/u/x.h5'``) or a
:class:`Domain`. An address uses the default client: the one given to :func:`use_client`, else one
made from ``HS_ENDPOINT``/``HS_USERNAME``/``HS_PASSWORD`` or ``~/.hscfg`` on first use.
"""

from __future__ import annotations

import threading

from h5gui.core.hsds.client import HsdsClient, load_config
from h5gui.core.hsds.domain import Domain, domain_path

_lock = threading.Lock()
_default: HsdsClient | None = None
_domains: dict[tuple[int, str], Domain] = {}

DomainLike = str | Domain


def use_client(client: HsdsClient | None) -> None:
    """Make ``client`` the connection of plain addresses (None: back to the environment's)."""
    global _default
    with _lock:
        _default = client
        _domains.clear()


def default_client() -> HsdsClient:
    global _default
    with _lock:
        if _default is None:
            _default = HsdsClient(load_config())
        return _default


def open_domain(domain: DomainLike, client: HsdsClient | None = None) -> Domain:
    """The :class:`Domain` of an address on ``client`` (default: :func:`default_client`), kept for
    the life of the connection so that its caches serve every later call."""
    if isinstance(domain, Domain):
        return domain
    c = client or default_client()
    key = (id(c), domain_path(domain))
    with _lock:
        d = _domains.get(key)
        if d is None or d.client is not c:
            d = _domains[key] = Domain(c, domain)
        return d


def refresh(domain: DomainLike | None = None) -> None:
    """F5: drop every cached id and object of ``domain`` (of every domain when None)."""
    if domain is not None:
        open_domain(domain).refresh()
        return
    with _lock:
        doms = list(_domains.values())
    for d in doms:
        d.refresh()
