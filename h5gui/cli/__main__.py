"""``python -m h5gui.cli``: the same as ``h5gui-cli``."""

from __future__ import annotations

import sys

from h5gui.cli import main

sys.exit(main())
