"""The parser of ``python -m retail`` and the one place errors become exit codes.

Exit codes: 0 success, 2 the input cannot be used (one plain line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from retail.cli import (
    access,
    catalogue,
    customers,
    data,
    experiments,
    feedback,
    forecast,
    overview,
    pricing,
    recommend,
    replenish,
    weekly,
)
from retail.cli.common import EXIT_UNUSABLE

COMMAND_GROUPS = (data, overview, forecast, recommend, replenish, weekly, pricing, customers, experiments, feedback, access,
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


def _writes_to_descriptor_1(stream: object) -> bool:
    try:
        return stream.fileno() == 1  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


@contextmanager
def stdout_for_json_only(enabled: bool) -> Iterator[None]:
    """While a ``--json`` command runs, whatever native code and worker processes write to file
    descriptor 1 goes to stderr; this process's own prints (the JSON document) still reach stdout."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    real_stdout = os.dup(1)
    python_stdout = sys.stdout
    if _writes_to_descriptor_1(python_stdout):
        sys.stdout = os.fdopen(os.dup(real_stdout), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        yield
    finally:
        if sys.stdout is not python_stdout:
            sys.stdout.close()
            sys.stdout = python_stdout
        os.dup2(real_stdout, 1)
        os.close(real_stdout)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(message)s")
    try:
        with stdout_for_json_only(getattr(args, "json", False)):
            return args.handler(args)
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
