"""Search: names (substring, glob, regex) and attributes, streaming in batches, on a file with more than
10,000 objects; links are reported, never followed; h5py's lock is released between pieces."""

from __future__ import annotations

import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5gui.core import nodes, progress, search
from h5gui.core.errors import BadRequestError, ExternalLinkError, NodeNotFoundError

GROUPS, PER_GROUP = 20, 550  # 11,000 datasets + 20 groups + a few more


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("search") / "big.h5"
    with h5py.File(p, "w", track_order=True) as f:
        for g in range(GROUPS):
            gid = h5py.h5g.create(f.id, f"group{g:02d}".encode())
            space = h5py.h5s.create(h5py.h5s.SCALAR)
            for i in range(PER_GROUP):
                h5py.h5d.create(gid, f"sample_{i:04d}".encode(), h5py.h5t.NATIVE_INT32, space)
        meta = f.create_group("meta")
        meta.attrs["instrument"] = "Microscope X-200"
        meta.attrs["exposure_ms"] = np.float64(12.5)
        meta.attrs["tags"] = np.array(["calibration", "dark"], dtype=h5py.string_dtype())
        f["group03/sample_0007"].attrs["Comment"] = "needle in the haystack"
        f.attrs["root_note"] = "top level"
        f["meta"]["soft_to_sample"] = h5py.SoftLink("/group00/sample_0001")
        f["meta"]["ext_sample"] = h5py.ExternalLink("elsewhere.h5", "/sample")
        f["meta"]["again"] = f["group01"]  # a second hard link to a group: not searched twice
        f["CaseSample"] = np.arange(3)
    return p


def run(job):
    return progress.run(job)


def test_names_substring_glob_regex(big):
    r = run(search.search(str(big), "sample_0007"))
    assert sorted(h.path for h in r.hits) == [f"/group{g:02d}/sample_0007" for g in range(GROUPS)]
    assert {h.kind for h in r.hits} == {nodes.DATASET} and {h.match for h in r.hits} == {search.NAME}
    assert r.visited == GROUPS * (PER_GROUP + 1) + 1 + 3 + 1  # every link once; /meta/again not entered
    r = run(search.search(str(big), "sample_00?[05]", mode="glob"))
    assert len(r.hits) == GROUPS * 20
    r = run(search.search(str(big), "group1*/sample_054*", mode="glob"))  # a '/' matches paths
    assert len(r.hits) == 10 * 10 and all(h.path.startswith("/group1") for h in r.hits)
    r = run(search.search(str(big), r"^sample_05(4[5-9])$", mode="regex"))
    assert len(r.hits) == GROUPS * 5
    r = run(search.search(str(big), "casesample"))
    assert [h.path for h in r.hits] == ["/CaseSample"]
    assert run(search.search(str(big), "casesample", case_sensitive=True)).hits == ()


def test_links_are_hits_not_followed(big):
    r = run(search.search(str(big), "_sample", path="/meta"))
    assert {(h.path, h.kind) for h in r.hits} == {("/meta/soft_to_sample", nodes.SOFT_LINK),
                                                  ("/meta/ext_sample", nodes.EXTERNAL_LINK)}
    r = run(search.search(str(big), "again"))
    assert [(h.path, h.kind) for h in r.hits] == [("/meta/again", nodes.GROUP)]


def test_attribute_names_and_values(big):
    r = run(search.search(str(big), "haystack", names=False, attrs=True))
    assert [(h.path, h.match, h.attr) for h in r.hits] == [("/group03/sample_0007", search.ATTR_VALUE, "Comment")]
    assert "needle in the haystack" in r.hits[0].value and "attribute Comment" in r.hits[0].text
    r = run(search.search(str(big), "exposure*", mode="glob", names=False, attrs=True))
    assert [(h.path, h.match, h.attr) for h in r.hits] == [("/meta", search.ATTR_NAME, "exposure_ms")]
    r = run(search.search(str(big), "12.5", names=False, attrs=True))
    assert [h.attr for h in r.hits] == ["exposure_ms"]
    r = run(search.search(str(big), "dark", names=False, attrs=True))  # an element of a string array
    assert [h.attr for h in r.hits] == ["tags"]
    r = run(search.search(str(big), "top level", names=False, attrs=True))  # the root's own attributes
    assert [(h.path, h.kind) for h in r.hits] == [("/", nodes.GROUP)]
    r = run(search.search(str(big), "instrument", attrs=True, values=False))
    assert [h.match for h in r.hits] == [search.ATTR_NAME]


def test_streams_in_batches_and_releases_the_lock(big):
    batches = []
    gaps = []
    last = time.perf_counter()
    job = search.search(str(big), "sample_01", page=500)
    try:
        while True:
            b = next(job)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            batches.append(b)
    except StopIteration as stop:
        report = stop.value
    assert len(batches) > 15 and all(isinstance(b, search.SearchBatch) for b in batches)
    streamed = [h for b in batches for h in b.hits]
    assert streamed == list(report.hits) and len(streamed) == GROUPS * 100
    assert [b.done for b in batches] == sorted(b.done for b in batches)
    assert max(gaps) < 1.0  # each piece is short: other jobs get h5py's lock in between
    got = []
    run(search.search(str(big), "sample_0001", on_hits=got.extend))
    assert len(got) == GROUPS


def test_max_hits_and_cancel(big):
    r = run(search.search(str(big), "sample", max_hits=25))
    assert len(r.hits) == 25 and r.truncated
    job = search.search(str(big), "sample", page=100)
    first = next(job)
    job.close()  # cancel: the file closes
    assert first.hits
    with h5py.File(big, "r+"):  # nothing left open
        pass


def test_refusals(big, tmp_path):
    with pytest.raises(BadRequestError) as e:
        run(search.search(str(big), "([", mode="regex"))
    assert "regular expression" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(BadRequestError):
        run(search.search(str(big), ""))
    with pytest.raises(BadRequestError):
        run(search.search(str(big), "x", mode="fuzzy"))
    with pytest.raises(BadRequestError):
        run(search.search(str(big), "x", names=False, attrs=False))
    with pytest.raises(NodeNotFoundError):
        run(search.search(str(big), "x", path="/nowhere"))
    with pytest.raises(ExternalLinkError):
        run(search.search(str(big), "x", path="/meta/ext_sample"))


def test_attributes_of_a_group_without_members(tmp_path):
    """The starting group's own attribute hits, also when it has no members (they were dropped)."""
    empty_root, empty_group = tmp_path / "root.h5", tmp_path / "group.h5"
    with h5py.File(empty_root, "w") as f:
        f.attrs["note"] = "needle"
    with h5py.File(empty_group, "w") as f:
        f.create_group("empty").attrs["unit"] = "needle"
    for file, where, text in ((empty_root, "/", "/ (group): attribute note = needle"),
                              (empty_group, "/empty", "/empty (group): attribute unit = needle")):
        streamed: list = []
        r = run(search.search(str(file), "needle", attrs=True, path=where, on_hits=streamed.extend))
        assert [h.text for h in r.hits] == [text] and tuple(streamed) == r.hits and not r.truncated
