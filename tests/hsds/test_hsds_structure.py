"""Rename, move and delete of objects in an HSDS domain, read back through a fresh connection; a delete
is undone by linking the same object again; a user without write permission gets one line."""

from __future__ import annotations

import pytest

from h5gui.core.errors import BadRequestError, NodeNotFoundError, ReadOnlyError
from h5gui.core.hsds import browse, session
from h5gui.core.hsds import structure as hstructure
from h5gui.core.hsds.client import HsdsClient, load_config


@pytest.fixture()
def domain(hsds_server, demo_file):
    from h5gui.core.hsds import transfer
    from h5gui.core.progress import run

    c = HsdsClient(load_config(hsds_server.endpoint, "admin", "admin"))
    uri = "hdf5://home/admin/structure.h5"
    run(transfer.upload(demo_file, uri, client=c, overwrite=True))
    yield session.open_domain(uri, c)
    c.close()


def fresh_names(server, uri: str, path: str) -> list[str]:
    c = HsdsClient(load_config(server.endpoint, "admin", "admin"))
    try:
        return browse.list_names(session.open_domain(uri, c), path)
    finally:
        c.close()


def test_rename_and_move_keep_the_object(hsds_server, domain):
    before = browse.describe(domain, "/images/gray")
    row = hstructure.rename(domain, "/images/gray", "grey")
    assert row.path == "/images/grey" and row.kind == "dataset" and row.shape == (128, 128)
    got = fresh_names(hsds_server, domain.uri, "/images")
    assert "grey" in got and "gray" not in got
    row = hstructure.move(domain, "/images/grey", "/meta/")
    assert row.path == "/meta/grey"
    assert "grey" in fresh_names(hsds_server, domain.uri, "/meta")
    assert "grey" not in fresh_names(hsds_server, domain.uri, "/images")
    assert browse.describe(domain, "/meta/grey").shape == before.shape
    with pytest.raises(NodeNotFoundError):
        browse.describe(domain, "/images/gray")
    with pytest.raises(BadRequestError, match="into itself"):
        hstructure.move(domain, "/images", "/images/")
    with pytest.raises(BadRequestError, match="already exists"):
        hstructure.move(domain, "/meta/grey", "/images/rgb")
    hstructure.rename(domain, "/images", "pictures")  # a whole group moves with its members
    assert "rgb" in fresh_names(hsds_server, domain.uri, "/pictures")


def test_delete_then_relink_undoes_it(hsds_server, domain):
    info = hstructure.delete_info(domain, "/mnist")
    assert info.kind == "group" and info.objects == 2 and info.datasets == 2
    assert info.text.startswith("Delete group /mnist (2 objects inside)?")
    oid = hstructure.link_id(domain, "/mnist")
    report = hstructure.delete(domain, "/mnist")
    assert report.text == "Deleted group /mnist"
    assert "mnist" not in fresh_names(hsds_server, domain.uri, "/")
    row = hstructure.relink(domain, "/mnist", oid)  # undo: the same object, with its members
    assert row.kind == "group"
    assert fresh_names(hsds_server, domain.uri, "/mnist") == ["images", "labels"]
    with pytest.raises(NodeNotFoundError):
        hstructure.delete(domain, "/no_such")


def test_without_write_permission_one_line(hsds_server, domain):
    # "reader" may read this domain, not change it
    domain.call("PUT", "/acls/reader", body={"create": False, "read": True, "update": False, "delete": False,
                                             "readACL": False, "updateACL": False})
    other = HsdsClient(load_config(hsds_server.endpoint, "reader", "reader"))
    d = session.open_domain(domain.uri, other)
    assert "meta" in browse.list_names(d, "/")
    for change in (lambda: hstructure.rename(d, "/meta", "m"), lambda: hstructure.delete(d, "/meta"),
                   lambda: hstructure.move(d, "/meta", "/images/"), lambda: hstructure.create_group(d, "/new")):
        with pytest.raises(ReadOnlyError, match=r"no permission to change this domain \(403\)$") as err:
            change()
        assert "\n" not in str(err.value)
    assert sorted(fresh_names(hsds_server, domain.uri, "/")) == sorted(browse.list_names(domain, "/"))
    assert "meta" in fresh_names(hsds_server, domain.uri, "/") and "new" not in fresh_names(hsds_server, domain.uri, "/")
    other.close()


def test_soft_links_are_made_moved_and_deleted_as_links(hsds_server, domain):
    row = hstructure.create_soft_link(domain, "/shortcut", "/images/gray")
    assert row.kind == "soft_link" and row.link_target == "/images/gray"
    row = hstructure.move(domain, "/shortcut", "/meta/")
    assert row.path == "/meta/shortcut" and row.link_target == "/images/gray"
    assert hstructure.link_id(domain, "/meta/shortcut") == ""  # its undo makes it again from its target
    assert hstructure.delete(domain, "/meta/shortcut").text == "Deleted soft link /meta/shortcut"
    assert "gray" in fresh_names(hsds_server, domain.uri, "/images")  # the target stays
    assert "shortcut" not in fresh_names(hsds_server, domain.uri, "/meta")
    with pytest.raises(BadRequestError, match="already exists"):
        hstructure.create_group(domain, "/meta")
    assert hstructure.create_group(domain, "/x/y/z", parents=True).path == "/x/y/z"


def test_links_with_parents_make_the_missing_groups_as_in_a_file(hsds_server, domain):
    # parents=True was accepted and dropped: the link was refused because /links did not exist
    row = hstructure.create_soft_link(domain, "/links/soft/gray", "/images/gray", parents=True)
    assert (row.path, row.kind) == ("/links/soft/gray", "soft_link")
    row = hstructure.create_external_link(domain, "/links/ext/other", "hdf5://home/admin/x.h5", "/a", parents=True)
    assert row.path == "/links/ext/other"
    assert fresh_names(hsds_server, domain.uri, "/links") == ["ext", "soft"]
    with pytest.raises(NodeNotFoundError):
        hstructure.create_soft_link(domain, "/nowhere/gray", "/images/gray")
