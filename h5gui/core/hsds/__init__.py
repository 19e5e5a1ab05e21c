"""HSDS domains (the HDF Group's REST service) at the level of h5gui's snapshot records.

Every function takes a domain address (``'hdf5://home/user/file.h5'``) or a
:class:`~h5gui.core.hsds.domain.Domain` where the local core takes a file name, and returns the
same records (:class:`~h5gui.core.nodes.ChildInfo`, ``GroupListing``, ``NodeInfo``, ``AttrInfo``,
``PreviewInfo``, ``ImageSlice``, ``TableBlock``, ``PlotData``, ``SearchHit``). Qt-free; needs the
``hsds`` extra (``requests-unixsocket``, which h5pyd brings) only when imported.
"""

from __future__ import annotations

from h5gui.core.hsds.attrs import (
    create_group,
    delete,
    delete_attrs,
    list_attrs,
    list_attrs_many,
    rename_attr,
    set_attr,
)
from h5gui.core.hsds.browse import (
    child_info,
    count_children,
    describe,
    describe_children,
    list_children,
    list_names,
    open_group_listing,
)
from h5gui.core.hsds.client import ClientStats, HsdsClient, HsdsConfig, load_config
from h5gui.core.hsds.domain import Domain, domain_uri, is_hsds_uri
from h5gui.core.hsds.encoded import read_encoded
from h5gui.core.hsds.preview import preview_info, read_image, read_pixel_series, read_plot, read_table
from h5gui.core.hsds.search import search
from h5gui.core.hsds.session import default_client, open_domain, refresh, use_client
from h5gui.core.hsds.transfer import TransferReport, download, upload

__all__ = [
    "ClientStats", "Domain", "HsdsClient", "HsdsConfig", "TransferReport", "child_info", "count_children",
    "create_group", "default_client", "delete", "delete_attrs", "describe", "describe_children", "domain_uri",
    "download", "is_hsds_uri", "list_attrs", "list_attrs_many", "list_children", "list_names", "load_config",
    "open_domain", "open_group_listing", "preview_info", "read_image", "read_pixel_series", "read_plot",
    "read_encoded", "read_table", "refresh", "rename_attr", "search", "set_attr", "upload", "use_client",
]
