"""Attributes through HSDS: the same records as the local table, bulk reads, edits read back."""

from __future__ import annotations

import pytest

from h5gui.core import attrs as local_attrs
from h5gui.core.errors import NodeNotFoundError
from h5gui.core.hsds import attrs, browse, session
from h5gui.core.hsds.client import HsdsClient

PATHS = ["/", "/meta", "/mnist", "/mnist/labels", "/mnist/images", "/images/rgb", "/images/gray", "/signals/sine"]


@pytest.mark.parametrize("path", PATHS)
def test_attrs_equal_local(demo_domain, demo_file, path):
    assert attrs.list_attrs(demo_domain, path) == local_attrs.list_attrs(str(demo_file), path)


def test_bulk_attrs_one_request(demo_domain, demo_file, hsds_client):
    session.refresh(demo_domain)
    for p in PATHS:  # ids known: only the attributes are counted
        session.open_domain(demo_domain).resolve(p)
    n0 = hsds_client.stats().requests
    got = attrs.list_attrs_many(demo_domain, PATHS)
    assert hsds_client.stats().requests - n0 <= 1 + len(PATHS)  # one POST, plus each object's JSON for its order
    for p in PATHS:
        assert got[p] == local_attrs.list_attrs(str(demo_file), p)


def test_edit_read_back_through_fresh_connection(hsds_server, demo_file):
    from h5gui.core.hsds import transfer
    from h5gui.core.hsds.client import load_config
    from h5gui.core.progress import run

    c = HsdsClient(load_config(hsds_server.endpoint, "admin", "admin"))
    uri = "hdf5://home/admin/edits.h5"
    run(transfer.upload(demo_file, uri, client=c, overwrite=True))
    d = session.open_domain(uri, c)
    info = attrs.set_attr(d, "/meta", "exposures", "250")
    assert info.edit_text == "250" and info.dtype == "int32"
    attrs.set_attr(d, "/meta", "gain", "[1.5, 2.5]", "float64")
    attrs.rename_attr(d, "/meta", "instrument", "camera")
    assert attrs.delete_attrs(d, "/meta", ["observer", "nothing"]) == 1
    attrs.create_group(d, "/new_group")
    attrs.delete(d, "/images")
    fresh = HsdsClient(load_config(hsds_server.endpoint, "admin", "admin"))
    got = {a.name: a for a in attrs.list_attrs(session.open_domain(uri, fresh), "/meta")}
    assert got["exposures"].value == "250" and got["gain"].edit_text == "[1.5, 2.5]"
    assert got["camera"].value == "demo camera" and "instrument" not in got and "observer" not in got
    names = browse.list_names(session.open_domain(uri, fresh), "/")
    assert "new_group" in names and "images" not in names
    with pytest.raises(NodeNotFoundError):
        attrs.rename_attr(d, "/meta", "nothing", "x")
    c.close()
    fresh.close()
