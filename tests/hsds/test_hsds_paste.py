"""Paste of attributes onto HSDS domains (issue 15): the job the GUI names (``api.attrs.paste``) reaches its
HSDS twin, gives the same attributes as the local paste of the same values, read back through a fresh
connection, and undoes and redoes like the local one."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from h5gui.core import api, routes
from h5gui.core import attrs as local_attrs
from h5gui.core.attr_edits import paste as local_paste
from h5gui.core.errors import BadRequestError
from h5gui.core.hsds import attrs as hattrs
from h5gui.core.hsds import session
from h5gui.core.hsds.client import HsdsClient, load_config
from h5gui.core.progress import run

TARGETS = ["/signals/sine", "/images"]



@pytest.fixture
def local_copy(demo_file, tmp_path):
    return str(shutil.copy(demo_file, tmp_path / "demo.h5"))


@pytest.fixture
def fresh(hsds_server):
    c = HsdsClient(load_config(hsds_server.endpoint, hsds_server.username, hsds_server.password))
    yield lambda uri, path: hattrs.list_attrs(session.open_domain(uri, c), path)
    c.close()


def _routed(ref, *args):
    fn, routed = routes.route(ref, args)
    assert fn.module.startswith("h5gui.core.hsds"), fn
    return fn.resolve()(*routed)


def _copied_from_domain(uri, path):
    return _routed(api.attrs.get_attr_values, uri, path)  # what Copy in the Attributes tab keeps


@pytest.mark.parametrize("copied_from", ["domain", "local file"])
def test_paste_gives_the_local_attributes_and_undoes(domain, local_copy, demo_file, fresh, copied_from):
    values = (_copied_from_domain(domain, "/meta") if copied_from == "domain"
              else local_attrs.get_attr_values(str(demo_file), "/meta"))
    assert len(values) >= 5
    local = run(local_paste([(local_copy, p) for p in TARGETS], local_attrs.get_attr_values(str(demo_file), "/meta")))
    result = run(_routed(api.attrs.paste, [(domain, p) for p in TARGETS], values))
    assert result.count == 2 and result.description == local.description
    assert result.attrs == local.attrs
    pasted = {p: local_attrs.list_attrs(local_copy, p) for p in TARGETS}
    for p in TARGETS:  # read back through another connection: what the server stores
        assert fresh(domain, p) == pasted[p] != local_attrs.list_attrs(str(demo_file), p)
    _routed(api.attrs.apply, result.undo)  # Edit > Undo
    for p in TARGETS:
        assert fresh(domain, p) == local_attrs.list_attrs(str(demo_file), p)
    _routed(api.attrs.apply, result.redo)  # Edit > Redo
    for p in TARGETS:
        assert fresh(domain, p) == pasted[p]


def test_paste_from_a_domain_onto_a_local_file_and_a_domain_at_once(domain, local_copy, demo_file, fresh):
    values = _copied_from_domain(domain, "/mnist/labels")
    result = run(_routed(api.attrs.paste, [(local_copy, "/meta"), (domain, "/meta")], values))
    expected = {a.name: a for a in local_attrs.list_attrs(str(demo_file), "/mnist/labels")}
    got_local = {a.name: a for a in local_attrs.list_attrs(local_copy, "/meta")}
    got_domain = {a.name: a for a in fresh(domain, "/meta")}
    for name, info in expected.items():
        assert got_local[name] == info and got_domain[name] == info
    _routed(api.attrs.apply, result.undo)
    assert local_attrs.list_attrs(local_copy, "/meta") == local_attrs.list_attrs(str(demo_file), "/meta")
    assert fresh(domain, "/meta") == local_attrs.list_attrs(str(demo_file), "/meta")


def test_references_are_refused_before_anything_is_written(domain, tmp_path, fresh, demo_file):
    src = tmp_path / "refs.h5"
    with h5py.File(src, "w") as f:
        f["data"] = np.arange(3)
        f.attrs["a_plain"] = 1
        f.attrs["target"] = f["data"].ref
    values = local_attrs.get_attr_values(str(src), "/")
    with pytest.raises(BadRequestError, match="references"):
        run(_routed(api.attrs.paste, [(domain, "/meta")], values))
    assert fresh(domain, "/meta") == local_attrs.list_attrs(str(demo_file), "/meta")


def test_attributes_of_every_type_paste_as_locally(domain, local_copy, tmp_path, fresh):
    """Strings (UTF-8, ASCII, fixed length), integers of every size and byte order, floats with NaN and
    infinities (HSDS writes them as NaN/Infinity: read, and read back equal), complex, booleans, enums,
    compounds and empty attributes give the same records on a domain as in a file."""
    src = tmp_path / "types.h5"
    with h5py.File(src, "w") as f:
        a = f.attrs
        a["vlen_utf8"] = "héllo"
        a.create("vlen_ascii", "abc", dtype=h5py.string_dtype("ascii"))
        a.create("fixed", np.bytes_("fixed"), dtype=h5py.string_dtype("ascii", 8))
        a["str_array"] = ["a", "bb", "ccc"]
        a["i8"] = np.int8(-3)
        a.create("be_i32", np.arange(4, dtype=">i4"))
        a["u64"] = np.uint64(2**63 + 5)
        a["f32"] = np.float32(1.5)
        a["f64_2d"] = np.arange(6.0).reshape(2, 3)
        a["c128"] = np.complex128(1 + 2j)
        a["bools"] = np.array([True, False])
        a.create("enum", 1, dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="i1"))
        a["compound"] = np.array([(1, 2.5)], dtype=[("a", "i4"), ("b", "f8")])
        a["empty"] = h5py.Empty("f4")
        a["nan"] = np.float64("nan")
        a["infs"] = np.array([np.inf, -np.inf, np.nan, 1.0])
    values = local_attrs.get_attr_values(str(src), "/")
    run(local_paste([(local_copy, "/images")], values))
    result = run(_routed(api.attrs.paste, [(domain, "/images")], values))
    assert fresh(domain, "/images") == local_attrs.list_attrs(local_copy, "/images") == list(result.attrs)
    _routed(api.attrs.apply, result.undo)
    assert not {v.name for v in values} & {a.name for a in fresh(domain, "/images")}
