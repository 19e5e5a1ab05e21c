"""Browsing a file: listing (order, paging, counts), describing every kind of object, bad input, safety."""

import json
import random

import h5py
import numpy as np
import pytest

from h5gui.core import nodes, progress
from h5gui.core.errors import (
    BadRequestError,
    CancelledError,
    DanglingLinkError,
    ExternalLinkError,
    FileAccessError,
    H5GuiError,
    NodeNotFoundError,
    UnsafeAccessError,
)
from h5gui.core.paths import natural_key

SECRET_TEXT = "TOP-SECRET: the launch code is 0000"  # sample.secret_text
FAR_SECRET = "FAR-AWAY-SECRET value"  # sample.far_secret
MANY = 2000  # sample.many

DATA_CREATION_ORDER = [
    "u8", "f64", "i16_be", "float16", "complex", "bool", "str_vlen", "str_fixed", "compound", "enum",
    "array_dtype", "vlen_int", "opaque", "scalar", "empty", "gzip", "fill_only", "resizable", "compact",
    "refs", "time",
]


def info_text(info: nodes.NodeInfo) -> str:
    """Everything a user could see of a NodeInfo: its rows, its JSON and its repr."""
    return "\n".join(f"{k}: {v}" for k, v in info.rows()) + json.dumps(info.to_json()) + repr(info)


def rows_of(info: nodes.NodeInfo) -> dict[str, str]:
    return dict(info.rows())


# ---------------------------------------------------------------------------------------------
# order and paging


def test_natural_key_orders_numbers_by_value_and_ignores_case():
    names = ["img10", "img2", "Img1", "img1", "img02", "b", "A", "img", "x9y10", "x9y9"]
    random.Random(1).shuffle(names)
    assert sorted(names, key=natural_key) == [
        "A", "b", "img", "Img1", "img1", "img02", "img2", "img10", "x9y9", "x9y10",
    ]


def test_constants_match_the_sample(sample):
    assert (sample.secret_text, sample.far_secret, sample.many) == (SECRET_TEXT, FAR_SECRET, MANY)


def test_list_names_sorts_a_large_group_naturally(sample):
    names = nodes.list_names(str(sample.h5), "/many")
    assert names == [f"item{i}" for i in range(MANY)]


def test_native_order_of_an_untracked_group_is_not_natural(sample):
    native = nodes.list_names(str(sample.h5), "/many", sort=False)
    assert sorted(native) == sorted(f"item{i}" for i in range(MANY))
    assert native != [f"item{i}" for i in range(MANY)]


def test_paging_a_2000_member_group_returns_every_name_exactly_once(sample):
    seen = []
    start = 0
    while True:
        page = nodes.list_children(str(sample.h5), "/many", start, 300)
        if not page:
            break
        assert len(page) <= 300
        seen.extend(row.name for row in page)
        start += len(page)
    assert len(seen) == MANY and len(set(seen)) == MANY
    assert seen == nodes.list_names(str(sample.h5), "/many", sort=False), "pages follow native order"
    assert all(row.kind == nodes.GROUP and row.members == 0 for row in page)


def test_paging_past_the_end_and_empty_groups(sample):
    assert nodes.list_children(str(sample.h5), "/many", MANY, 100) == []
    assert len(nodes.list_children(str(sample.h5), "/many", MANY - 5, 100)) == 5
    assert nodes.list_children(str(sample.h5), "/empty_group") == []
    assert nodes.list_names(str(sample.h5), "/empty_group") == []
    assert nodes.count_children(str(sample.h5), "/empty_group") == 0


def test_groups_tracking_creation_order_page_in_creation_order(sample):
    rows = nodes.list_children(str(sample.h5), "/data", 0, 1000)
    assert [r.name for r in rows] == DATA_CREATION_ORDER
    assert [r.name for r in nodes.list_children(str(sample.h5), "/data", 5, 3)] == DATA_CREATION_ORDER[5:8]


def test_counts(sample):
    assert nodes.count_children(str(sample.h5), "/") == 9
    assert nodes.count_children(str(sample.h5), "/many") == MANY
    assert nodes.count_children(str(sample.h5), "/links/soft_group") == len(DATA_CREATION_ORDER)


