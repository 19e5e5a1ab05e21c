"""Low-level HDF5 file machinery below h5py: the crash-safe edit journal and the superblock."""
