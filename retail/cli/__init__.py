"""Command line: ``python -m retail <command> ...`` (see :func:`retail.cli.main.build_parser`).

One module per command group (:mod:`~retail.cli.data`, :mod:`~retail.cli.forecast`,
:mod:`~retail.cli.recommend`); each imports its domain only when its command runs, so
``validate`` does not pay for importing LightGBM.
"""

from retail.cli.main import main

__all__ = ["main"]
