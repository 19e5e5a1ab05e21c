"""Reading over real HTTP and S3 servers on 127.0.0.1 (no mocks): data, request counts, errors, budgets.

Request counts are asserted, not times; the HTTP counts are checked against the server's own log.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import time
from typing import Any

import h5py
import numpy as np
import pytest

from h5gui.core import attrs, nodes
from h5gui.core.errors import BadRequestError, FileAccessError, H5GuiError, RemoteError
from h5gui.core.h5 import files
from h5gui.core.h5.remote import (
    BudgetExceededError,
    RemoteOptions,
    budget,
    close_filesystems,
    h5py_kwargs_for,
    open_h5,
    open_remote,
    reporting,
)
from h5gui.core.sources import S3Options, Source

# ------------------------------------------------------------------------------------------------
# HTTP: the same data as locally, in few requests; counts true to the server's log
# ------------------------------------------------------------------------------------------------


def _datasets(f: h5py.File) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]

    f.visititems(visit)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and a.dtype.names:
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a, b))


def test_http_open_and_root_listing_in_few_requests(http_server, remote_files):
    with open_h5(http_server.url("demo.h5")) as f:
        names = list(f)
    with h5py.File(remote_files.demo, "r") as local:
        assert names == list(local)
    assert 1 <= http_server.requests <= 8
    assert http_server.log[0].method == "HEAD"


def test_http_reads_every_dataset_as_locally_and_counts_truly(http_server, remote_files):
    rf = open_remote(http_server.url("demo.h5"))
    with rf, h5py.File(rf, "r", **h5py_kwargs_for(rf.source)) as f, h5py.File(remote_files.demo, "r") as local:
        remote_data, local_data = _datasets(f), _datasets(local)
        assert remote_data.keys() == local_data.keys() and len(remote_data) >= 8
        for name, value in local_data.items():
            assert _same(remote_data[name], value), name
        assert dict(f["meta"].attrs).keys() == dict(local["meta"].attrs).keys()
    log = http_server.log
    assert rf.stats == (len(log), sum(e.nbytes for e in log))
    assert rf.stats.bytes <= remote_files.demo.stat().st_size  # the 634 kB file came in one 1 MiB block
    assert all(e.status in (200, 206) for e in log)


def _without_file(x: Any) -> Any:
    return dataclasses.replace(x, file="") if dataclasses.is_dataclass(x) and hasattr(x, "file") else x


def test_core_functions_run_unchanged_over_http(http_server, remote_files):
    url, local = http_server.url("demo.h5"), str(remote_files.demo)
    assert list(map(_without_file, nodes.list_children(url, "/"))) == list(
        map(_without_file, nodes.list_children(local, "/")))
    for path in ("/mnist/images", "/meta/catalogue", "/signals/waves_gzip", "/latest"):
        assert _without_file(nodes.describe(url, path)) == _without_file(nodes.describe(local, path))
    assert attrs.list_attrs(url, "/meta") == attrs.list_attrs(local, "/meta")


def test_http_frames_of_a_per_frame_chunked_stack(http_server, remote_files):
    with open_h5(http_server.url("stack.h5")) as f, h5py.File(remote_files.stack, "r") as local:
        ds = f["stack"]
        opened = http_server.requests
        assert np.array_equal(ds[0], local["stack"][0])
        first = http_server.requests - opened
        before = http_server.requests
        assert np.array_equal(ds[5], local["stack"][5])
        step = http_server.requests - before
        assert http_server.log[-1].nbytes == 512 * 512 * 2  # a large read fetches exactly its chunk
        before = http_server.requests
        assert np.array_equal(ds[5], local["stack"][5])  # again: from the caches
        again = http_server.requests - before
    assert first <= 3 and step <= 3 and again == 0, (first, step, again)


# ------------------------------------------------------------------------------------------------
# HTTP errors: one line saying what and where; the next request tries again
# ------------------------------------------------------------------------------------------------


def _one_line(err: BaseException, *parts: str) -> str:
    text = str(err)
    assert "\n" not in text and "Traceback" not in text, text
    for p in parts:
        assert p in text, (p, text)
    return text


def test_http_not_found_and_access_denied(http_server):
    url = http_server.url("missing.h5")
    with pytest.raises(RemoteError) as info:
        open_remote(url)
    assert _one_line(info.value, url) == f"{url}: not found (404)"
    assert info.value.exit_code == 2 and isinstance(info.value, FileAccessError)
    http_server.inject(status=403)
    url = http_server.url("demo.h5")
    with pytest.raises(RemoteError) as info:
        open_remote(url)
    assert str(info.value) == f"{url}: access denied (403)" and info.value.status == 403
    assert http_server.requests == 2  # no retry of a 4xx


def test_http_server_error_is_tried_once_more(http_server, remote_files):
    http_server.inject(status=503, times=1)
    rf = open_remote(http_server.url("demo.h5"))  # the retry succeeds
    assert rf.stats.requests == 2 == http_server.requests, http_server.log
    rf.close()
    http_server.inject(status=500, times=None)
    with pytest.raises(RemoteError) as info:
        open_remote(http_server.url("demo.h5"))
    assert str(info.value).endswith(": server error (500) (tried 2 times)")


def test_http_not_hdf5_and_empty(http_server):
    with pytest.raises(FileAccessError, match=r"notes.h5: not an HDF5 file"):
        with open_h5(http_server.url("notes.h5")):
            pass
    with pytest.raises(FileAccessError, match=r"empty.h5 is empty \(0 bytes\)"):
        open_remote(http_server.url("empty.h5"))


def test_connection_dropped_mid_read_then_recovers(http_server, remote_files):
    url = http_server.url("stack.h5")
    with open_h5(url) as f:
        ds = f["stack"]
        http_server.inject(drop_after=1000, times=None, methods=("GET",))
        with pytest.raises(RemoteError) as info:
            ds[6]
        _one_line(info.value, url, "dropped while reading", "tried 2 times")
        drops = [e for e in http_server.log if e.nbytes == 1000]
        assert len(drops) == 2
        http_server.reset()
        assert np.array_equal(ds[6], h5py.File(remote_files.stack, "r")["stack"][6])  # the app goes on


def test_server_stopped_mid_session_then_back(http_server, remote_files):
    url = http_server.url("stack.h5")
    with open_h5(url) as f:
        ds = f["stack"]
        ds[0]
        http_server.stop()
        with pytest.raises(RemoteError) as info:
            ds[7]
        _one_line(info.value, url, f"cannot connect to 127.0.0.1:{http_server.port} (connection refused)")
        http_server.start()
        assert np.array_equal(ds[7], h5py.File(remote_files.stack, "r")["stack"][7])


def test_slow_server_past_a_short_timeout(http_server):
    url = http_server.url("demo.h5")
    http_server.delay = 0.6
    t = time.perf_counter()
    with pytest.raises(RemoteError) as info:
        open_remote(url, RemoteOptions(read_timeout=0.2, retries=1))
    elapsed = time.perf_counter() - t
    assert str(info.value) == f"{url}: no answer from {Source.parse(url).host} within 0.2 s (read timeout) (tried 2 times)"
    assert info.value.transient and elapsed < 3


def test_errors_through_h5py_keep_the_one_line(http_server):
    """h5py calls the file object inside HDF5; what comes out is still the one line, not h5py's OSError."""
    url = http_server.url("stack.h5")
    rf = open_remote(url, RemoteOptions(max_blocks=1))
    with rf, reporting(rf):
        f = h5py.File(rf, "r")
        http_server.inject(status=403, times=None)
        with pytest.raises(H5GuiError) as info:
            f["stack"][3]
        assert str(info.value) == f"{url}: access denied (403)"
        assert rf.last_error is info.value or str(rf.last_error) == str(info.value)
        http_server.reset()
        f.close()


