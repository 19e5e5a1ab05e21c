"""Network failures in one line: what went wrong with which remote source.

:func:`classify` turns whatever fsspec, s3fs, aiohttp, botocore or the OS raised into a
:class:`Failure`: a short reason (``"access denied (403)"``), the HTTP status when the server answered,
whether trying again may help, and whether the server answered at all (then the attempt counts as a
request). It walks the exception's ``__cause__``/``__context__`` chain, because the libraries wrap each
other's errors (fsspec turns a 403 into ``FileNotFoundError``; s3fs turns ``ClientError`` into
``PermissionError``), and matches third-party classes by name over their MRO so that it needs none of
those libraries installed.
"""

from __future__ import annotations

import dataclasses
import socket
from urllib.parse import urlsplit

from h5gui.core.errors import RemoteError
from h5gui.core.sources import Source

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})

_DNS = {"ClientConnectorDNSError", "gaierror"}
_CONNECT_TIMEOUT = {"ConnectionTimeoutError", "ConnectTimeoutError"}
_READ_TIMEOUT = {"SocketTimeoutError", "ReadTimeoutError", "ServerTimeoutError", "FSTimeoutError", "TimeoutError"}
_CANNOT_CONNECT = {"ClientConnectorError", "EndpointConnectionError", "ProxyConnectionError"}
_DROPPED = {
    "ServerDisconnectedError", "ClientPayloadError", "IncompleteReadError", "ResponseStreamingError",
    "ConnectionClosedError", "IncompleteRead", "ClientConnectionResetError", "ConnectionResetError",
    "BrokenPipeError", "ConnectionAbortedError",
}
_NO_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}
_BAD_KEY_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}


@dataclasses.dataclass(frozen=True)
class Failure:
    """What one failed request means.

    Attributes
    ----------
    reason
        One short phrase: ``"not found (404)"``, ``"no answer within 30 s (read timeout)"``.
    status
        The HTTP status the server answered with, or None when no response came.
    transient
        Trying again may work (timeouts, dropped or refused connections, 408/429/5xx).
    answered
        The server sent a response (the attempt counts as a request in the transfer statistics).
    """

    reason: str
    status: int | None = None
    transient: bool = False
    answered: bool = False

    def error(self, source: Source, attempts: int = 1) -> RemoteError:
        """The user-facing error: ``'<source>: <reason>'``, with the number of tries when there were several."""
        reason = self.reason + (f" (tried {attempts} times)" if attempts > 1 else "")
        return RemoteError(
            f"{source}: {reason}", source=str(source), reason=reason, status=self.status, transient=self.transient
        )


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and all(e is not x for x in out) and len(out) < 16:
        out.append(e)
        e = e.__cause__ or e.__context__
    return out


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _status_of(exc: BaseException) -> tuple[int | None, str]:
    """The HTTP status (and the S3 error code) an exception carries, if any."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        code = str(response.get("Error", {}).get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status is None and code.isdigit():
            status = int(code)
        return (int(status) if status is not None else None), code
    status = getattr(exc, "status", None)  # aiohttp ClientResponseError
    if isinstance(status, int) and 100 <= status < 600 and "ClientResponseError" in _names(exc):
        return status, ""
    return None, ""


def _status_reason(status: int, code: str) -> str:
    if status == 403:
        if code in _BAD_KEY_CODES:
            return f"access denied ({status}): the server does not accept these credentials ({code})"
        return f"access denied ({status})"
    if status == 401:
        return f"authentication required ({status})"
    if status == 404:
        return f"no such bucket ({status})" if code == "NoSuchBucket" else f"not found ({status})"
    if status == 416:
        return f"byte range not satisfiable ({status})"
    if status >= 500:
        return f"server error ({status})"
    return f"HTTP error {status}"


def server_host(source: Source) -> str:
    """The host a source's requests go to (for messages)."""
    if source.kind == "s3":
        return urlsplit(source.options.endpoint_url).netloc if source.options.endpoint_url else "s3.amazonaws.com"
    return source.host or str(source)


def classify(
    exc: BaseException, source: Source, *, connect_timeout: float | None = None, read_timeout: float | None = None
) -> Failure:
    """What ``exc``, raised while talking to ``source``'s server, means for the user.

    Parameters
    ----------
    exc
        The exception as raised by fsspec, s3fs, aiohttp, botocore or the OS (wrapped or not).
    source
        The source being read (its host goes into the messages).
    connect_timeout, read_timeout
        The timeouts in force, in seconds, quoted in timeout messages.
    """
    chain = _chain(exc)
    host = server_host(source)
    for e in chain:
        status, code = _status_of(e)
        if status is not None:
            return Failure(_status_reason(status, code), status, status in TRANSIENT_STATUS, answered=True)
    names = set().union(*(_names(e) for e in chain))
    if names & _NO_CREDENTIALS:
        return Failure(
            "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pick --profile, "
            "or use --anon for a public bucket)"
        )
    if "ProfileNotFound" in names:
        return Failure(f"AWS profile {source.options.profile!r} not found in ~/.aws")
    if names & _DNS or any(isinstance(e, socket.gaierror) for e in chain):
        return Failure(f"host not found ({urlsplit('//' + host).hostname or host})")
    if names & _CONNECT_TIMEOUT:
        within = f" within {connect_timeout:g} s" if connect_timeout else ""
        return Failure(f"cannot connect to {host}{within} (connect timeout)", transient=True)
    if names & _READ_TIMEOUT:
        within = f" within {read_timeout:g} s" if read_timeout else ""
        return Failure(f"no answer from {host}{within} (read timeout)", transient=True)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return Failure(f"cannot connect to {host} (connection refused)", transient=True)
    if names & _DROPPED:
        return Failure(f"connection to {host} dropped while reading", transient=True)
    if names & _CANNOT_CONNECT:
        return Failure(f"cannot connect to {host}", transient=True)
    for e in chain:
        if isinstance(e, PermissionError):
            return Failure("access denied (403)", 403, answered=True)
        if isinstance(e, FileNotFoundError):
            return Failure("not found (404)", 404, answered=True)
        if isinstance(e, ValueError) and "range" in str(e).lower():
            return Failure("the server does not serve byte ranges (HTTP Range requests)", answered=True)
    first = " ".join(str(exc).split()) or type(exc).__name__
    return Failure(f"{type(exc).__name__}: {first}")
