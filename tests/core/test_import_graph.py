"""No import cycle in h5gui: every import statement counts, at module level, inside functions and under
``TYPE_CHECKING`` alike (a cycle hidden behind TYPE_CHECKING is still two modules that need each other).
Read with ``ast``: nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import h5gui

ROOT = Path(h5gui.__file__).resolve().parent

# Cycles in code other sessions own, tolerated until they are gone: a new cycle fails, and so does any
# cycle through the GUI. Remove an entry once its cycle is broken.
KNOWN_CYCLES: set[frozenset[str]] = set()  # none: keep it so


def modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the package (a package is named by its ``__init__``)."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the h5gui modules it imports. ``from a import b`` counts as an import of ``a.b`` when
    that is a module and of ``a`` otherwise; imports of a module's own packages are left out (Python
    imports them first whatever the module does)."""

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names)
        resolved = {resolve(t) for t in targets if t.split(".")[0] == "h5gui"}
        graph[name] = {t for t in resolved if t and t != name and not name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.add(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph(modules())
    assert "h5gui.gui.session" in graph["h5gui.gui.controllers.base"]  # from ... import at module level
    assert "h5gui.gui.main_window" in graph["h5gui.app"]  # inside a function and under TYPE_CHECKING
    assert "h5gui.gui.wizards.import_folder" in graph["h5gui.gui.controllers.wizards"]  # inside a method


def test_cycle_detection_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def test_no_import_cycle_in_h5gui() -> None:
    found = cycles(import_graph(modules()))
    new = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"


def test_no_import_cycle_through_the_gui() -> None:
    found = cycles(import_graph(modules()))
    gui = [sorted(c) for c in found if any(m.startswith(("h5gui.gui", "h5gui.app")) for m in c)]
    assert not gui, f"import cycles through the GUI: {gui}"