def test_open_group_listing_gives_sorted_names_and_first_rows(sample):
    listing = nodes.open_group_listing(str(sample.h5), "/many", first=10)
    assert listing.names == tuple(f"item{i}" for i in range(MANY))
    assert [r.name for r in listing.first] == [f"item{i}" for i in range(10)]
    assert [r.path for r in listing.first][:2] == ["/many/item0", "/many/item1"]


def test_describe_children_of_given_names(sample):
    rows = nodes.describe_children(str(sample.h5), "/data", ["gzip", "no_such_thing", "str_vlen"])
    assert [r.kind for r in rows] == [nodes.DATASET, nodes.UNREADABLE, nodes.DATASET]
    assert rows[0].shape == (256, 256) and rows[0].dtype == "float32" and rows[0].shape_text == "256 x 256"
    assert rows[1].error
    assert rows[2].dtype == "string"


# ---------------------------------------------------------------------------------------------
# tree rows


def test_rows_of_every_kind(sample):
    f = str(sample.h5)
    rows = {r.name: r for r in nodes.list_children(f, "/")}
    assert rows["data"].kind == nodes.GROUP and rows["data"].shape_text == "21 members"
    assert rows["empty_group"].shape_text == "0 members"
    assert rows["mytype"].kind == nodes.DATATYPE and rows["mytype"].dtype == "compound"
    assert rows["vds_inside"].virtual and not rows["vds_inside"].external_storage
    assert rows["external_storage"].external_storage
    data = {r.name: r for r in nodes.list_children(f, "/data")}
    assert data["scalar"].shape == () and data["scalar"].shape_text == "scalar"
    assert data["empty"].shape is None and data["empty"].shape_text == "empty (no dataspace)"
    assert data["enum"].dtype == "enum int8"
    assert data["time"].kind == nodes.DATASET and data["time"].dtype == "unsupported time"


def test_link_rows_say_where_they_lead(sample):
    links = {r.name: r for r in nodes.list_children(str(sample.h5), "/links")}
    soft = links["soft"]
    assert (soft.kind, soft.target_kind, soft.link_target) == (nodes.SOFT_LINK, nodes.DATASET, "/data/u8")
    assert soft.shape == (64, 48) and soft.dtype == "uint8"
    assert links["relative"].link_target == "soft" and links["relative"].shape == (64, 48)
    assert links["soft_group"].is_group_like and links["soft_group"].members == len(DATA_CREATION_ORDER)
    assert links["dangling"].kind == nodes.DANGLING_LINK and "/nowhere" in links["dangling"].error
    assert links["cycle_a"].kind == nodes.DANGLING_LINK and "cycle" in links["cycle_a"].error
    ext = links["ext_inside"]
    assert (ext.kind, ext.link_file, ext.link_target) == (nodes.EXTERNAL_LINK, "other.h5", "/grp")
    assert links["ext_outside"].kind == nodes.EXTERNAL_LINK
    assert links["ext_missing"].kind == nodes.DANGLING_LINK and "missing.h5" in links["ext_missing"].error


def test_soft_links_into_external_links_are_not_followed(sample):
    links = {r.name: r for r in nodes.list_children(str(sample.h5), "/links")}
    for name in ("soft_to_ext", "soft_through_ext"):
        row = links[name]
        assert row.kind == nodes.SOFT_LINK and row.target_kind == nodes.EXTERNAL_LINK
        assert row.shape is None and row.dtype == "" and not row.is_group_like
        assert "far.h5" in row.error


def test_child_info_of_one_path(sample):
    assert nodes.child_info(str(sample.h5), "/").is_group_like
    assert nodes.child_info(str(sample.h5), "/links/soft").target_kind == nodes.DATASET
    with pytest.raises(NodeNotFoundError, match="/links/nothing"):
        nodes.child_info(str(sample.h5), "/links/nothing")


# ---------------------------------------------------------------------------------------------
# walk


def test_walk_lists_every_object_once_in_natural_order(sample):
    reports = []
    rows = progress.run(nodes.walk(str(sample.h5)), on_progress=reports.append)
    paths = [r.path for r in rows]
    assert len(paths) == len(set(paths))
    # /hard_again is the same group as /data: listed, but its members are not listed twice
    assert "/hard_again" in paths and not any(p.startswith("/hard_again/") for p in paths)
    assert sum(p.startswith("/many/") for p in paths) == MANY
    assert paths.index("/many/item2") < paths.index("/many/item10")
    assert paths[:3] == ["/data", "/data/array_dtype", "/data/bool"]
    assert reports and reports[-1].unit == "objects" and reports[-1].done == 2000


