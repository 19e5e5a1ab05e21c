import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Everything below stays Qt-free: the core and CLI tests must not load PySide6.
import pytest  # noqa: E402
from samples import FAR_SECRET, MANY, SECRET_TEXT, Sample, make_sample_tree  # noqa: E402, F401


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The sample tree, built once per test session. Tests must not modify it."""
    return make_sample_tree(tmp_path_factory.mktemp("sample"))
