"""Where a file comes from: one :class:`Source` identity for local paths, S3 objects, HTTP(S) URLs and HSDS.

A :class:`Source` is what jobs, the handle pool, recent files and the CLI pass around instead of a bare
path string. It is a frozen dataclass: hashable (a dict key for the pool), picklable (it crosses process
boundaries), comparable, and printable as the address the user typed (``str(source)``), so that
``Source.parse(str(s), s.options) == s``.

Secrets are never part of it. ``https://user:password@host/f.h5`` parses to ``https://host/f.h5`` (the
credentials are dropped with a warning, never stored); so are query parameters that carry signatures or
tokens (``X-Amz-Signature``, ``token``, ...). S3 credentials come from the standard places at open time
(environment, ``~/.aws`` profiles, anonymous access); :class:`S3Options` holds only what is not secret:
an endpoint URL (MinIO, Ceph, moto), a profile *name* and the anonymous flag.

Kinds::

    /data/f.h5, ~/f.h5, f.h5, file:///data/f.h5   local   location = absolute path
    s3://bucket/key/f.h5                           s3      location = "bucket/key/f.h5"
    http://host/f.h5, https://host:8443/f.h5       http(s) location = the URL (no credentials, no fragment)
    hdf5://home/user/f.h5                          hsds    location = domain "/home/user/f.h5" (parsed only)

This module imports neither h5py nor any network library.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from h5gui.core.errors import BadRequestError

log = logging.getLogger(__name__)

SourceKind = Literal["local", "s3", "http", "https", "hsds"]
KINDS: tuple[str, ...] = ("local", "s3", "http", "https", "hsds")

# query parameters that carry credentials: never kept in a Source (compared case-insensitively)
SECRET_QUERY_PARAMS = frozenset(
    {
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "sig", "token",
        "access_token", "api_key", "apikey", "password", "secret", "awsaccesskeyid",
    }
)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclasses.dataclass(frozen=True)
class S3Options:
    """How to reach an S3-compatible store; nothing here is a secret.

    Attributes
    ----------
    endpoint_url
        Another S3-compatible server (``http://localhost:9000`` for MinIO or moto); None for AWS.
    profile
        Name of a profile in ``~/.aws/config`` / ``~/.aws/credentials``; None for the default chain.
    anon
        Anonymous (unsigned) requests, for public buckets.
    """

    endpoint_url: str | None = None
    profile: str | None = None
    anon: bool = False

    def __post_init__(self) -> None:
        if self.endpoint_url is not None:
            object.__setattr__(self, "endpoint_url", _clean_endpoint(self.endpoint_url))
        if self.profile is not None:
            name = str(self.profile).strip()
            if not name or any(c.isspace() for c in name):
                raise BadRequestError(f"invalid AWS profile name: {self.profile!r}")
            object.__setattr__(self, "profile", name)
        if self.anon and self.profile:
            raise BadRequestError("--anon and --profile exclude each other (anonymous requests use no credentials)")

    @property
    def is_default(self) -> bool:
        return self == S3Options()

    def to_args(self) -> list[str]:
        """The command-line flags that give these options (``["--endpoint-url", URL, "--anon"]``)."""
        args: list[str] = []
        if self.endpoint_url:
            args += ["--endpoint-url", self.endpoint_url]
        if self.profile:
            args += ["--profile", self.profile]
        if self.anon:
            args.append("--anon")
        return args

    @classmethod
    def from_args(cls, argv: Sequence[str]) -> S3Options:
        """Parse ``--endpoint-url URL``, ``--endpoint-url=URL``, ``--profile NAME`` and ``--anon``.

        Raises
        ------
        BadRequestError
            An unknown flag or a flag without its value.
        """
        values: dict[str, Any] = {}
        items = list(argv)
        i = 0
        while i < len(items):
            arg = items[i]
            flag, eq, value = arg.partition("=")
            if flag == "--anon" and not eq:
                values["anon"] = True
            elif flag in ("--endpoint-url", "--profile"):
                if not eq:
                    if i + 1 >= len(items) or items[i + 1].startswith("--"):
                        raise BadRequestError(f"{flag} needs a value")
                    i += 1
                    value = items[i]
                values[flag[2:].replace("-", "_")] = value
            else:
                raise BadRequestError(f"unknown S3 option {arg!r} (known: --endpoint-url URL, --profile NAME, --anon)")
            i += 1
        return cls(**values)

    @classmethod
    def from_namespace(cls, ns: Any) -> S3Options:
        """Options from an ``argparse`` namespace filled by :func:`add_s3_arguments`."""
        return cls(
            endpoint_url=getattr(ns, "endpoint_url", None) or None,
            profile=getattr(ns, "profile", None) or None,
            anon=bool(getattr(ns, "anon", False)),
        )


def add_s3_arguments(parser: Any) -> None:
    """Add ``--endpoint-url``, ``--profile`` and ``--anon`` to an ``argparse`` parser."""
    group = parser.add_argument_group("S3 sources (s3://bucket/key)")
    group.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible server (MinIO, Ceph, ...)")
    group.add_argument("--profile", metavar="NAME", help="AWS profile from ~/.aws (credentials are never stored)")
    group.add_argument("--anon", action="store_true", help="anonymous requests, for public buckets")


@dataclasses.dataclass(frozen=True)
class Source:
    """One file: a local path, an S3 object, an HTTP(S) URL or an HSDS domain. Build it with :meth:`parse`.

    Attributes
    ----------
    kind
        ``"local"``, ``"s3"``, ``"http"``, ``"https"`` or ``"hsds"``.
    location
        The absolute path (local), ``"bucket/key"`` (s3), the URL without credentials (http, https) or
        the domain ``"/home/user/f.h5"`` (hsds).
    options
        :class:`S3Options` of an s3 source; the defaults for every other kind.
    """

    kind: SourceKind
    location: str
    options: S3Options = S3Options()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise BadRequestError(f"unknown source kind {self.kind!r}")
        if self.kind != "s3" and not self.options.is_default:
            raise BadRequestError(
                f"{self.location}: --endpoint-url, --profile and --anon apply to s3:// sources only"
            )

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | os.PathLike[str], options: S3Options | None = None) -> Source:
        """The source named by ``text``: a path (``~`` expanded, made absolute), ``file://``, ``s3://``,
        ``http(s)://`` or ``hdf5://``.

        Credentials in the text (``user:password@`` or signed query parameters) are dropped with a warning.

        Raises
        ------
        BadRequestError
            Empty text, an unsupported scheme, a URL without a host, an ``s3://`` URL without a key,
            or S3 options given for a source that is not on S3.
        """
        raw = os.fspath(text)
        t = raw.strip()
        if not t:
            raise BadRequestError("no file or URL given")
        opts = options or S3Options()
        m = _SCHEME.match(t)
        scheme = m.group(1).lower() if m and len(m.group(1)) > 1 else ""
        if scheme == "file":
            return cls("local", _file_url_path(t), opts)
        if scheme == "s3":
            location = _s3_location(t)
            if options is None:  # what the user chose for this bucket (Open URL, --endpoint-url ...)
                opts = _REMEMBERED.get(location.partition("/")[0], opts)
            return cls("s3", location, opts)
        if scheme in ("http", "https"):
            return cls(scheme, _clean_url(t), opts)  # type: ignore[arg-type]
        if scheme == "hdf5":
            return cls("hsds", _hsds_domain(t), opts)
        if scheme and t[len(scheme) + 1 :].startswith("//"):
            raise BadRequestError(
                f"{t}: unsupported scheme '{scheme}://' (use a path, file://, s3://, http(s):// or hdf5://)"
            )
        return cls("local", os.path.abspath(os.path.expanduser(t)), opts)

    @classmethod
    def coerce(cls, value: Source | str | os.PathLike[str]) -> Source:
        """``value`` if it is a Source already, else :meth:`parse` it."""
        return value if isinstance(value, Source) else cls.parse(value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for settings and recent files (it holds no secret by construction)."""
        d: dict[str, Any] = {"kind": self.kind, "location": self.location}
        if not self.options.is_default:
            d["options"] = dataclasses.asdict(self.options)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Source:
        """The inverse of :meth:`to_dict` (re-parsed, so a hand-edited entry is checked like typed text)."""
        opts = S3Options(**dict(d.get("options") or {}))
        kind = d.get("kind")
        loc = str(d.get("location", ""))
        text = {"s3": f"s3://{loc}", "hsds": f"hdf5:/{loc}"}.get(str(kind), loc)
        src = cls.parse(text, opts)
        if src.kind != kind:
            raise BadRequestError(f"{loc}: stored as {kind!r} but reads as {src.kind!r}")
        return src

    # -- what it is -----------------------------------------------------------------------------

    @property
    def is_remote(self) -> bool:
        """True for everything that is not a local file."""
        return self.kind != "local"

    @property
    def url(self) -> str:
        """The canonical address: the absolute path of a local file, else the URL."""
        if self.kind == "s3":
            return f"s3://{self.location}"
        if self.kind == "hsds":
            return f"hdf5:/{self.location}"
        return self.location

    def __str__(self) -> str:
        return self.url

    @property
    def bucket(self) -> str:
        """The S3 bucket (s3 sources only)."""
        return self._s3_parts()[0]

    @property
    def key(self) -> str:
        """The S3 object key (s3 sources only)."""
        return self._s3_parts()[1]

    def _s3_parts(self) -> tuple[str, str]:
        if self.kind != "s3":
            raise BadRequestError(f"{self}: not an s3:// source")
        bucket, _, key = self.location.partition("/")
        return bucket, key

    @property
    def host(self) -> str:
        """``host[:port]`` of an http(s) source, the bucket of an s3 source, "" otherwise."""
        if self.kind in ("http", "https"):
            return urlsplit(self.location).netloc
        if self.kind == "s3":
            return self.bucket
        return ""

    @property
    def name(self) -> str:
        """The file's own name: ``f.h5`` (the host of a URL that has no path)."""
        if self.kind == "local":
            return os.path.basename(self.location.rstrip(os.sep)) or self.location
        if self.kind in ("http", "https"):
            path = urlsplit(self.location).path
            return unquote(path.rstrip("/").rsplit("/", 1)[-1]) or self.host
        return self.location.rstrip("/").rsplit("/", 1)[-1]

    @property
    def parent_display(self) -> str:
        """Where the file is, for a tooltip or a title: ``~/data``, ``s3://bucket/run1``, ``https://host/d``."""
        if self.kind == "local":
            return _contract_home(os.path.dirname(self.location))
        if self.kind in ("http", "https"):
            parts = urlsplit(self.location)
            parent = parts.path.rstrip("/").rsplit("/", 1)[0]
            return urlunsplit((parts.scheme, parts.netloc, parent, "", ""))
        return self.url.rstrip("/").rsplit("/", 1)[0]

    @property
    def display(self) -> str:
        """A short label for titles and tabs: ``f.h5`` locally, ``f.h5 (s3://bucket)``, ``f.h5 (host)``."""
        if self.kind == "local":
            return self.name
        where = {"s3": f"s3://{self.host}", "hsds": "HSDS"}.get(self.kind, self.host)
        return f"{self.name} ({where})"

    def describe(self) -> str:
        """The address with its non-default options, as it could be typed again on a command line."""
        return " ".join([self.url, *self.options.to_args()])


# -- parsing helpers ----------------------------------------------------------------------------


def _contract_home(path: str) -> str:
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home.rstrip(os.sep) + os.sep)):
        return "~" + path[len(home) :]
    return path


