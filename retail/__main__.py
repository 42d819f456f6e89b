"""Entry point of ``python -m retail``."""

import gc
import sys

from retail.memory import ordinary_pages
from retail.threads import passive_openmp

passive_openmp()  # before any OpenMP runtime loads (LightGBM, scikit-learn): sleep, don't spin
ordinary_pages()  # see retail.memory: clearing huge pages cost more than they saved

from retail.cli import main  # noqa: E402


def run() -> int:
    code = main()
    # What is left (the libraries' modules, a few frames) dies with the process; a last full
    # garbage collection over it at exit costs 0.3 s of a 5 s forecast. Freezing skips it.
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
