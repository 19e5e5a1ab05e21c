"""The HDF5 layer: the only code in h5gui that opens files, follows links and knows h5py's low-level API.

Public to the rest of ``h5gui.core``; the GUI and the CLI never import it (an import-linter contract).
"""
