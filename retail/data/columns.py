"""Type the mapped source columns into canonical ones, reporting every value that fails.

Dates and numbers are parsed per distinct value (see :mod:`retail.data.parsing`); a row
whose date or number cannot be read is dropped and shown. Unmapped columns are kept as
extra columns, typed as numbers when nearly all their values are numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.cleaning import as_text, clean_text, stack_text, visible
from retail.data.numeric import read_number_groups
from retail.data.parsing import TEXT, DateParse, NumberParse, parse_dates, parse_numbers, read_numbers
from retail.data.rules import Rules, ValidationError
from retail.data.settings import ValidationSettings


def type_dates(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
               settings: ValidationSettings, rules: Rules) -> DateParse:
    """Parse the date column into ``frame``; unreadable dates are dropped and shown.

    Raises
    ------
    ValidationError
        Not a single value of the column is a date.
    """
    column = mapping.get(schema.DATE)
    parsed = parse_dates(source[column], settings.dayfirst, settings.date_format)
    if parsed.values.notna().sum() == 0 and source[column].notna().any():
        raise ValidationError(_no_dates_message(source[column], column))
    frame[schema.DATE] = parsed.values
    rules.add("unparseable_date", "Dates that could not be read", parsed.failed.to_numpy(),
              "row dropped", {column: source[column]}, drop=True)
    if parsed.other_format_count:
        rules.note("mixed_date_formats", "Dates written in a second format", parsed.other_format_count,
                   f"read with the matching format (main format {parsed.date_format})")
    if parsed.offset_rows:
        where = f"the time zone {parsed.zone}" if parsed.zone else "a UTC offset (+02:00, Z)"
        rules.note("time_zones", f"Timestamps with {where}", parsed.offset_rows,
                   "the local time written in the file is kept (not moved to UTC), so each sale stays on its day")
    return parsed


def _no_dates_message(values: pd.Series, column: str) -> str:
    """Say what the date column holds instead of dates, and how to fix the mapping."""
    present = values.dropna()
    examples = ", ".join(repr(str(v)) for v in present.unique()[:3])
    numbers = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    if numbers.notna().mean() > 0.95:
        low, high = (f"{x:,.0f}" if abs(x) < 1e15 else f"{x:.3g}" for x in (numbers.min(), numbers.max()))
        return (f"The date column {column!r} holds plain numbers (from {low} to {high}; "
                f"for example {examples}), not dates: they are neither Excel serial dates (20,000 to 80,000), "
                "yyyymmdd dates nor Unix timestamps (seconds, milliseconds, microseconds or nanoseconds since 1970, "
                "between 1990 and 2100). Map the column that holds the dates to 'date' (--map date=COLUMN), "
                "or convert these numbers to dates in the source first.")
    return (f"No value in the date column {column!r} could be read as a date (for example {examples}). "
            "Map the right column to 'date' or give the date format.")


ID_FIELDS: tuple[str, ...] = (schema.PRODUCT_ID, schema.CUSTOMER_ID, schema.STORE_ID, schema.ORDER_ID)


def type_text(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
              settings: ValidationSettings, rules: Rules) -> None:
    """Copy the text fields into ``frame``, cleaned (see :mod:`retail.data.cleaning`) and reported.

    Absent fields are all missing; without a product code column the name is the code, and a
    row without a code but with a name uses the name (reported).
    """
    repairs = {kind: np.zeros(len(source), dtype=bool) for kind in ("placeholder", "invisible", "integral")}
    shown: dict[str, dict[str, pd.Series]] = {kind: {} for kind in repairs}
    for name in schema.TEXT_FIELDS:
        column = mapping.get(name)
        if not column:
            frame[name] = pd.Series(pd.NA, index=source.index, dtype=TEXT)
            continue
        cleaned = clean_text(source[column], settings.missing_values, is_id=name in ID_FIELDS)
        frame[name] = cleaned.values
        for kind in repairs:
            flags = getattr(cleaned, kind)
            if flags.any():
                repairs[kind] |= flags
                shown[kind][column] = visible(source[column].where(flags)) if kind == "invisible" else source[column]
    _report_text_repairs(repairs, shown, rules)
    _product_id_from_name(frame, mapping, rules)


def _report_text_repairs(repairs: dict[str, np.ndarray], shown: dict[str, dict[str, pd.Series]],
                         rules: Rules) -> None:
    if repairs["placeholder"].any():
        rules.add("missing_placeholders", "Placeholders for a missing value (NULL, N/A, -, None, nan) in ids and names",
                  repairs["placeholder"], "read as missing", shown["placeholder"])
    if repairs["invisible"].any():
        rules.add("invisible_characters", "Invisible characters or no-break spaces in ids and names",
                  repairs["invisible"], "removed, so the same product (customer, store) is one value",
                  shown["invisible"])
    if repairs["integral"].any():
        rules.add("decimal_ids", "Ids written as decimals (12345.0)", repairs["integral"],
                  "read as whole numbers, so 12345.0 and 12345 are one id", shown["integral"])


def _product_id_from_name(frame: pd.DataFrame, mapping: schema.ColumnMapping, rules: Rules) -> None:
    if mapping.get(schema.PRODUCT_ID) is None and mapping.get(schema.PRODUCT_NAME):
        frame[schema.PRODUCT_ID] = frame[schema.PRODUCT_NAME]
    elif mapping.get(schema.PRODUCT_ID) and mapping.get(schema.PRODUCT_NAME):
        # The documented fallback: a line without a code but with a name is that product.
        fallback = (frame[schema.PRODUCT_ID].isna() & frame[schema.PRODUCT_NAME].notna()).to_numpy()
        if fallback.any():
            frame[schema.PRODUCT_ID] = as_text(frame[schema.PRODUCT_ID]).fillna(as_text(frame[schema.PRODUCT_NAME]))
            rules.add("product_id_from_name", "No product code: the product name is used as the code", fallback,
                      "kept; the name stands for the code",
                      {schema.PRODUCT_NAME: frame[schema.PRODUCT_NAME]})


def type_numbers(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
                 decimal_comma: bool, rules: Rules) -> None:
    """Parse quantity, unit price and revenue; rows with a value that is not a number are dropped
    and shown, and every decision about decimal marks and currencies is reported."""
    bad_any = np.zeros(len(source), dtype=bool)
    shown: dict[str, pd.Series] = {}
    for name in schema.NUMERIC_FIELDS:
        column = mapping.get(name)
        if column is None:
            frame[name] = np.nan
            continue
        parsed = read_numbers(source[column], decimal_comma)
        frame[name] = parsed.values
        if parsed.failed.any():
            bad_any |= parsed.failed.to_numpy()
            shown[column] = source[column]
        _report_number_decisions(parsed, column, source[column], rules)
    rules.add("unparseable_number", "Values in number columns that are not numbers (text, infinity)", bad_any,
              "row dropped", shown, drop=True)
    if mapping.get(schema.QUANTITY) is None:
        frame[schema.QUANTITY] = 1.0
        if mapping.get(schema.REVENUE) is not None and mapping.get(schema.UNIT_PRICE) is None:
            # sales totals (a store's week, say): the money is known, units are not
            title, action = ("No units column: the rows carry sales values", "sales figures use the sales values; "
                             "where units are counted, each row counts as 1")
        else:
            title, action = "No quantity column: each row counts as 1 unit", "quantity set to 1"
        rules.note("quantity_defaulted", title, len(source), action + _unused_quantity_hint(source, mapping))
    if mapping.get(schema.REVENUE) is None:
        frame[schema.REVENUE] = frame[schema.QUANTITY] * frame[schema.UNIT_PRICE]


def _report_number_decisions(parsed: NumberParse, column: str, raw: pd.Series, rules: Rules) -> None:
    mark = "comma (1.234,5)" if parsed.decimal_comma else "point (1,234.5)"
    shown = {column: raw, "read as": parsed.values}
    if parsed.other_mark.any():
        rules.add("other_decimal_mark", f"Numbers in {column!r} written with the other decimal mark",
                  parsed.other_mark.to_numpy(), f"read as written; the rest of the column uses a decimal {mark}",
                  shown)
    if parsed.ambiguous.any():
        rules.add("ambiguous_numbers", f"Numbers in {column!r} that read differently with a decimal comma or point",
                  parsed.ambiguous.to_numpy(),
                  f"read with the file's decimal {mark}; check them, the column itself does not say", shown)
    if parsed.mixed_currencies():
        rules.add("mixed_currencies", f"Amounts in {column!r} in several currencies ({', '.join(parsed.currencies)})",
                  parsed.currency_rows.to_numpy(), "read as plain numbers, not converted: check the amounts",
                  shown)


def _unused_quantity_hint(source: pd.DataFrame, mapping: schema.ColumnMapping) -> str:
    """Name a column that looks like the quantity but was not used, and how to use it."""
    used = set(mapping.columns.values())
    for column in source.columns:
        if column not in used and schema.normalise_name(column) in schema.SYNONYMS[schema.QUANTITY]:
            return (f"; column {column!r} looks like a quantity but too few of its values are numbers: "
                    f"map it to quantity (quantity={column}) to use the values that are")
    return ""


def extra_columns(source: pd.DataFrame, mapping: schema.ColumnMapping, decimal_comma: bool) -> pd.DataFrame:
    """Unmapped source columns, typed as numbers when nearly all values (99%) are numbers.

    Text columns are parsed stacked in one pass (a decimal mark decided per column), so a file
    with thousands of extra columns costs about what one long column does.
    """
    columns = [c for c in source.columns if c not in set(mapping.columns.values())]
    names = {c: f"extra_{c}" if c in schema.CANONICAL_COLUMNS else str(c) for c in columns}
    extras: dict[str, pd.Series] = {}
    text_columns = []
    for column in columns:
        values = source[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            numbers, failed = parse_numbers(values, decimal_comma)
            extras[names[column]] = numbers.where(~failed)
        else:
            text_columns.append(column)
    if text_columns:
        extras.update(_typed_text_columns(source, text_columns, names, decimal_comma))
    return pd.DataFrame({names[c]: extras[names[c]] for c in columns}, index=source.index)


def _typed_text_columns(source: pd.DataFrame, columns: list[str], names: dict[str, str],
                        decimal_comma: bool) -> dict[str, pd.Series]:
    rows, count = len(source), len(columns)
    stacked = stack_text(source, columns)
    groups = np.repeat(np.arange(count), rows)
    parsed = read_number_groups(stacked, groups, count, decimal_comma)
    present = np.bincount(groups, weights=stacked.notna().to_numpy(), minlength=count)
    failed = np.bincount(groups, weights=parsed["failed"], minlength=count)
    numeric = (present > 0) & (failed <= 0.01 * present)
    cleaned = clean_text(stacked).values if not numeric.all() else None
    typed = {}
    for position, column in enumerate(columns):
        part = slice(position * rows, (position + 1) * rows)
        if numeric[position]:
            typed[names[column]] = pd.Series(parsed["value"][part], index=source.index)
        else:
            typed[names[column]] = as_text(cleaned.iloc[part]).set_axis(source.index)
    return typed
