"""Entry point of ``python -m widgets``; see :mod:`widgets.cli`."""

import sys

from widgets.cli import main

if __name__ == "__main__":
    sys.exit(main())