def _file_url_path(text: str) -> str:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        raise BadRequestError(f"{text}: file:// URLs on another host ({parts.netloc}) are not supported")
    path = unquote(parts.path)
    if not path:
        raise BadRequestError(f"{text}: no path in the file:// URL")
    return os.path.abspath(path)


def _drop_userinfo(netloc: str, text_for_log: str) -> str:
    if "@" not in netloc:
        return netloc
    log.warning("%s: credentials in the URL are ignored (h5gui never keeps secrets)", text_for_log)
    return netloc.rsplit("@", 1)[1]


def _s3_location(text: str) -> str:
    rest = text.split(":", 1)[1].lstrip("/")
    bucket, _, key = rest.partition("/")
    bucket = _drop_userinfo(bucket, "s3://" + bucket.rsplit("@", 1)[-1])
    if not bucket or any(c.isspace() for c in bucket):
        raise BadRequestError(f"{_redact(text)}: no bucket name (expected s3://bucket/key)")
    if not key or key.endswith("/"):
        raise BadRequestError(f"s3://{bucket}/{key}: names a bucket or a folder, not an object (s3://bucket/key.h5)")
    return f"{bucket}/{key}"


def _redact(text: str) -> str:
    """``text`` with any ``user:password@`` removed, for error messages."""
    return re.sub(r"//[^/@]*@", "//", text)


