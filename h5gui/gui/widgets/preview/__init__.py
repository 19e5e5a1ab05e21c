"""Preview views (image, table, plot, text). pyqtgraph is imported here only, and lazily."""
