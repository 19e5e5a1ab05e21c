"""PySide6 front end of h5gui. Never imports h5py or PIL: all HDF5 work goes through ``workers``."""
