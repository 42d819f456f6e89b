"""``validate``, ``import`` and ``datasets``: files in, datasets listed (no model is imported)."""

from __future__ import annotations

import argparse
import json

from retail.cli.common import FILE_HELP, add_mapping_arguments, date_order, mapping_overrides
from retail.data.report import examples_frame


def _settings(args: argparse.Namespace):
    from retail.data.validation import ValidationSettings

    return ValidationSettings(dayfirst=date_order(args))


def format_report(report) -> str:
    """The validation report as plain text: mapping, dates, then every rule that fired."""
    lines = [
        f"{report.source}: read as {report.read_as}",
        f"rows read {report.rows_read:,}, kept {report.rows_kept:,}",
        "mapping: " + ", ".join(f"{k} <- {v}" for k, v in report.mapping.items()),
    ]
    if report.date_range:
        lines.append(f"dates {report.date_range[0]} .. {report.date_range[1]} (format {report.date_format})")
    if report.file_kind_text:
        lines.append(report.file_kind_text + (f" Amounts in {report.currency}." if report.currency else ""))
    for rule in report.rules:
        if rule.count:
            lines.append(f"  {rule.title}: {rule.count:,} -> {rule.action}")
            lines.extend("      e.g. " + ", ".join(f"{k} {v}" for k, v in row.items() if v != "")
                         for row in examples_frame(rule).head(3).to_dict("records"))
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    from retail.data.ingest import ingest

    ingested = ingest(args.file, sheet=args.sheet, overrides=mapping_overrides(args), settings=_settings(args))
    report = ingested.result.report
    print(json.dumps(report.to_dict(), default=str) if args.json else format_report(report))
    return 0


def cmd_append(args: argparse.Namespace) -> int:
    """``import FILE --name X --append``: the new sales join the dataset (its mapping; days replaced)."""
    from retail.cli.access import guarded
    from retail.planning.append import apply_append, prepare_append
    from retail.planning.sources import read_file

    workspace = guarded()
    workspace.require("upload")
    plan = prepare_append(workspace, args.name, read_file(args.file, sheet=args.sheet), mapping_overrides(args) or None,
                          date_order(args))
    info = apply_append(workspace, plan)
    print(format_report(plan.report))
    print(*(f"differs from the dataset: {difference}" for difference in plan.differences), sep="\n")
    print(plan.describe() + ("" if plan.unchanged else f" Stored as the new version of {info.name!r}; the version "
                             "before is in the trash (python -m retail trash)."))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from retail.cli.access import guarded
    from retail.data.ingest import import_file

    if args.append:
        if args.replace:
            raise ValueError("--append adds to a dataset and --replace replaces it: choose one.")
        return cmd_append(args)
    workspace = guarded()  # the local user's role is checked and the upload logged
    info, ingested = import_file(workspace, args.file, args.name, sheet=args.sheet,
                                 overrides=mapping_overrides(args), replace=args.replace, settings=_settings(args))
    print(format_report(ingested.result.report))
    print(f"stored as dataset {info.name!r} ({info.rows:,} rows) in {workspace.path}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from retail.data.workspace import Workspace

    for info in Workspace().list_datasets():
        span = f"{info.date_min:%Y-%m-%d}..{info.date_max:%Y-%m-%d}" if info.date_min is not None else "-"
        print(f"{info.name}\t{info.rows:,} rows\t{span}\tfrom {info.source_file}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``validate``, ``import`` and ``datasets``."""
    validate = commands.add_parser("validate", help="print the validation report of a file")
    validate.add_argument("file", help=FILE_HELP)
    add_mapping_arguments(validate)
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.set_defaults(handler=cmd_validate)
    imported = commands.add_parser("import", help="validate a file and store it as a dataset")
    imported.add_argument("file", help=FILE_HELP)
    imported.add_argument("--name", required=True, help="dataset name")
    imported.add_argument("--replace", action="store_true", help="replace a dataset of that name")
    imported.add_argument("--append", action="store_true", help="add the file's sales to the dataset of that name: "
                          "read with its columns, the file's days replacing those days (the same file twice "
                          "changes nothing)")
    add_mapping_arguments(imported)
    imported.set_defaults(handler=cmd_import)
    datasets = commands.add_parser("datasets", help="list the stored datasets")
    datasets.set_defaults(handler=cmd_datasets)