def test_no_deadlock_when_garbage_is_collected_on_the_io_thread(http_server):
    """h5py issue #2019: h5py holds its lock while it calls the file object, whose request runs on
    fsspec's I/O thread; a garbage collection there that frees an h5py object waits for that lock
    forever. Made certain here: as each request starts on the I/O thread, an h5py object becomes cyclic
    garbage and enough is allocated for an automatic collection. Without the pause of the collector
    this hangs (checked), so it runs in a subprocess with a timeout."""
    script = textwrap.dedent(
        f"""
        import asyncio, h5py
        import fsspec.asyn
        from h5gui.core.h5.remote import open_remote, close_filesystems, RemoteOptions

        pending = []

        def garbage_then_task(loop, coro, **kwargs):
            if pending:
                cycle = [pending.pop()]
                cycle.append(cycle)  # an h5py object that only the cyclic collector can free
                del cycle
                junk = [[] for _ in range(5000)]  # enough allocations for an automatic collection here
                del junk
            return asyncio.Task(coro, loop=loop, **kwargs)

        fsspec.asyn.get_loop().set_task_factory(garbage_then_task)
        rf = open_remote({http_server.url("stack.h5")!r}, RemoteOptions(block_size=4096, max_blocks=1))
        with h5py.File(rf, "r", rdcc_nbytes=0) as f:
            ds = f["stack"]
            pending.extend(f["stack"] for _ in range(20))
            for i in range(20):
                ds[i % 8, i % 500, :4]
        rf.close()
        close_filesystems()
        print("ok")
        """
    )
    try:
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("deadlock: a garbage collection on fsspec's I/O thread waited for h5py's lock")
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


