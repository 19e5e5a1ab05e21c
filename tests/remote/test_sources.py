"""Source: one identity for paths and URLs; parse, print, hash, pickle; secrets never kept."""

from __future__ import annotations

import json
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from h5gui.core.errors import BadRequestError
from h5gui.core.h5.remote_errors import classify
from h5gui.core.sources import S3Options, Source


def test_local_forms_are_one_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "d").mkdir()
    forms = ["d/f.h5", str(tmp_path / "d" / "f.h5"), "~/d/f.h5", f"file://{tmp_path}/d/f.h5",
             f"file://localhost{tmp_path}/d/f.h5", Path("d/f.h5"), f"  {tmp_path}/d/./x/../f.h5\n"]
    sources = {Source.parse(f) for f in forms}
    assert len(sources) == 1
    s = sources.pop()
    assert (s.kind, s.location, str(s)) == ("local", str(tmp_path / "d" / "f.h5"), str(tmp_path / "d" / "f.h5"))
    assert not s.is_remote
    assert (s.name, s.display, s.parent_display) == ("f.h5", "f.h5", "~/d")
    assert Source.parse("file:///tmp/a%20b.h5").location == "/tmp/a b.h5"


@pytest.mark.parametrize(
    ("text", "kind", "location", "display", "parent"),
    [
        ("s3://bkt/runs/2024/f.h5", "s3", "bkt/runs/2024/f.h5", "f.h5 (s3://bkt)", "s3://bkt/runs/2024"),
        ("HTTPS://Data.Example.org:443/a/b%20c.h5", "https", "https://data.example.org/a/b%20c.h5",
         "b c.h5 (data.example.org)", "https://data.example.org/a"),
        ("http://127.0.0.1:8080/f.h5#frag", "http", "http://127.0.0.1:8080/f.h5", "f.h5 (127.0.0.1:8080)",
         "http://127.0.0.1:8080"),
        ("http://[::1]:80/x.h5", "http", "http://[::1]/x.h5", "x.h5 ([::1])", "http://[::1]"),
        ("hdf5://home/user/f.h5", "hsds", "/home/user/f.h5", "f.h5 (HSDS)", "hdf5://home/user"),
        ("hdf5:///home/user/f.h5", "hsds", "/home/user/f.h5", "f.h5 (HSDS)", "hdf5://home/user"),
    ],
)
def test_remote_forms(text, kind, location, display, parent):
    s = Source.parse(text)
    assert (s.kind, s.location, s.display, s.parent_display) == (kind, location, display, parent)
    assert s.is_remote
    assert Source.parse(str(s)) == s
    assert pickle.loads(pickle.dumps(s)) == s and hash(pickle.loads(pickle.dumps(s))) == hash(s)
    assert Source.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_s3_options_are_part_of_the_identity():
    opts = S3Options.from_args(["--endpoint-url=http://127.0.0.1:9000/", "--anon"])
    assert opts == S3Options(endpoint_url="http://127.0.0.1:9000", anon=True)
    assert S3Options.from_args(["--profile", "lab"]) == S3Options(profile="lab")
    s = Source.parse("s3://bkt/k.h5", opts)
    assert (s.bucket, s.key) == ("bkt", "k.h5")
    assert s != Source.parse("s3://bkt/k.h5") and len({s, Source.parse("s3://bkt/k.h5")}) == 2
    assert s.describe() == "s3://bkt/k.h5 --endpoint-url http://127.0.0.1:9000 --anon"
    assert Source.parse(str(s), S3Options.from_args(s.options.to_args())) == s
    assert Source.from_dict(s.to_dict()) == s
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Source.parse(""), "no file or URL"),
        (lambda: Source.parse("ftp://host/f.h5"), "unsupported scheme 'ftp://'"),
        (lambda: Source.parse("s3://bkt"), "names a bucket or a folder"),
        (lambda: Source.parse("s3://bkt/dir/"), "names a bucket or a folder"),
        (lambda: Source.parse("https:///f.h5"), "no host"),
        (lambda: Source.parse("hdf5://"), "no domain"),
        (lambda: Source.parse("file://otherhost/f.h5"), "another host"),
        (lambda: Source.parse("/tmp/f.h5", S3Options(anon=True)), "apply to s3:// sources only"),
        (lambda: S3Options.from_args(["--region", "x"]), "unknown S3 option"),
        (lambda: S3Options.from_args(["--profile"]), "--profile needs a value"),
        (lambda: S3Options(endpoint_url="http://key:secret@minio:9000"), "must not contain credentials"),
        (lambda: S3Options(anon=True, profile="p"), "exclude each other"),
        (lambda: Source.parse("/x.h5").bucket, "not an s3"),
    ],
)
def test_bad_sources_say_why(call, message):
    with pytest.raises(BadRequestError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_secrets_are_never_kept(caplog):
    text = "https://alice:hunter2@host.example/d/f.h5?X-Amz-Signature=deadbeef&token=tok123&version=3"
    with caplog.at_level("WARNING", logger="h5gui.core.sources"):
        s = Source.parse(text)
    assert str(s) == "https://host.example/d/f.h5?version=3"
    for form in (str(s), repr(s), s.display, s.describe(), json.dumps(s.to_dict()), caplog.text):
        for secret in ("alice", "hunter2", "deadbeef", "tok123"):
            assert secret not in form
    assert b"hunter2" not in pickle.dumps(s) and b"deadbeef" not in pickle.dumps(s)
    assert s == Source.parse("https://host.example/d/f.h5?version=3")
    assert "credentials in the URL are ignored" in caplog.text
    s3 = Source.parse("s3://AKIAXX:secretkey@bkt/k.h5")
    assert str(s3) == "s3://bkt/k.h5" and "secretkey" not in repr(s3)


def test_sources_module_imports_no_h5py_or_network():
    code = ("import sys, h5gui.core.sources, h5gui.core.h5.remote, h5gui.core.h5.remote_errors; "
            "print(sorted(m for m in ('h5py', 'fsspec', 's3fs', 'aiohttp', 'botocore') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_dns_failure_is_one_line():
    # a real resolver error, made without sending a query (numeric-only lookup of a name)
    try:
        socket.getaddrinfo("no-such-host.example", 80, flags=socket.AI_NUMERICHOST)
    except socket.gaierror as exc:
        failure = classify(exc, Source.parse("https://no-such-host.example/f.h5"))
    assert failure.reason == "host not found (no-such-host.example)" and not failure.transient


def test_options_chosen_for_a_bucket_follow_its_plain_addresses():
    """The endpoint/profile/anon the user chose (Open URL, --endpoint-url) reach every later job that
    names a file of the same bucket as plain text."""
    from h5gui.core import sources

    chosen = sources.remember_options("s3://bkt/a.h5", S3Options(endpoint_url="http://127.0.0.1:9000"))
    try:
        assert chosen.options.endpoint_url == "http://127.0.0.1:9000"
        assert Source.parse("s3://bkt/other/b.h5").options.endpoint_url == "http://127.0.0.1:9000"
        assert Source.parse("s3://else/b.h5").options.is_default
        assert Source.parse("s3://bkt/x.h5", S3Options(anon=True)).options.anon  # given explicitly: wins
    finally:
        sources.remember_options("s3://bkt/a.h5", S3Options())
    assert Source.parse("s3://bkt/other/b.h5").options.is_default
