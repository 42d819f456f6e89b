"""Command line: ``python -m retail validate|import|datasets ...`` (plus forecast and recommend).

Exit codes: 0 success, 2 the input cannot be used (one plain line on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from retail.cli import forecast as cli_forecast
from retail.cli import recommend as cli_recommend
from retail.data.ingest import import_file, ingest, parse_overrides
from retail.data.readers import ReadError
from retail.data.validation import ValidationError, ValidationReport, ValidationSettings
from retail.data.workspace import DatasetNotFound, Workspace

EXIT_UNUSABLE = 2
DATE_ORDERS = {"auto": None, "dayfirst": True, "monthfirst": False}
UserError = (ReadError, ValidationError, ValueError, DatasetNotFound, FileNotFoundError)


def add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sheet", help="Excel sheet to read (default: the first with data)")
    parser.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                        help="map a canonical field to a source column (repeatable); FIELD= unmaps it")
    parser.add_argument("--date-order", choices=list(DATE_ORDERS), default="auto",
                        help="read 03/04/2011 as 3 April (dayfirst) or 4 March (monthfirst); auto decides from the data")


def validation_settings(args: argparse.Namespace) -> ValidationSettings:
    return ValidationSettings(dayfirst=DATE_ORDERS[args.date_order])


def format_report(report: ValidationReport) -> str:
    lines = [
        f"{report.source}: read as {report.read_as}",
        f"rows read {report.rows_read:,}, kept {report.rows_kept:,}",
        "mapping: " + ", ".join(f"{k} <- {v}" for k, v in report.mapping.items()),
    ]
    if report.date_range:
        lines.append(f"dates {report.date_range[0]} .. {report.date_range[1]} (format {report.date_format})")
    for rule in report.rules:
        if rule.count:
            lines.append(f"  {rule.title}: {rule.count:,} -> {rule.action}")
            lines.extend(f"      e.g. {example}" for example in rule.examples[:3])
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    ingested = ingest(args.file, sheet=args.sheet, overrides=parse_overrides(args.map),
                      settings=validation_settings(args))
    report = ingested.result.report
    print(json.dumps(report.to_dict(), default=str) if args.json else format_report(report))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    workspace = Workspace()
    info, ingested = import_file(workspace, args.file, args.name, sheet=args.sheet,
                                 overrides=parse_overrides(args.map), replace=args.replace,
                                 settings=validation_settings(args))
    print(format_report(ingested.result.report))
    print(f"stored as dataset {info.name!r} ({info.rows:,} rows) in {workspace.path}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    for info in Workspace().list_datasets():
        span = f"{info.date_min:%Y-%m-%d}..{info.date_max:%Y-%m-%d}" if info.date_min is not None else "-"
        print(f"{info.name}\t{info.rows:,} rows\t{span}\tfrom {info.source_file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retail", description="Retail analytics, headless.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="print the validation report of a file")
    validate.add_argument("file")
    add_mapping_arguments(validate)
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.set_defaults(handler=cmd_validate)
    imported = commands.add_parser("import", help="validate a file and store it as a dataset")
    imported.add_argument("file")
    imported.add_argument("--name", required=True, help="dataset name")
    imported.add_argument("--replace", action="store_true", help="replace a dataset of that name")
    add_mapping_arguments(imported)
    imported.set_defaults(handler=cmd_import)
    datasets = commands.add_parser("datasets", help="list the stored datasets")
    datasets.set_defaults(handler=cmd_datasets)
    cli_forecast.register(commands)
    cli_recommend.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(message)s")
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
