"""The parser of ``python -m retail`` and the one place errors become exit codes.

Exit codes: 0 success, 2 the input cannot be used (one plain line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from retail.cli import (
    access,
    catalogue,
    customers,
    data,
    experiments,
    forecast,
    overview,
    planning,
    pricing,
    recommend,
    replenish,
)
from retail.cli.common import EXIT_UNUSABLE

COMMAND_GROUPS = (data, overview, forecast, planning, recommend, replenish, pricing, customers, experiments, access,
                  catalogue)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retail", description="Retail analytics, headless.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _is_user_error(exc: Exception) -> bool:
    """Bad input, a missing file or dataset, a role that may not: the user can fix it (no traceback)."""
    from retail.data.workspace import DatasetNotFound

    return isinstance(exc, ValueError | DatasetNotFound | FileNotFoundError | IsADirectoryError | PermissionError)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(message)s")
    try:
        return args.handler(args)
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
