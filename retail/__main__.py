"""Entry point of ``python -m retail``."""

import sys

from retail.cli import main

if __name__ == "__main__":
    sys.exit(main())