# ------------------------------------------------------------------------------------------------
# Budgets
# ------------------------------------------------------------------------------------------------


def test_budget_refuses_a_read_before_fetching(http_server):
    url = http_server.url("stack.h5")
    with open_h5(url) as f:
        ds = f["stack"]
        before = http_server.bytes_sent
        with pytest.raises(BudgetExceededError) as info:
            with budget(max_bytes=2_000_000, max_requests=32):
                ds[:]
        _one_line(info.value, url, "MB", "over the budget of 2.0 MB, 32 requests")
        assert http_server.bytes_sent - before <= 2_000_000  # nothing past the budget was fetched
        with budget(max_bytes=16_000_000, max_requests=32) as b:
            assert ds[:].shape == (8, 512, 512)
        assert 0 < b.bytes <= 16_000_000 and b.requests <= 32
        with pytest.raises(BudgetExceededError, match=r"the overview needs 64.0 MB in 2 requests"):
            with budget(max_bytes=16_000_000) as b:
                b.need(64_000_000, 2, what="the overview")


def test_budgets_nest_and_local_files_are_free(remote_files):
    with budget(max_bytes=1) as outer, budget(max_bytes=10_000_000) as inner:
        with h5py.File(remote_files.stack, "r") as f:
            f["stack"][:]
        with pytest.raises(BudgetExceededError):
            inner.need(2)  # passes the outer one
    assert outer.bytes == inner.bytes == 0


def test_h5py_kwargs_for():
    assert h5py_kwargs_for("/tmp/x.h5") == {}
    kw = h5py_kwargs_for("https://host/x.h5")
    assert kw["rdcc_nbytes"] == 32 * 2**20 and kw["page_buf_size"] == 16 * 2**20
    assert h5py_kwargs_for("s3://b/k.h5", RemoteOptions(chunk_cache_bytes=1 << 20))["rdcc_nbytes"] == 1 << 20


def test_open_remote_refuses_local_and_hsds():
    with pytest.raises(BadRequestError, match="a local file"):
        open_remote("/tmp/x.h5")
    with pytest.raises(BadRequestError, match="HSDS domains cannot be opened yet"):
        open_remote("hdf5://home/u/x.h5")


# ------------------------------------------------------------------------------------------------
# S3 through moto's server
# ------------------------------------------------------------------------------------------------


def _s3(server: Any, key: str, bucket: str | None = None, **opts: Any) -> Source:
    return Source.parse(f"s3://{bucket or server.bucket}/{key}",
                        S3Options(endpoint_url=server.endpoint_url, **opts))


