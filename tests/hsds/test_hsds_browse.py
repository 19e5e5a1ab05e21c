"""The HSDS backend gives the same tree rows and details as the local core for the same file."""

from __future__ import annotations

import dataclasses

import pytest

from h5gui.core import nodes
from h5gui.core.errors import NodeNotFoundError
from h5gui.core.hsds import browse

GROUPS = ["/", "/meta", "/mnist", "/images", "/signals"]
OBJECTS = ["/", "/meta", "/latest", "/mnist/images", "/mnist/labels", "/signals/sine", "/signals/waves_gzip",
           "/meta/catalogue", "/meta/colours", "/meta/notes", "/images/rgb", "/images/gray"]
# what HSDS cannot know as the local file does: the file's size, storage (HSDS compresses its own
# chunks, and reports it only once its background scan has run), whether a filter is optional and
# the shuffle filter's element size (HDF5 fills it in when writing)
REMOTE_ONLY = {"file", "file_size", "storage_size", "filters"}


@pytest.mark.parametrize("path", GROUPS)
def test_listing_equals_local(demo_domain, demo_file, path):
    # native order: HSDS's creation order (kept by the upload) or name order; HDF5's native order of
    # a compact group that tracks creation order is its own (name order here), so compare as sets
    remote = browse.list_children(demo_domain, path)
    local = nodes.list_children(str(demo_file), path)
    key = lambda r: r.path  # noqa: E731
    assert sorted((dataclasses.replace(r, file=str(demo_file)) for r in remote), key=key) == sorted(local, key=key)
    listing = browse.open_group_listing(demo_domain, path)
    expected = nodes.open_group_listing(str(demo_file), path)
    assert listing.names == expected.names and listing.complete == expected.complete
    assert [dataclasses.replace(r, file=str(demo_file)) for r in listing.first] == list(expected.first)


@pytest.mark.parametrize("path", OBJECTS)
def test_describe_equals_local(demo_domain, demo_file, path):
    remote = browse.describe(demo_domain, path)
    local = nodes.describe(str(demo_file), path)
    for f in dataclasses.fields(local):
        if f.name not in REMOTE_ONLY:
            assert getattr(remote, f.name) == getattr(local, f.name), f.name
    assert [(x.code, x.name, x.settings) for x in remote.filters] == [(x.code, x.name, x.settings) for x in local.filters]
    assert remote.file == demo_domain


def test_child_info_and_names(demo_domain, demo_file):
    assert dataclasses.replace(browse.child_info(demo_domain, "/latest"), file=str(demo_file)) == nodes.child_info(
        str(demo_file), "/latest")
    assert browse.list_names(demo_domain, "/meta") == nodes.list_names(str(demo_file), "/meta")
    assert browse.count_children(demo_domain, "/") == nodes.count_children(str(demo_file), "/")


def test_missing_path_is_one_line(demo_domain):
    with pytest.raises(NodeNotFoundError) as err:
        browse.describe(demo_domain, "/meta/nothing")
    assert str(err.value).startswith("hdf5://home/admin/demo.h5:/meta/nothing")
    assert "\n" not in str(err.value)