def test_walk_with_a_depth_limit_and_below_a_path(sample):
    top = progress.run(nodes.walk(str(sample.h5), max_depth=1))
    assert [r.path for r in top] == [f"/{r.name}" for r in top]
    below = progress.run(nodes.walk(str(sample.h5), "/links/soft_group"))
    assert [r.name for r in below] == sorted(DATA_CREATION_ORDER, key=natural_key)


def test_walk_can_be_cancelled(sample):
    calls = iter(range(10**6))
    with pytest.raises(CancelledError):
        progress.run(nodes.walk(str(sample.h5)), should_stop=lambda: next(calls) >= 1)


# ---------------------------------------------------------------------------------------------
# describe


def test_describe_root_and_groups(sample):
    root = nodes.describe(str(sample.h5))
    r = rows_of(root)
    assert r["Kind"] == "group" and r["Members"] == "9" and r["Attributes"] == "2"
    assert root.file_size == sample.h5.stat().st_size and r["File size"].endswith("MiB")
    many = rows_of(nodes.describe(str(sample.h5), "/many"))
    assert many["Members"] == "2,000"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/data/u8", {"Shape": "64 x 48", "Datatype": "uint8", "Layout": "contiguous", "Filters": "none",
                      "Elements": "3,072 (3.0 KiB)", "Attributes": "2", "Fill value": "0"}),
        ("/data/i16_be", {"Datatype": "int16 (big-endian)", "Value": "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"}),
        ("/data/str_vlen", {"Datatype": "vlen utf-8 string", "Value": "['alpha', 'beta', 'gämma']"}),
        ("/data/str_fixed", {"Datatype": "fixed-length ascii string (8 bytes)", "Value": "['abc', 'defghijk']"}),
        ("/data/compound", {"Datatype": "compound {x: float32, y: float32, name: 8-byte ascii string}"}),
        ("/data/enum", {"Datatype": "enum int8 {RED, GREEN, BLUE}", "Value": "[0, 1, 2, 1]"}),
        ("/data/bool", {"Datatype": "bool", "Value": "[ True, False, True]"}),
        ("/data/complex", {"Datatype": "complex64"}),
        ("/data/array_dtype", {"Shape": "5", "Datatype": "array [3] of float32", "Elements": "5 (60 bytes)"}),
        ("/data/vlen_int", {"Datatype": "vlen of int32"}),
        ("/data/opaque", {"Datatype": "opaque (4 bytes)"}),
        ("/data/refs", {"Datatype": "object reference"}),
        ("/data/scalar", {"Shape": "scalar", "Datatype": "float64", "Value": "2.5"}),
        ("/data/empty", {"Shape": "empty (no dataspace)", "Datatype": "float32"}),
        ("/data/compact", {"Layout": "compact", "Value": "[0, 1, 2, 3]"}),
        ("/data/resizable", {"Shape": "5 (max unlimited)", "Layout": "chunked", "Chunks": "5"}),
        ("/data/fill_only", {"Fill value": "-1", "Chunks": "100 x 100",
                             "Storage": "0 bytes (nothing written: all fill value)"}),
        ("/mytype", {"Kind": "committed datatype", "Datatype": "compound {a: int32, b: float64}"}),
        ("/vds_inside", {"Layout": "virtual", "Virtual source": "other.h5:/grp/values",
                         "Value": "[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]"}),
    ],
)
def test_describe_datasets(sample, path, expected):
    info = nodes.describe(str(sample.h5), path)
    got = rows_of(info)
    assert {k: got.get(k) for k in expected} == expected
    assert info.error == ""
    for _label, text in info.rows():
        assert "\n" not in text


def test_every_object_of_the_sample_can_be_described(sample):
    rows = progress.run(nodes.walk(str(sample.h5)))
    for row in rows:
        if row.path.startswith("/many/item") and row.name != "item7":
            continue
        info = nodes.describe(str(sample.h5), row.path)
        assert info.path == row.path and info.rows()


