"""The GUI on an HSDS domain (issue 15): File > Export... writes the same file as for the local file, and
Paste attributes onto selected writes the copied attributes onto the domain, undone by Edit > Undo."""

from __future__ import annotations

from pathlib import Path

from gui_window import run_fresh_window, settings, window  # noqa: F401 (fixtures)
from PySide6.QtWidgets import QFileDialog
from test_gui_hsds import fresh_attrs, open_on_hsds, wait_idle

from h5gui.core import export as local_export
from h5gui.core.progress import run


def test_export_a_dataset_of_a_domain(qtbot, window, hsds_server, demo_domain, demo_file, monkeypatch,  # noqa: F811
                                      tmp_path: Path) -> None:
    open_on_hsds(qtbot, window, hsds_server, demo_domain)
    window.select_path(demo_domain, "/signals/waves_gzip")
    wait_idle(qtbot, window)
    out = tmp_path / "waves.npy"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(out), "")))
    window.actions_.export.trigger()
    qtbot.waitUntil(out.exists, timeout=30000)
    wait_idle(qtbot, window)
    assert "Exported /signals/waves_gzip" in window.status_text(), window.status_text()
    run(local_export.export(str(demo_file), "/signals/waves_gzip", str(tmp_path / "local.npy")))
    assert out.read_bytes() == (tmp_path / "local.npy").read_bytes()


def test_paste_attributes_onto_a_domain_with_undo(qtbot, window, hsds_server, hsds_client, demo_file  # noqa: F811
                                                  ) -> None:
    from h5gui.core.hsds import transfer

    domain = "hdf5://home/admin/gui-paste.h5"
    run(transfer.upload(demo_file, domain, overwrite=True))
    open_on_hsds(qtbot, window, hsds_server, domain)
    window.select_path(domain, "/mnist/labels")
    wait_idle(qtbot, window)
    window.attributes.copy([])  # every attribute of /mnist/labels
    wait_idle(qtbot, window)
    copied = fresh_attrs(hsds_server, domain, "/mnist/labels")
    assert copied and "Copied" in window.status_text()
    window.actions_.enable_editing.trigger()
    wait_idle(qtbot, window)
    window.select_path(domain, "/signals/sine")
    wait_idle(qtbot, window)
    before = fresh_attrs(hsds_server, domain, "/signals/sine")
    window.actions_.paste_attrs.trigger()
    wait_idle(qtbot, window)
    got = fresh_attrs(hsds_server, domain, "/signals/sine")
    assert got == {**before, **copied}, window.status_text()
    assert {a.name for a in window.attr_panel.model.attrs()} >= set(copied)
    window.undo.undo()
    wait_idle(qtbot, window)
    assert fresh_attrs(hsds_server, domain, "/signals/sine") == before
