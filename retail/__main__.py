"""Entry point of ``python -m retail``."""

import sys

from retail.threads import passive_openmp

passive_openmp()  # before any OpenMP runtime loads (LightGBM, scikit-learn): sleep, don't spin

from retail.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