def test_describe_gzip_filters_storage_and_ratio(sample):
    info = nodes.describe(str(sample.h5), "/data/gzip")
    assert [(f.name, f.available) for f in info.filters] == [("shuffle", True), ("gzip", True)]
    assert info.filters[1].settings == "level 6" and info.filters[1].params == (6,)
    r = rows_of(info)
    assert r["Filters"] == "shuffle, gzip (level 6)"
    assert info.nbytes == 256 * 256 * 4 and 0 < info.storage_size < info.nbytes
    assert r["Storage"].endswith(f"(compression ratio {info.nbytes / info.storage_size:.2f})")
    assert info.ratio > 100, "all zeros compress well"
    assert "Value" not in r, "large datasets are not read by describe"


def test_uncompressed_datasets_show_no_ratio(sample):
    info = nodes.describe(str(sample.h5), "/data/u8")
    assert info.ratio is None and rows_of(info)["Storage"] == "3.0 KiB"


def test_unavailable_filter_is_named_and_data_not_read(sample):
    with h5py.File(sample.filters, "r") as f:  # the fixture really is unreadable
        with pytest.raises(OSError):
            f["unknown_filter"][:10]
    info = nodes.describe(str(sample.filters), "/unknown_filter")
    (flt,) = info.filters
    assert (flt.code, flt.available) == (32767, False)
    assert flt.text == "filter 32767 (unknown): not available"
    assert info.error == "cannot decompress the data: filter 32767 (unknown): not available"
    assert info.value is None and rows_of(info)["Problem"] == info.error


def test_optional_filter_skipped_when_written_is_not_a_problem(sample):
    info = nodes.describe(str(sample.filters), "/optional_missing")
    assert not info.filters[0].available and info.filters[0].optional
    assert info.error == "" and info.value == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"


def test_available_plugin_filters(sample):
    info = nodes.describe(str(sample.filters), "/lzf")
    assert [f.text for f in info.filters] == ["shuffle", "lzf"] and info.value is None


def test_filters_from_hdf5plugin_are_available(tmp_path):
    import hdf5plugin

    p = tmp_path / "z.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("z", data=np.zeros(1000), chunks=(100,), **hdf5plugin.Zstd(clevel=5))
        f.create_dataset("b", data=np.zeros(1000), chunks=(100,), **hdf5plugin.Blosc(cname="lz4", clevel=7))
    z = nodes.describe(str(p), "/z")
    assert [f.text for f in z.filters] == ["zstd (level 5)"] and z.error == ""
    b = nodes.describe(str(p), "/b")
    assert b.filters[0].text == "blosc (lz4, level 7, shuffle)"


def test_unreadable_datatype_is_described_not_raised(sample):
    info = nodes.describe(str(sample.h5), "/data/time")
    assert info.dtype == "unsupported datatype (time)"
    assert info.error == "h5py cannot read this dataset's datatype (time)"
    assert info.itemsize == 4 and rows_of(info)["Elements"] == "4 (16 bytes)"


# ---------------------------------------------------------------------------------------------
# links


def test_describe_soft_links(sample):
    soft = nodes.describe(str(sample.h5), "/links/soft")
    assert (soft.kind, soft.object_kind, soft.shape) == (nodes.SOFT_LINK, nodes.DATASET, (64, 48))
    r = rows_of(soft)
    assert r["Kind"] == "soft link to a dataset" and r["Link target"] == "/data/u8"
    rel = nodes.describe(str(sample.h5), "/links/relative")
    assert rel.shape == (64, 48)
    grp = nodes.describe(str(sample.h5), "/links/soft_group")
    assert rows_of(grp)["Kind"] == "soft link to a group" and grp.members == len(DATA_CREATION_ORDER)
    # a path *through* a soft link to a group
    assert nodes.describe(str(sample.h5), "/links/soft_group/u8").shape == (64, 48)


def test_dangling_soft_links_are_described_with_their_problem(sample):
    info = nodes.describe(str(sample.h5), "/links/dangling")
    assert info.kind == nodes.DANGLING_LINK
    assert rows_of(info)["Problem"] == "dangling soft link: nothing at /nowhere"
    cycle = nodes.describe(str(sample.h5), "/links/cycle_a")
    assert cycle.kind == nodes.DANGLING_LINK and "cycle" in cycle.error


