"""h5gui: a desktop workbench for HDF5 files."""

__version__ = "0.1.0"
