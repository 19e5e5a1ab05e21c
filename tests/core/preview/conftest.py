"""The file the preview tests read, written once per session (see ``preview_data.py``)."""

from __future__ import annotations

import pytest

from .preview_data import write_preview_file


@pytest.fixture(scope="session")
def h5(tmp_path_factory) -> str:
    return write_preview_file(tmp_path_factory.mktemp("preview") / "preview.h5")
