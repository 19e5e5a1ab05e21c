"""Qt-free engine of h5gui: every HDF5, numpy and image operation lives here.

Nothing in this package may import PySide6, pyqtgraph or ``h5gui.gui``.
"""
