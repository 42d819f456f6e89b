"""Row checks: required values, duplicates, dates out of range, customers, formula-like text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.cleaning import stack_text
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
    rules.add("missing_required", f"Missing {' / '.join(schema.FIELD_LABELS[name] for name in absent)}", missing, "row dropped", shown, drop=True)


def check_duplicates(source: pd.DataFrame, mapping: schema.ColumnMapping, settings: ValidationSettings,
                     rules: Rules) -> None:
    """Exact duplicate rows: dropped (the first copy kept) only when rows carry their quantity.

    Without a quantity column each row is one unit, so identical rows are separate units
    (a scan log ``Date,SKU``; a basket with two of the same item): they are counted and kept.
    ``settings.drop_duplicates`` True or False overrides the choice.
    """
    duplicated = source.duplicated(keep="first").to_numpy() & ~rules.drop
    has_quantity = mapping.get(schema.QUANTITY) is not None
    drop = has_quantity if settings.drop_duplicates is None else settings.drop_duplicates
    if settings.drop_duplicates is False:
        action = "kept"
    elif drop and has_quantity:
        action = "dropped (the first copy is kept): each row states its quantity, so a repeat is a double export"
    elif drop:
        action = "dropped (the first copy is kept), as asked"
    else:
        action = ("kept: the file has no quantity column, so each row is one unit and identical rows are "
                  "separate units (two of the same item)")
    shown = {column: source[column] for column in list(source.columns)[:4]}
    rules.add("duplicate_rows", "Exact duplicate rows", duplicated, action, shown, drop=drop)


def check_future(frame: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Drop dates after the cutoff (default: the end of tomorrow)."""
    cutoff = settings.cutoff()
    future = (frame[schema.DATE] > cutoff).to_numpy() & ~rules.drop
    rules.add("future_dates", f"Dates in the future (after {cutoff.date()})", future, "row dropped",
              {schema.DATE: frame[schema.DATE]}, drop=True)


def check_early_dates(frame: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Drop placeholder dates (1900-01-01, 1970-01-01...) and far outliers before the bulk of the dates.

    The bulk is the 5th to 95th percentile of the other dates; a date before it by more than
    ``early_date_gap`` times its span (and at least a year) cannot be real, and one such row
    would make a daily forecast span decades.
    """
    dates = frame[schema.DATE]
    valid = dates.notna().to_numpy() & ~rules.drop
    placeholder = dates.dt.normalize().isin(pd.DatetimeIndex(settings.placeholder_dates)).to_numpy() & valid
    others = dates.to_numpy()[valid & ~placeholder]
    if len(others) == 0:
        return
    start, end = np.quantile(others.astype("int64"), [0.05, 0.95])
    gap = max(settings.early_date_gap * (end - start), pd.Timedelta(days=365).value)
    bulk_start = pd.Timestamp(int(start))
    placeholder &= (dates < bulk_start).to_numpy()
    early = valid & (dates < pd.Timestamp(int(start - gap))).to_numpy()
    rules.add("early_dates", f"Placeholder dates (1900-01-01, 1970-01-01) and dates far before the rest "
              f"(most dates are from {bulk_start.date()} on)", placeholder | early, "row dropped",
              {schema.DATE: dates}, drop=True)


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
    mask = np.zeros(len(clean), dtype=bool)
    for field in schema.TEXT_FIELDS:
        mask |= map_unique(clean[field], looks_like_formula, False).astype(bool)
    extras = [c for c in clean.columns if c not in schema.CANONICAL_COLUMNS
              and isinstance(clean[c].dtype, (pd.StringDtype, pd.CategoricalDtype))]
    if extras and len(clean):  # all extra text columns in one pass (a file may have thousands)
        stacked = map_unique(stack_text(clean, extras), looks_like_formula, False).astype(bool)
        mask |= stacked.reshape(len(extras), len(clean)).any(axis=0)
    rules.add("formula_like_text", "Text that a spreadsheet would run as a formula (= + - @ tab)", mask,
              "kept as plain text; neutralised in every export",
              {c: clean[c] for c in (schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.CUSTOMER_ID)})
