"""Validate and clean a raw table against a column mapping: a report, never silence.

Each rule counts the rows it concerns, shows a few of them (row numbers are 1-based data
rows, the header excluded) and says what was done. Rows that cannot be used are dropped;
rows that are usable but are not demand (returns, postage, free items) are kept and marked
in ``line_type`` so that forecasting and recommendations can leave them out.

The steps live in small modules: :mod:`~retail.data.columns` (typing, with the values that
fail), :mod:`~retail.data.checks` (row checks), :mod:`~retail.data.line_types` (what is
demand) and :mod:`~retail.data.rules` (the collector of results); settings are in
:mod:`~retail.data.settings`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.data import checks, columns, schema
from retail.data.cleaning import as_text
from retail.data.line_types import CANCELLED_ORDER_PATTERN, mark_line_types, non_product_mask
from retail.data.readers import RawTable
from retail.data.report import RuleResult, ValidationReport
from retail.data.rules import Rules, ValidationError, keep_rows
from retail.data.settings import (
    DEFAULT_NON_PRODUCT_CODES,
    DEFAULT_NON_PRODUCT_NAMES,
    DEFAULT_NON_PRODUCT_PATTERNS,
    ValidationSettings,
)

logger = logging.getLogger(__name__)

__all__ = [
    "CANCELLED_ORDER_PATTERN", "DEFAULT_NON_PRODUCT_CODES", "DEFAULT_NON_PRODUCT_NAMES",
    "DEFAULT_NON_PRODUCT_PATTERNS", "RuleResult", "ValidationError", "ValidationReport", "ValidationResult",
    "ValidationSettings", "non_product_mask", "validate",
]


@dataclass
class ValidationResult:
    """The clean canonical rows and the report of how they were obtained."""

    frame: pd.DataFrame
    report: ValidationReport


def validate(raw: RawTable, mapping: schema.ColumnMapping,
             settings: ValidationSettings | None = None) -> ValidationResult:
    """Type, check and clean ``raw`` under ``mapping``; see the module docstring.

    Raises
    ------
    ValidationError
        The mapping misses a required field or names absent columns, or no row is usable.
    """
    settings = settings or ValidationSettings()
    source = raw.frame
    _check_mapping(mapping, source)
    rules = Rules(np.arange(1, len(source) + 1))
    note_read_problems(raw, rules)
    frame = pd.DataFrame(index=source.index)
    date_parse = columns.type_dates(frame, source, mapping, settings, rules)
    columns.type_text(frame, source, mapping, settings, rules)
    columns.type_numbers(frame, source, mapping, raw.decimal_comma, rules)
    checks.check_required(frame, source, mapping, rules)
    checks.check_duplicates(source, mapping, settings, rules)
    checks.check_future(frame, settings, rules)
    checks.check_early_dates(frame, settings, rules)
    extras = columns.extra_columns(source, mapping, raw.decimal_comma)
    kept = ~rules.drop
    clean = keep_rows(pd.concat([frame, extras], axis=1), kept)
    kept_rules = rules.subset(kept)
    mark_line_types(clean, settings, kept_rules)
    clean = clean[list(schema.CANONICAL_COLUMNS) + list(extras.columns)]
    checks.check_customers(clean, mapping, kept_rules)
    checks.check_formulas(clean, kept_rules)
    clean = clean.assign(**{name: as_text(clean[name]) for name in schema.TEXT_FIELDS})
    report = _report(raw, mapping, clean, rules, date_parse.date_format)
    if clean.empty:
        reasons = sorted((r for r in rules.results if r.count), key=lambda r: -r.count)
        why = f" The main problem: {reasons[0].title.lower()} ({reasons[0].count} rows)." if reasons else ""
        raise ValidationError(f"No usable rows remain after validation.{why} Check the column mapping.")
    return ValidationResult(clean.reset_index(drop=True), report)


def note_read_problems(raw: RawTable, rules: Rules) -> None:
    """Put what reading decided (and the rows it could not read) at the top of the report."""
    rules.results.extend(raw.notes)
    unclosed = [b for b in raw.broken_rows if b.reason == "unclosed_quote"]
    if unclosed:
        rules.note("unclosed_quote", "Lines that open a quote (\") and never close it", len(unclosed),
                   "skipped (not read); reading resumed at the next line, so the rows after it are kept",
                   [{"line": b.line, "text": b.text[:120]} for b in unclosed[:5]])
    wrong = raw.broken_row_count - len(unclosed)
    if wrong:
        rules.note("broken_rows", "Rows with the wrong number of fields", wrong, "skipped (not read)",
                   [{"line": b.line, "fields": b.actual_fields, "expected": b.expected_fields, "text": b.text[:120]}
                    for b in raw.broken_rows if b.reason != "unclosed_quote"])


def file_columns(source: pd.DataFrame, shown: int = 30) -> str:
    """The file's column names for a message: 'SKU', 'Qty' and 3 more."""
    names = ", ".join(f"'{column}'" for column in list(source.columns)[:shown])
    return names + (f" and {len(source.columns) - shown:,} more" if len(source.columns) > shown else "")


def _check_mapping(mapping: schema.ColumnMapping, source: pd.DataFrame) -> None:
    problems = mapping.missing_required()
    if problems:
        raise ValidationError(f"The column mapping is incomplete: {'; '.join(problems)}. Match one of the "
                              f"file's columns to it: {file_columns(source)}.")
    absent = {f: c for f, c in mapping.columns.items() if c not in source.columns}
    if absent:
        missing = ", ".join(f"'{column}' (for {schema.FIELD_LABELS.get(field, field)})" for field, column in absent.items())
        raise ValidationError(f"The mapping names columns that are not in the file: {missing}. "
                              f"The file's columns: {file_columns(source)}.")


def _report(raw: RawTable, mapping: schema.ColumnMapping, clean: pd.DataFrame, rules: Rules,
            date_format: str) -> ValidationReport:
    dates = clean[schema.DATE]
    date_range = (str(dates.min().date()), str(dates.max().date())) if len(clean) else None
    line_types = clean[schema.LINE_TYPE].value_counts().to_dict() if len(clean) else {}
    return ValidationReport(
        usable=len(clean) > 0,
        rows_read=len(raw.frame) + raw.broken_row_count,
        rows_kept=len(clean),
        mapping=mapping.to_dict(),
        rules=rules.results,
        date_range=date_range,
        date_format=date_format,
        source=raw.source_name,
        read_as=raw.describe(),
        line_types={str(k): int(v) for k, v in line_types.items()},
    )
