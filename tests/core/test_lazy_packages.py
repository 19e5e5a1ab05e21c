"""The split core packages import their modules on first use: their records load no h5py (the GUI process
will import records without h5py), and every name the old modules had stays importable from the package."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = ["attrs", "nodes", "search", "structure", "values"]


@pytest.mark.parametrize("package", PACKAGES)
def test_records_import_no_h5py(package):
    code = f"import sys, h5gui.core.{package}.records; print('h5py' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package):
    pkg = importlib.import_module(f"h5gui.core.{package}")
    for name in dir(pkg):
        getattr(pkg, name)  # AttributeError: a name listed in the package's __init__ is not in its module


@pytest.mark.parametrize("package", PACKAGES)
def test_submodule_names_are_exported(package):
    pkg = importlib.import_module(f"h5gui.core.{package}")
    exported = set(dir(pkg))
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"h5gui.core.{package}.{info.name}")
        missing = set(getattr(module, "__all__", ())) - exported
        assert not missing, f"h5gui.core.{package} does not export {sorted(missing)} of {module.__name__}"


def test_lazy_exports_aliases_and_unknown_names(monkeypatch):
    import types

    from h5gui.core import lazy

    pkg = types.ModuleType("h5gui_lazy_probe")
    monkeypatch.setitem(sys.modules, pkg.__name__, pkg)
    getattr_, dir_ = lazy.exports(pkg.__name__, {"h5gui.core.kinds": ("Kind", "Label=LABELS")})
    assert getattr_("Label") is importlib.import_module("h5gui.core.kinds").LABELS
    assert pkg.Label is getattr_("Label")  # stored on the package after the first lookup
    assert {"Kind", "Label"} <= set(dir_())
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        getattr_("nothing")