def test_external_link_inside_the_folder_is_described_through(sample):
    info = nodes.describe(str(sample.h5), "/links/ext_inside")
    assert (info.kind, info.object_kind, info.members) == (nodes.EXTERNAL_LINK, nodes.GROUP, 1)
    r = rows_of(info)
    assert r["Kind"] == "external link to a group"
    assert r["Link target"] == "other.h5:/grp" and r["Target file"] == str(sample.other)
    assert not info.needs_confirmation
    assert nodes.external_link_target(str(sample.h5), "/links/ext_inside") == (str(sample.other), "/grp")


def test_external_link_outside_the_folder_needs_confirmation(sample):
    info = nodes.describe(str(sample.h5), "/links/ext_outside")
    assert info.kind == nodes.EXTERNAL_LINK and info.object_kind == "" and info.shape is None
    assert info.needs_confirmation and info.outside_files == (str(sample.far),)
    assert FAR_SECRET not in info_text(info)
    with pytest.raises(UnsafeAccessError) as exc:
        nodes.external_link_target(str(sample.h5), "/links/ext_outside")
    assert exc.value.targets == (str(sample.far),) and str(sample.far) in str(exc.value)
    # once the user confirmed
    assert nodes.external_link_target(str(sample.h5), "/links/ext_outside", allow_external=True) == (
        str(sample.far), "/secret_data",
    )
    confirmed = nodes.describe(str(sample.h5), "/links/ext_outside", allow_external=True)
    assert confirmed.object_kind == nodes.DATASET and not confirmed.needs_confirmation
    assert FAR_SECRET in confirmed.value


def test_external_link_to_a_missing_file_or_object(sample):
    info = nodes.describe(str(sample.h5), "/links/ext_missing")
    assert info.kind == nodes.DANGLING_LINK and "missing.h5" in info.error
    with pytest.raises(DanglingLinkError, match="missing.h5"):
        nodes.external_link_target(str(sample.h5), "/links/ext_missing")
    obj = nodes.describe(str(sample.h5), "/links/ext_missing_object")
    assert obj.kind == nodes.DANGLING_LINK and "/nothing_here" in obj.error
    with pytest.raises(BadRequestError, match="not an external link"):
        nodes.external_link_target(str(sample.h5), "/links/soft")


def test_soft_link_into_an_outside_external_link_is_not_followed(sample):
    for path in ("/links/soft_to_ext", "/links/soft_through_ext"):
        info = nodes.describe(str(sample.h5), path)
        assert info.kind == nodes.SOFT_LINK and info.object_kind == nodes.EXTERNAL_LINK
        assert "far.h5" in info.error and info.value is None
        assert FAR_SECRET not in info_text(info)
        assert rows_of(info)["Kind"] == "soft link to an external link"
    # even when confirmed: the GUI opens the external file itself, paths never traverse it
    info = nodes.describe(str(sample.h5), "/links/soft_to_ext", allow_external=True)
    assert FAR_SECRET not in info_text(info)


# ---------------------------------------------------------------------------------------------
# safety (issue point 8): data outside the file's folder is not read without asking


def test_external_raw_storage_is_described_but_not_read(sample):
    info = nodes.describe(str(sample.h5), "/external_storage")
    assert SECRET_TEXT not in info_text(info)
    assert info.layout == "external" and info.needs_confirmation and info.value is None
    assert info.external_files == ((str(sample.secret), 0, len(SECRET_TEXT)),)
    assert info.outside_files == (str(sample.secret),)
    r = rows_of(info)
    assert r["External file"] == f"{sample.secret} (offset 0, {len(SECRET_TEXT)} bytes)"
    assert r["Not read"] == f"data lives outside this file's folder: {sample.secret}"


def test_the_secret_never_shows_while_browsing(sample):
    f = str(sample.h5)
    everything = repr(progress.run(nodes.walk(f)))
    everything += repr(nodes.list_children(f, "/")) + repr(nodes.list_children(f, "/links"))
    everything += repr(nodes.open_group_listing(f, "/"))
    for row in progress.run(nodes.walk(f)):
        if not row.path.startswith("/many/"):
            everything += info_text(nodes.describe(f, row.path))
    assert SECRET_TEXT not in everything and "TOP-SECRET" not in everything
    assert FAR_SECRET not in everything


