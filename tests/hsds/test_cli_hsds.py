"""``h5gui-cli`` on HSDS domains (issue 15 item 1): the same commands, the same output as the local file."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.hsds


def test_ls_info_attrs_show_match_the_local_file(hs_env, demo_domain, demo_file, cli):
    for args in (["ls"], ["ls", "/mnist"], ["info", "/mnist/images"], ["attrs", "/"], ["show", "/signals/sine"]):
        code, remote, err = cli(args[0], demo_domain, *args[1:], "--in-process")
        assert code == 0, err
        code, local, _ = cli(args[0], demo_file, *args[1:], "--in-process")
        if args[0] == "info":
            keep = ("Kind", "Shape", "Datatype", "Chunks", "Attributes")
            remote = [line for line in remote.splitlines() if line.startswith(keep)]
            local = [line for line in local.splitlines() if line.startswith(keep)]
        assert remote == local, args


def test_ls_recursive_and_the_reader_process(hs_env, demo_domain, cli):
    code, out, err = cli("ls", "-r", demo_domain)
    assert code == 0 and "/mnist/images" in out and "/signals/sine" in out, err


def test_what_is_not_there_yet_says_so(hs_env, demo_domain, cli):
    code, _, err = cli("snippet", demo_domain, "/mnist/images")
    assert code != 0 and len(err.splitlines()) == 1


def test_mv_and_rm_edit_a_domain(hs_env, hsds_client, demo_file, cli):
    from h5gui.core.hsds import browse, transfer
    from h5gui.core.progress import run

    domain = "hdf5://home/admin/cli-structure.h5"
    run(transfer.upload(demo_file, domain, overwrite=True))
    code, out, err = cli("mv", domain, "/images/gray", "/meta/")
    assert code == 0 and out.strip() == f"moved /images/gray to /meta/gray in {domain}", err
    code, out, err = cli("rm", domain, "/mnist")
    assert code == 0 and out.strip() == "Deleted group /mnist", err
    code, out, err = cli("mv", domain, "/meta/gray", "/images/rgb")
    assert code != 0 and "already exists" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli("mkgroup", domain, "/runs/2024/a")
    assert code == 0 and out.strip() == f"created group /runs/2024/a in {domain}", err
    code, out, err = cli("mv", domain, "/signals", "/archive/old/", "--parents")
    assert code == 0 and out.strip() == f"moved /signals to /archive/old/signals in {domain}", err
    from h5gui.core.hsds import session

    session.refresh(domain)
    assert "gray" in browse.list_names(domain, "/meta") and "mnist" not in browse.list_names(domain, "/")
    assert browse.list_names(domain, "/runs/2024") == ["a"] and "sine" in browse.list_names(domain, "/archive/old/signals")


def test_ln_links_into_a_domain(hs_env, domain, cli):
    """h5gui-cli ln on a domain makes the links the GUI's New soft/external link... makes there."""
    code, out, err = cli("ln", domain, "/links/gray", "/images/gray", "-p")
    assert code == 0 and out.strip() == f"created soft link /links/gray -> /images/gray in {domain}", err
    code, out, err = cli("ln", domain, "/links/outside", "--external", "other.h5:/data")
    assert code == 0 and out.strip() == f"created external link /links/outside -> other.h5:/data in {domain}", err
    code, out, err = cli("ln", domain, "/links/gray", "/mnist")
    assert code != 0 and "already exists" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli("ls", domain, "/links")
    assert code == 0 and "gray" in out and "outside" in out, err
    code, out, err = cli("info", domain, "/links/gray")
    assert code == 0 and "uint8" in out, err