def _clean_url(text: str) -> str:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not parts.hostname:
        raise BadRequestError(f"{_redact(text)}: no host in the URL")
    if "@" in parts.netloc:
        _drop_userinfo(parts.netloc, f"{scheme}://{parts.hostname}")
    host = parts.hostname  # lower case, without brackets or credentials
    try:
        port = parts.port
    except ValueError as exc:
        raise BadRequestError(f"{_redact(text)}: invalid port") from exc
    if port == {"http": 80, "https": 443}[scheme]:
        port = None  # the default port is not part of the identity
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in SECRET_QUERY_PARAMS]
        if len(kept) != len(pairs):
            log.warning("%s://%s%s: signed or secret query parameters are ignored", scheme, netloc, parts.path)
            query = urlencode(kept)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _clean_endpoint(url: str) -> str:
    text = str(url).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadRequestError(f"--endpoint-url {_redact(text)!r}: expected http(s)://host[:port]")
    if "@" in parts.netloc:
        raise BadRequestError(
            "--endpoint-url must not contain credentials: use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or --profile"
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _hsds_domain(text: str) -> str:
    rest = text.split(":", 1)[1].lstrip("/")
    if not rest.strip("/"):
        raise BadRequestError(f"{text}: no domain (expected hdf5://home/user/file.h5)")
    return "/" + rest


# -- options chosen for a bucket ------------------------------------------------------------------

_REMEMBERED: dict[str, S3Options] = {}


def remember_options(source: Source | str, options: S3Options | None = None) -> Source:
    """Use ``options`` (or the source's own) for every later ``s3://`` address of the same bucket in
    this process, so that a path written as plain text (in a record, a recent file, a job's arguments)
    reaches the same endpoint, with the same profile or anonymously. Nothing here is a secret.

    Returns the source with those options. The GUI replays this into its I/O process.
    """
    src = source if isinstance(source, Source) else Source.parse(source, options)
    if src.kind != "s3":
        return src
    opts = options if options is not None else src.options
    if opts.is_default:
        _REMEMBERED.pop(src.bucket, None)
    else:
        _REMEMBERED[src.bucket] = opts
    return dataclasses.replace(src, options=opts)


def remembered_options() -> dict[str, S3Options]:
    """Bucket -> options chosen in this process (for replaying them into another)."""
    return dict(_REMEMBERED)


def restore_options(options: dict[str, dict[str, Any]]) -> None:
    """Job: take another process's :func:`remembered_options` (bucket -> options as a dict), e.g. the
    GUI's or the CLI's choices replayed into their reader process."""
    for bucket, d in options.items():
        _REMEMBERED[bucket] = S3Options(**d)