def test_confirmed_external_storage_is_read(sample):
    """The same call with the user's consent does show the data (so the test above can fail)."""
    info = nodes.describe(str(sample.h5), "/external_storage", allow_external=True)
    assert info.data_confirmed and not info.needs_confirmation
    assert SECRET_TEXT in info.value


def test_external_storage_relative_names_resolve_against_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "files").mkdir()
    (tmp_path / "cwd").mkdir()
    p = tmp_path / "files" / "relative_ext.h5"
    with h5py.File(p, "w") as fh:
        fh.create_dataset("d", shape=(4,), dtype="u1", external=[("raw.bin", 0, 4)])
    monkeypatch.chdir(tmp_path / "cwd")
    info = nodes.describe(str(p), "/d")
    expected = str(tmp_path / "cwd" / "raw.bin")
    assert info.outside_files == (expected,), "HDF5 reads it from there, not from the file's folder"
    assert info.needs_confirmation


def test_virtual_dataset_sources_outside_the_folder_need_confirmation(sample):
    info = nodes.describe(str(sample.h5), "/vds_outside")
    assert info.needs_confirmation and info.outside_files == (str(sample.far),) and info.value is None
    assert rows_of(info)["Virtual source"] == f"{sample.far}:/numbers"
    inside = nodes.describe(str(sample.h5), "/vds_inside")
    assert not inside.needs_confirmation and inside.outside_files == ()


# ---------------------------------------------------------------------------------------------
# bad input (issue point 7): an H5GuiError with one line naming the file and the path


@pytest.mark.parametrize("which", ["not_hdf5", "empty", "truncated", "missing"])
@pytest.mark.parametrize("call", ["describe", "list_children", "walk", "open_group_listing", "count_children"])
def test_bad_files_raise_one_line_errors(sample, which, call):
    path = getattr(sample, which)
    fn = getattr(nodes, call)
    with pytest.raises(FileAccessError) as exc:
        progress.run(fn(str(path), "/"))
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/nowhere", NodeNotFoundError, "No object /nowhere in"),
        ("/data/u8/deeper", NodeNotFoundError, "/data/u8/deeper"),
        ("/links/dangling/x", DanglingLinkError, "/links/dangling in"),
        ("/links/cycle_a/x", DanglingLinkError, "cycle"),
        ("/links/ext_inside/values", ExternalLinkError, "external link to other.h5:/grp"),
        ("/links/soft_to_ext/x", ExternalLinkError, "external link to ../outside/far.h5"),
        ("/data/../data", BadRequestError, "'..'"),
    ],
)
def test_bad_paths(sample, path, error, words):
    for fn in (nodes.describe, nodes.list_children):
        with pytest.raises(error) as exc:
            fn(str(sample.h5), path)
        msg = str(exc.value)
        assert words in msg and "\n" not in msg
        assert isinstance(exc.value, H5GuiError) and exc.value.exit_code != 0
        if error is not BadRequestError:
            assert str(sample.h5) in msg


def test_listing_a_dataset_or_a_link_that_is_not_a_group(sample):
    with pytest.raises(BadRequestError, match="/data/u8 in .* is not a group"):
        nodes.list_children(str(sample.h5), "/data/u8")
    with pytest.raises(DanglingLinkError, match="dangling soft link to /nowhere"):
        nodes.list_children(str(sample.h5), "/links/dangling")
    with pytest.raises(ExternalLinkError, match="open that file"):
        nodes.list_children(str(sample.h5), "/links/ext_outside_group")


def test_big_groups_list_a_first_page_at_once_and_sort_the_names_apart(tmp_path) -> None:
    import h5py as _h5py

    from h5gui.core import nodes as _nodes

    path = tmp_path / "big.h5"
    n = _nodes.QUICK_OVER + 50
    with _h5py.File(path, "w") as f:
        g = f.create_group("g")
        for i in range(n):
            g.create_group(f"m{i}")
    listing = _nodes.open_group_listing(str(path), "/g", first=10)
    assert not listing.complete and len(listing.first) == 10
    names = _nodes.list_names(str(path), "/g")
    assert len(names) == n
    assert names[:3] == ["m0", "m1", "m2"] and names[-1] == f"m{n - 1}"