def test_s3_reads_the_same_arrays_as_locally(s3_server, remote_files):
    src = _s3(s3_server, "data/demo.h5")
    rf = open_remote(src)
    with rf, h5py.File(rf, "r", **h5py_kwargs_for(src)) as f, h5py.File(remote_files.demo, "r") as local:
        assert list(f) == list(local)
        after_listing = rf.stats.requests
        remote_data, local_data = _datasets(f), _datasets(local)
        for name, value in local_data.items():
            assert _same(remote_data[name], value), name
    assert after_listing <= 8
    assert rf.stats.bytes <= remote_files.demo.stat().st_size


def test_s3_frames_in_few_requests(s3_server, remote_files):
    src = _s3(s3_server, "data/stack.h5")
    rf = open_remote(src)
    with rf, h5py.File(rf, "r", **h5py_kwargs_for(src)) as f, h5py.File(remote_files.stack, "r") as local:
        ds = f["stack"]
        n0 = rf.stats.requests
        assert np.array_equal(ds[2], local["stack"][2])
        n1 = rf.stats.requests
        assert np.array_equal(ds[3], local["stack"][3])
        n2 = rf.stats.requests
    assert n1 - n0 <= 3 and n2 - n1 <= 3


def test_s3_not_found_and_access_denied(s3_server):
    missing = _s3(s3_server, "data/missing.h5")
    with pytest.raises(RemoteError) as info:
        open_remote(missing)
    assert str(info.value) == f"s3://{s3_server.bucket}/data/missing.h5: not found (404)"
    private_anon = _s3(s3_server, "data/demo.h5", anon=True)
    with pytest.raises(RemoteError) as info:
        open_remote(private_anon)
    assert str(info.value) == f"s3://{s3_server.bucket}/data/demo.h5: access denied (403)"


def test_s3_anonymous_public_bucket_and_profiles(s3_server):
    public = _s3(s3_server, "data/demo.h5", bucket=s3_server.public_bucket, anon=True)
    with open_h5(public) as f:
        assert "images" in f
    with open_h5(_s3(s3_server, "data/demo.h5", profile="h5gui-test")) as f:
        assert f.attrs["title"] == "h5gui demo file"
    with pytest.raises(RemoteError, match=r"AWS profile 'nope' not found"):
        open_remote(_s3(s3_server, "data/demo.h5", profile="nope"))


def test_s3_credentials_refused_or_missing(s3_server, monkeypatch):
    src = _s3(s3_server, "data/demo.h5")
    s3_server.set_auth(True)
    try:
        with pytest.raises(RemoteError) as info:
            open_remote(src)
    finally:
        s3_server.set_auth(False)
    _one_line(info.value, str(src), "access denied (403)")
    close_filesystems()  # the next session reads the environment again
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    try:
        with pytest.raises(RemoteError) as info:
            open_remote(src)
    finally:
        close_filesystems()
    _one_line(info.value, str(src), "no AWS credentials found", "--anon")


def test_s3_endpoint_down(s3_server, free_port):
    src = Source.parse("s3://bkt/k.h5", S3Options(endpoint_url=f"http://127.0.0.1:{free_port}"))
    with pytest.raises(RemoteError) as info:
        open_remote(src, RemoteOptions(connect_timeout=2))
    _one_line(info.value, "s3://bkt/k.h5: cannot connect to 127.0.0.1:")


