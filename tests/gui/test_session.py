"""The session is plain Python: importing it loads neither Qt nor h5py, and its rules (which objects a
command acts on, what is writable, what is trusted) need no window."""

from __future__ import annotations

import subprocess
import sys

from h5gui.core.kinds import Kind
from h5gui.core.nodes import ChildInfo
from h5gui.gui.models.tree_nodes import Node
from h5gui.gui.session import ObjectClip, Session


def test_session_and_tree_rows_import_neither_qt_nor_h5py() -> None:
    code = ("import sys, h5gui.gui.session, h5gui.gui.models.tree_nodes; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'h5py', 'PIL')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


class FakeSelection:
    def __init__(self, current: Node | None, selected: list[Node], top: str = "") -> None:
        self.current, self.selected, self.top = current, selected, top

    def current_node(self) -> Node | None:
        return self.current

    def selected_nodes(self) -> list[Node]:
        return self.selected

    def top_file(self) -> str:
        return self.top

    def loaded_names(self, file: str, group: str) -> set[str]:
        return set()


def row(parent: Node, name: str, kind: str = Kind.DATASET) -> Node:
    path = (parent.path.rstrip("/") + "/" + name) if parent.kind != "root" else "/"
    info = ChildInfo(file=parent.file, path=path, name=name, kind=kind)
    node = Node(parent, parent.file, path, name, kind, info)
    parent.children.append(node)
    return node


def test_selected_objects_leave_out_links_and_status_rows_and_fall_back_to_the_shown_object() -> None:
    root = Node(None, "", "", "", "root")
    top = Node(root, "/f.h5", "/", "f.h5", "file")
    data = row(top, "data")
    link = row(top, "gone", Kind.DANGLING_LINK)
    status = Node(top, "/f.h5", "/", "", "loading")
    s = Session()
    s.selection = FakeSelection(data, [data, link, status, data])
    assert s.selected_objects() == [("/f.h5", "/data")]
    s.selection = FakeSelection(None, [link])
    assert s.selected_objects() == []
    s.shown = ("/f.h5", "/data")
    assert s.selected_objects() == [("/f.h5", "/data")]
    s.selection = FakeSelection(status, [])
    assert s.current_object() is None and s.current_node() is status


def test_modes_trust_and_clipboards() -> None:
    s = Session()
    s.add_file("/f.h5")
    s.add_file("/f.h5")
    assert s.files == ["/f.h5"] and s.is_open("/f.h5")
    assert "f.h5 is open read-only" in s.read_only_reason("/f.h5")
    s.set_writable("/f.h5", True)
    assert s.read_only_reason("/f.h5") == ""
    s.shown = ("/f.h5", "/x")
    assert s.shown_writable() == ("/f.h5", "/x")
    s.remove_file("/f.h5")
    assert s.files == [] and s.is_writable("/f.h5")  # a refresh reopens it writable
    assert not s.is_trusted("/f.h5", "/x")
    s.trust("/f.h5", "/x")
    assert s.is_trusted("/f.h5", "/x")
    s.object_clip = ObjectClip("/f.h5", "/x", cut=True)
    assert s.object_clip.cut


def test_node_paths_and_where_new_objects_go() -> None:
    root = Node(None, "", "", "", "root")
    top = Node(root, "/f.h5", "/", "f.h5", "file")
    group = row(top, "grp", Kind.GROUP)
    data = row(group, "data")
    assert data.top_file() == "/f.h5" and data.tree_path() == "/grp/data" and root.top_file() == ""
    assert top.new_object_group() == ("/f.h5", "/")
    assert group.new_object_group() == ("/f.h5", "/grp")
    assert data.new_object_group() == ("/f.h5", "/grp")
    assert top.find_loaded("/grp/data/deeper") == (data, ["deeper"])
