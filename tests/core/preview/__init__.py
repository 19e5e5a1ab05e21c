"""Tests of :mod:`h5gui.core.preview`, one module per view (a package: its conftest and data module
keep their own names)."""
