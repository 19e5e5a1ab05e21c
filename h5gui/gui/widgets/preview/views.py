"""The preview's views, built when first shown (each import costs time at start-up otherwise)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget


def build_view(panel: Any, key: str) -> QWidget:
    """The view ``key`` ('image', 'table', 'plot', 'text', 'members') of ``panel`` (the PreviewPanel),
    connected to it."""
    w: Any
    if key == "image":
        from h5gui.gui.widgets.preview.image_view import ImageView

        w = ImageView(panel)
        w.region_requested.connect(panel._request_region)
        w.complex_mode_changed.connect(lambda _m: panel._request())
        if "colormap" in panel._memory:
            w.set_colormap_name(panel._memory["colormap"])
    elif key == "table":
        from h5gui.gui.widgets.preview.table_view import TableView

        w = TableView(panel.runner, panel)
        w.model.on_error = panel._show_error
        w.write_requested.connect(panel._on_write_requested)
        w.set_editable(panel.editable)
    elif key == "plot":
        from h5gui.gui.widgets.preview.plot_view import PlotView

        w = PlotView(panel)
        w.range_requested.connect(panel._request_plot_range)
        w.selection_changed.connect(panel._request)
    elif key == "members":
        from h5gui.gui.widgets.preview.members_view import MembersView

        w = MembersView(panel.runner, panel)
        w.member_activated.connect(panel.member_activated)
    else:
        from h5gui.gui.widgets.preview.text_view import TextView

        w = TextView(panel)
    return w
