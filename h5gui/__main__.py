"""``python -m h5gui``: start the GUI."""

import sys

from h5gui.app import main

if __name__ == "__main__":
    sys.exit(main())