def test_the_open_policy_takes_urls_pooled_counted_and_read_only(http_server, remote_files):
    """Issue 13: a source is a path or a URL wherever a file is named; one cached handle per source."""
    from h5gui.core import preview
    from h5gui.core.errors import ReadOnlyError

    url = http_server.url("stack.h5")
    pool = files.HandlePool()
    with files.pool_scope(pool):
        rows = nodes.list_children(url, "/")
        assert [r.name for r in rows] == ["stack"] and http_server.requests <= 8
        info = preview.preview_info(url, "/stack")
        before = http_server.requests
        frame = preview.read_image(url, "/stack", preview.ImageRequest(axes=info.image_axes, index=(3,)))
        with h5py.File(remote_files.stack, "r") as local:
            assert np.array_equal(frame.data, local["stack"][3])
        assert http_server.requests - before <= 3
        assert pool.transfer_stats()[url][0] == http_server.requests
        with pytest.raises(ReadOnlyError, match="remote file"):
            attrs.set_attr(url, "/stack", "x", "1")
        files.release(url)
        assert len(pool) == 0


def test_what_a_remote_file_points_at_is_outside_it(tmp_path, http_server, remote_files):
    """Issue 13 item 4: an external link or VDS source of a remote file is never looked for on the local disk."""
    from h5gui.core.h5 import links

    assert not links.is_inside("https://host/dir", links.resolve_external("https://host/dir/a.h5", "b.h5"))
    assert not links.is_inside("s3://bucket/dir", "s3://bucket/dir/b.h5")


def test_download_a_copy_with_progress_and_cancel(http_server, remote_files, tmp_path):
    """Issue 13 item 5: a remote file becomes a local copy (that opens editable), with progress and cancel."""
    from h5gui.core import download, progress

    url = http_server.url("stack.h5")
    out = tmp_path / "copy.h5"
    seen = []
    report = progress.run(download.download(url, out), seen.append)
    assert out.read_bytes() == remote_files.stack.read_bytes()
    assert report.nbytes == out.stat().st_size and seen[-1].done == seen[-1].total == report.nbytes
    assert report.requests <= 2 + report.nbytes // download.BLOCK + 1
    job = download.download(url, tmp_path / "cancelled.h5")
    next(job)
    next(job)  # one block written
    job.close()  # cancel
    assert not list(tmp_path.glob("cancelled.h5*"))
    with pytest.raises(BadRequestError, match="exists"):
        progress.run(download.download(url, out))


def test_the_cli_reads_s3_and_https_urls_in_its_reader_process(s3_server, http_server, remote_files, capsys):
    """Issue 13 item 1: every read-only CLI command takes a URL, with --endpoint-url/--anon/--profile."""
    from h5gui.cli import main

    url = f"s3://{s3_server.bucket}/data/demo.h5"
    assert main(["ls", url, "--endpoint-url", s3_server.endpoint_url]) == 0
    out = capsys.readouterr().out
    assert "mnist" in out and "images" in out
    assert main(["info", url, "/mnist/images", "--endpoint-url", s3_server.endpoint_url]) == 0
    assert "100 x 28 x 28" in capsys.readouterr().out
    assert main(["attrs", http_server.url("demo.h5"), "/"]) == 0
    assert "title" in capsys.readouterr().out
    assert main(["ls", http_server.url("missing.h5")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not found (404)" in err


def test_a_remote_image_over_the_budget_says_how_many_mb_before_reading(http_server, remote_files):
    """Issue 13 item 3: the first paint stays within about 16 MB / 32 requests; more is asked for."""
    from h5gui.core import preview
    from h5gui.core.h5.remote_budget import BudgetExceededError

    big = remote_files.root / "big_chunk.h5"
    if not big.exists():
        with h5py.File(big, "w") as f:
            f.create_dataset("img", data=np.ones((3000, 3000), dtype="u2"), chunks=(3000, 3000))
    url = http_server.url("big_chunk.h5")
    info = preview.preview_info(url, "/img")
    before = http_server.bytes_sent
    with pytest.raises(BudgetExceededError, match=r"the image of /img at this zoom needs 18\.0 MB in 1 requests"):
        preview.read_image(url, "/img", preview.ImageRequest(axes=info.image_axes, index=()))
    assert http_server.bytes_sent - before <= 2**21, "refused before the 18 MB chunk was fetched (one metadata block at most)"
    s = preview.read_image(url, "/img", preview.ImageRequest(axes=info.image_axes, index=(), remote_budget=False))
    assert s.data.mean() == 1
