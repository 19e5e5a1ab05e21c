"""A page of 256 tree rows of a 10,000-member group costs a handful of HTTP requests, not one per row
(a user notices it as speed on a remote server), and the rows stay right when HSDS's domain summary
(the source of most of a page's facts) is older than the domain."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.core import nodes
from h5gui.core.hsds import browse, session
from h5gui.core.hsds import domain as hdomain
from h5gui.core.hsds.client import HsdsClient, load_config

URI = "hdf5://home/admin/big_group.h5"


def rescan(client: HsdsClient, uri: str, objects: int = 1) -> None:
    """What HSDS does by itself 10-20 s after a domain's last change: scan it and write its summary
    (the PUT returns once the scan is done, the summary follows: wait for ``objects`` in it). A scan
    that ran before the last writes were stored counts fewer objects: flushed first, and asked again
    every 2 s (else the summary waited for HSDS's own scan, 10 s after the last change)."""
    where = hdomain.domain_path(uri)
    deadline = time.monotonic() + 60
    while True:
        client.request("PUT", "/", where=uri, domain=where, params={"flush": 1}, write=True)
        client.request("PUT", "/", where=uri, domain=where, params={"rescan": 1}, write=True)
        again = time.monotonic() + 2
        while time.monotonic() < again:
            summary = client.get_json("/", where=uri, domain=where, params={"getobjs": 1}).get("domain_objs", {})
            if len(summary) >= objects:
                return
            assert time.monotonic() < deadline, "HSDS wrote no summary of the domain within 60 s"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def big(hsds_server, tmp_path_factory) -> tuple[HsdsClient, Path]:
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    src = tmp_path_factory.mktemp("big") / "big.h5"
    with h5py.File(src, "w") as f:
        small = f.create_group("small")
        for i in range(100):
            small[f"d{i:03d}"] = np.arange(i % 5 + 1, dtype="i4")
        g = f.create_group("many")
        for i in range(10_000):
            g[f"item{i:05d}"] = small[f"d{i % 100:03d}"]
        g.create_group("a_group").create_dataset("x", data=[1, 2])
        g.create_dataset("a_resizable", data=np.zeros(3), maxshape=(None,))
        groups = f.create_group("groups")
        for i in range(300):
            sub = groups.create_group(f"s{i:04d}")
            for j in range(i % 7):
                sub[f"v{j}"] = h5py.SoftLink("/small/d000")
    c = HsdsClient(load_config(hsds_server.endpoint, "admin", "admin"))
    run(transfer.upload(src, URI, client=c, overwrite=True))
    rescan(c, URI, objects=407)  # 100 small datasets, 305 groups, 2 more datasets
    yield c, src
    c.close()


def counted(c: HsdsClient, fn, *args):
    session.open_domain(URI, c).refresh()  # as after F5: nothing cached
    c.reset_stats()
    out = fn(session.open_domain(URI, c), *args)
    return out, c.stats().requests


def as_local(rows, src: Path):
    return [dataclasses.replace(r, file=str(src)) for r in rows]


def test_first_page_of_a_big_group_in_a_handful_of_requests(big):
    c, src = big
    listing, n = counted(c, browse.open_group_listing, "/many", 256)
    # domain, link and JSON of /many, one page of links, the domain summary; then the group and the
    # resizable dataset of the page, read live (was 104: one GET per distinct object)
    assert n <= 7, n
    expected = nodes.open_group_listing(str(src), "/many", 256)
    assert listing.names == expected.names and not listing.complete
    assert as_local(listing.first, src) == list(expected.first)


def test_rows_of_any_256_names_in_a_handful_of_requests(big):
    c, src = big
    names = [f"item{i:05d}" for i in range(5000, 5256)]
    rows, n = counted(c, browse.describe_children, "/many", names)
    # domain, link and JSON of /many, one POST of the 256 names, the summary (was 256 + 100)
    assert n <= 6, n
    assert as_local(rows, src) == nodes.describe_children(str(src), "/many", names)
    # a name that is not there: its row says so, the others are still right
    rows, n = counted(c, browse.describe_children, "/many", [*names[:3], "nothing"])
    assert [r.kind for r in rows] == ["dataset"] * 3 + ["unreadable"]
    assert "no such member" in (rows[3].error or "")


def test_rows_are_right_when_the_summary_is_older_than_the_domain(big, hsds_server):
    c, _ = big
    d = session.open_domain(URI, c)
    gid = d.resolve("/many/a_group")
    d.call("PUT", f"/groups/{gid}/links/y", "/many/a_group/y", body={"h5path": "/many/a_group/x"})
    rid = d.resolve("/many/a_resizable")
    d.call("PUT", f"/datasets/{rid}/shape", "/many/a_resizable", body={"shape": [7]})
    try:
        listing, _ = counted(c, browse.open_group_listing, "/many", 256)
        rows = {r.name: r for r in listing.first}
        assert rows["a_group"].members == 2  # the summary still says 1
        assert rows["a_resizable"].shape == (7,)  # the summary still says (3,)
    finally:
        d.call("DELETE", f"/groups/{gid}/links/y", "/many/a_group/y")
        d.call("PUT", f"/datasets/{rid}/shape", "/many/a_resizable", body={"shape": [3]})


def test_summary_rows_equal_local_rows(demo_domain, demo_file, hsds_client, monkeypatch):
    # every kind of object of the demo file (compound, enum, strings, references, images) described
    # from the domain summary gives the same rows as the local file
    rescan(hsds_client, demo_domain)
    monkeypatch.setattr(hdomain, "SUMMARY_MIN", 1)
    d = session.open_domain(demo_domain)
    d.refresh()
    for path in ["/", "/meta", "/mnist", "/images", "/signals"]:
        remote = browse.list_children(demo_domain, path)
        local = nodes.list_children(str(demo_file), path)
        key = lambda r: r.path  # noqa: E731
        assert sorted(as_local(remote, demo_file), key=key) == sorted(local, key=key), path
    assert d._summary == "loaded"  # noqa: SLF001 - the rows above came from the summary


def test_all_names_of_a_big_group_in_a_few_requests(big):
    # what the tree asks before it shows a big group's rows in sorted order ("sorting the names...")
    c, src = big
    names, n = counted(c, browse.list_names, "/many")
    assert n <= 5, n  # domain, link and JSON of /many, two pages of links (were eleven)
    assert names == nodes.list_names(str(src), "/many")


def test_page_of_subgroups_in_a_handful_of_requests(big):
    # a group of groups: their rows show member counts, which change, so HSDS's summary cannot
    # give them; one POST .../links with the groups' ids lists their members on the server
    c, src = big
    listing, n = counted(c, browse.open_group_listing, "/groups", 256)
    assert n <= 6, n  # domain, link and JSON of /groups, its links, one POST (were 261)
    expected = nodes.open_group_listing(str(src), "/groups", 256)
    assert as_local(listing.first, src) == list(expected.first)
    assert [r.members for r in listing.first[:8]] == [0, 1, 2, 3, 4, 5, 6, 0]
