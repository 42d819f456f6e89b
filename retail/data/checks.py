"""Row checks: required values, duplicates, dates out of range, customers, formula-like text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.parsing import map_unique
from retail.data.rules import Rules
from retail.data.safety import looks_like_formula
from retail.data.settings import ValidationSettings


def check_required(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
                   rules: Rules) -> None:
    """Drop rows without a date, a product (or store) or, when the file has one, a quantity."""
    required = [schema.DATE, schema.PRODUCT_ID if mapping.get(schema.PRODUCT_ID) or
                mapping.get(schema.PRODUCT_NAME) else schema.STORE_ID]
    if mapping.get(schema.QUANTITY):
        required.append(schema.QUANTITY)
    blank = {name: frame[name].isna().to_numpy() & ~rules.drop for name in required}
    missing = np.logical_or.reduce(list(blank.values()))
    shown = {mapping.get(name) or name: source[mapping.get(name)] for name in required
             if mapping.get(name) and blank[name].any()}
    absent = [name for name in required if blank[name].any()] or required
    rules.add("missing_required", f"Missing {' / '.join(absent)}", missing, "row dropped", shown, drop=True)


def check_duplicates(source: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Exact duplicate rows (the first copy is kept)."""
    duplicated = source.duplicated(keep="first").to_numpy() & ~rules.drop
    action = "dropped (the first copy is kept)" if settings.drop_duplicates else "kept"
    shown = {column: source[column] for column in list(source.columns)[:4]}
    rules.add("duplicate_rows", "Exact duplicate rows", duplicated, action, shown, drop=settings.drop_duplicates)


def check_future(frame: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Drop dates after the cutoff (default: the end of tomorrow)."""
    cutoff = settings.cutoff()
    future = (frame[schema.DATE] > cutoff).to_numpy() & ~rules.drop
    rules.add("future_dates", f"Dates in the future (after {cutoff.date()})", future, "row dropped",
              {schema.DATE: frame[schema.DATE]}, drop=True)


def check_customers(clean: pd.DataFrame, mapping: schema.ColumnMapping, rules: Rules) -> None:
    """Count rows without a customer (kept; recommendations leave them out)."""
    if mapping.get(schema.CUSTOMER_ID) is None:
        rules.note("no_customer_column", "No customer column", len(clean),
                   "kept; recommendations and customer analytics are not available")
        return
    missing = int(clean[schema.CUSTOMER_ID].isna().sum())
    rules.note("missing_customer", "Missing customer id", missing,
               "kept for sales and forecasts; left out of recommendations")


def check_formulas(clean: pd.DataFrame, rules: Rules) -> None:
    """Count rows with text a spreadsheet would run as a formula (the rule of :mod:`retail.data.safety`)."""
    text_columns = [c for c in clean.columns if isinstance(clean[c].dtype, pd.StringDtype) and c != schema.LINE_TYPE]
    mask = np.zeros(len(clean), dtype=bool)
    for column in text_columns:
        mask |= map_unique(clean[column], looks_like_formula, False).astype(bool)
    rules.add("formula_like_text", "Text that a spreadsheet would run as a formula (= + - @ tab)", mask,
              "kept as plain text; neutralised in every export",
              {c: clean[c] for c in (schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.CUSTOMER_ID)})
