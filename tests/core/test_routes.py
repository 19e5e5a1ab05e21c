"""Jobs named by the local core's references reach the HSDS backend for hdf5:// domains."""

from __future__ import annotations

import pytest

from h5gui.core import api, routes
from h5gui.core.attrs.records import AttrEdit
from h5gui.core.errors import BadRequestError


def test_local_files_and_urls_keep_their_function() -> None:
    for file in ("/data/f.h5", "s3://bucket/f.h5", "https://host/f.h5"):
        assert routes.route(api.nodes.describe, (file, "/")) == (api.nodes.describe, (file, "/"))


def test_domains_go_to_the_hsds_twin_and_the_rest_is_refused_in_one_line() -> None:
    dom = "hdf5://home/u/f.h5"
    ref, args = routes.route(api.nodes.describe, (dom, "/x"))
    assert (ref.module, ref.name, args) == ("h5gui.core.hsds", "describe", (dom, "/x"))
    ref, _ = routes.route(api.attrs.apply, ((AttrEdit(dom, "/"),),))
    assert ref.module == "h5gui.core.hsds.twins"
    assert routes.route(api.remote.download, (dom, "/tmp/x.h5"))[0] == api.remote.download
    ref, args = routes.route(api.structure.compact, (dom,))
    assert ref == routes.NOT_FOR_HSDS
    with pytest.raises(BadRequestError, match="compacting .* is not available for HSDS domains yet"):
        routes.not_for_hsds(*args, overwrite=True)


def test_every_twin_resolves() -> None:
    pytest.importorskip("requests_unixsocket", reason="the hsds extra is not installed")
    for twin in routes.HSDS_TWINS.values():
        assert callable(twin.resolve()), twin


def test_a_paste_that_touches_a_domain_goes_to_the_twin() -> None:
    from h5gui.core.attrs.records import AttrValue

    dom, local = "hdf5://home/u/f.h5", "/data/f.h5"
    assert routes.route(api.attrs.paste, ([(local, "/")], [AttrValue("a", 1)]))[0] == api.attrs.paste
    for targets, values in (([(local, "/"), (dom, "/x")], [AttrValue("a", 1)]),  # a domain among the targets
                            ([(local, "/")], [AttrValue("a", {}, b"hsds-json", dom)])):  # copied from a domain
        ref, args = routes.route(api.attrs.paste, (targets, values))
        assert (ref.module, ref.name, args) == ("h5gui.core.hsds.paste", "paste", (targets, values))
    ref, _ = routes.route(api.attrs.apply, ((AttrEdit(local, "/"), AttrEdit(dom, "/")),))  # its undo
    assert ref.module == "h5gui.core.hsds.twins"
