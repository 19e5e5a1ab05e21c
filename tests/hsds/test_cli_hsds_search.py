"""``h5gui-cli find hdf5://... PATTERN --attrs`` (issue 15): attribute hits on a domain, the lines the
local file gives."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.hsds


@pytest.mark.parametrize("where", [["--in-process"], []])  # in this process, and through the reader process
def test_find_attrs_on_a_domain_prints_the_local_hits(hs_env, demo_domain, demo_file, cli, where):
    code, remote, err = cli("find", demo_domain, "demo", "--attrs", *where)
    assert code == 0, err
    assert "/meta (group): attribute instrument = demo camera" in remote.splitlines()
    assert "not available" not in err
    code, local, _ = cli("find", demo_file, "demo", "--attrs", *where)
    assert sorted(remote.splitlines()) == sorted(local.splitlines())


def test_find_attrs_json_and_max(hs_env, demo_domain, cli):
    code, out, err = cli("find", demo_domain, "IMAGE_", "--attrs", "--json", "--in-process")
    assert code == 0, err
    hits = json.loads(out)
    assert {(h["path"], h["match"], h["attr"]) for h in hits} >= {("/images/gray", "attr_name", "IMAGE_VERSION"),
                                                                 ("/images/rgb", "attr_name", "IMAGE_VERSION")}
    code, out, err = cli("find", demo_domain, "image", "--attrs", "--max", "2", "--in-process")
    assert code == 0 and len(out.splitlines()) == 2 and "stopped after 2 results" in err
