"""``h5gui-cli attrs`` edits on HSDS domains: --set, --rename, --delete go through the GUI's HSDS edits
(:mod:`h5gui.core.hsds.twins`), and --copy-from pastes between files and domains in any direction through
the GUI's paste (its HSDS twin), read back here through another connection (what the server stores)."""

from __future__ import annotations

import itertools
import shutil

import h5py
import numpy as np
import pytest
from clitools import one_error

from h5gui.core import attrs as local_attrs
from h5gui.core.hsds import attrs as hattrs
from h5gui.core.hsds import session, transfer
from h5gui.core.hsds.client import HsdsClient, load_config
from h5gui.core.progress import run

pytestmark = pytest.mark.hsds
_count = itertools.count()



@pytest.fixture
def fresh(hsds_server):
    """The attributes the server stores, read through a connection of their own: ``{name: AttrInfo}``."""
    c = HsdsClient(load_config(hsds_server.endpoint, hsds_server.username, hsds_server.password))
    yield lambda uri, path: {a.name: a for a in hattrs.list_attrs(session.open_domain(uri, c), path)}
    c.close()


def test_set_rename_delete_edit_a_domain(hs_env, domain, fresh, cli):
    code, out, err = cli("attrs", domain, "/meta", "--set", "site=Grenoble", "--set", "observer=Ada")
    assert code == 0, err
    assert out.splitlines() == ["set site = Grenoble (vlen utf-8 string, scalar)",
                                "set observer = Ada (vlen utf-8 string, scalar)"]
    code, out, err = cli("attrs", domain, "/meta", "--set", "exposures=250", "--set", "gain=[1, 2]", "--type", "uint8")
    assert code == 0 and out.splitlines() == ["set exposures = 250 (uint8, scalar)", "set gain = [1, 2] (uint8, 2)"], err
    stored = fresh(domain, "/meta")
    assert stored["exposures"].value == "250" and stored["site"].value == "Grenoble"
    assert stored["exposures"].dtype == "uint8" and stored["observer"].value == "Ada"
    assert stored["gain"].dtype == "uint8" and stored["gain"].shape == (2,)
    code, out, err = cli("attrs", domain, "/meta", "--rename", "observer", "who", "--delete", "calibrated")
    assert code == 0 and out.splitlines() == ["renamed observer -> who", "deleted calibrated"], err
    stored = fresh(domain, "/meta")
    assert stored["who"].value == "Ada" and "observer" not in stored and "calibrated" not in stored


def test_set_keeps_the_stored_type_on_a_domain(hs_env, domain, fresh, cli):
    code, out, err = cli("attrs", domain, "/meta", "--set", "exposures=42")
    assert code == 0 and out == "set exposures = 42 (int32, scalar)\n", err
    assert fresh(domain, "/meta")["exposures"].dtype == "int32"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--delete", "instrument", "--delete", "nope"], 3, ["no attribute nope"]),
        (["--rename", "nope", "x"], 3, ["no attribute nope"]),
        (["--rename", "instrument", "exposures"], 2, ["exposures already exists"]),
        (["--set", "exposures=1.5"], 2, ["1.5 is not an integer"]),
    ],
)
def test_refusals_on_a_domain_are_one_line_and_change_nothing(hs_env, domain, fresh, cli, args, code, words):
    before = fresh(domain, "/meta")
    got, out, err = cli("attrs", domain, "/meta", *args)
    assert got == code and out == ""
    one_error(err, *words)
    assert fresh(domain, "/meta") == before


def test_fixed_length_strings_on_a_domain_as_in_a_file(hs_env, domain, demo_file, fresh, cli, tmp_path):
    # --fixed-length stores a fixed-length string on a domain as it does in a file (it was dropped
    # silently by the GUI's edit on domains), and a later --set without it keeps the stored kind
    local = str(shutil.copy(demo_file, tmp_path / "demo.h5"))
    for target in (domain, local):
        code, out, err = cli("attrs", target, "/meta", "--set", "code=ABC123", "--fixed-length")
        assert code == 0, err
    with h5py.File(local, "r") as f:
        want = f["meta"].attrs.get_id("code").dtype
    assert want.kind == "S" and want.itemsize == 6
    mine = {a.name: a for a in local_attrs.list_attrs(local, "/meta")}["code"]
    theirs = fresh(domain, "/meta")["code"]
    assert theirs.fixed_length and (theirs.dtype, theirs.value) == (mine.dtype, mine.value)
    code, out, err = cli("attrs", domain, "/meta", "--set", "code=XYZ")
    assert code == 0, err
    assert fresh(domain, "/meta")["code"].fixed_length and fresh(domain, "/meta")["code"].value == "XYZ"


def test_paste_from_a_file_onto_a_domain_and_back(hs_env, domain, demo_file, fresh, cli, tmp_path):
    local = str(shutil.copy(demo_file, tmp_path / "demo.h5"))
    code, out, err = cli("attrs", domain, "/images", "--copy-from", demo_file, "/meta")
    assert code == 0, err
    assert out.splitlines() == [f"pasted {a.name}" for a in local_attrs.list_attrs(str(demo_file), "/meta")]
    stored = fresh(domain, "/images")
    for a in local_attrs.list_attrs(str(demo_file), "/meta"):
        assert stored[a.name] == a
    # and from the domain onto a local file: the same records
    code, out, err = cli("attrs", local, "/signals", "--copy-from", domain, "/mnist/labels")
    assert code == 0 and out == "pasted class_names\n", err
    with h5py.File(local, "r") as f:
        assert list(f["signals"].attrs["class_names"]) == ["zero", "one", "two", "three", "four", "five", "six",
                                                          "seven", "eight", "nine"]


def test_paste_between_domains_refuses_taken_names_unless_overwrite(hs_env, domain, demo_file, fresh, cli):
    other = f"hdf5://home/admin/cli-attrs-other-{next(_count)}.h5"
    run(transfer.upload(demo_file, other, overwrite=True))
    cli("attrs", other, "/meta", "--set", "instrument=other camera")
    before = fresh(domain, "/meta")
    code, out, err = cli("attrs", domain, "/meta", "--copy-from", other, "/meta", "--name", "instrument")
    assert code == 2 and out == ""
    one_error(err, "already has instrument", "--overwrite")
    assert fresh(domain, "/meta") == before
    code, out, err = cli("attrs", domain, "/meta", "--copy-from", other, "/meta", "--name", "instrument",
                         "--overwrite")
    assert code == 0 and out == "replaced instrument\n", err
    assert fresh(domain, "/meta")["instrument"].value == "other camera"


def test_references_are_not_pasted_onto_a_domain(hs_env, domain, fresh, cli, tmp_path):
    src = tmp_path / "refs.h5"
    with h5py.File(src, "w") as f:
        f["data"] = np.arange(3)
        f.attrs["plain"] = 1
        f.attrs["target"] = f["data"].ref
    before = fresh(domain, "/meta")
    code, out, err = cli("attrs", domain, "/meta", "--copy-from", src, "/")
    assert code == 2 and out == ""
    one_error(err, "attribute target holds references", "cannot be pasted")
    assert fresh(domain, "/meta") == before
