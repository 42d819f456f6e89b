"""Turn text cells into numbers, vectorised, deciding the decimal mark per column.

Values are parsed once per distinct value and broadcast back. Each value is tried under
both conventions, ``1,234.5`` (decimal point) and ``1.234,5`` (decimal comma):

- a value that reads only one way (``1.234,5``, ``12,50``, ``£3.50``) is read that way;
- a value that reads both ways alike (``12``) is simply that number;
- a value that reads both ways differently (``1,234``: 1234 or 1.234) is *ambiguous* and is
  read with the column's convention, which is the one most rows of the column show, or the
  file's (sniffed) convention when the column shows none.

Values written in the other convention than the column's, ambiguous values read with the
file's convention, and several currencies in one column are reported, never silent.
Placeholders for a missing value (``NULL``, ``N/A``, ``NaN``, ``-``...) are missing, not
errors; ``inf`` and numbers too large for a float are errors, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Arrow-backed strings: .str methods run as vectorised Arrow kernels, not Python loops.
TEXT = pd.StringDtype("pyarrow")
# Upper-cased placeholders that mean "no value" in a number column (R writes NA, Excel #N/A).
MISSING_NUMBER_TOKENS: frozenset[str] = frozenset(
    {"", "-", "--", "NA", "N/A", "#N/A", "NULL", "(NULL)", "NONE", "NAN", "NIL", "?"})
CURRENCY_MARKS: tuple[str, ...] = ("£", "$", "€", "¥", "₹", "₩", "EUR", "GBP", "USD", "CHF", "JPY", "CNY", "SEK",
                                   "NOK", "DKK", "PLN", "CAD", "AUD")
_SAME_CURRENCY = {"£": "GBP", "€": "EUR", "₹": "INR", "₩": "KRW"}  # a symbol and its code are one currency
_CURRENCY = r"[£$€¥₹₩]|\b(?:" + "|".join(m for m in CURRENCY_MARKS if m.isalpha()) + r")\b"
# Thousands separators that are never decimal marks: spaces (also no-break ones) and the Swiss apostrophe.
_GROUP_SPACES = "[\\s\u00a0\u2007\u202f'’]"  # real characters, not escapes, for Arrow's RE2
_POINT_FORM = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?$"
_COMMA_FORM = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?$"


@dataclass(frozen=True)
class NumberParse:
    """Numbers parsed from a column, with what could not be read and what was decided.

    Attributes
    ----------
    values : Series of float
        The numbers (NaN where missing or failed).
    failed : Series of bool
        A value was present but is not a (finite) number.
    decimal_comma : bool
        The column's convention: True for ``1.234,5``.
    other_mark : Series of bool
        Values written with the other decimal mark than the column's, read as written.
    ambiguous : Series of bool
        Values that read differently with either mark, when the column itself did not
        say which mark it uses (read with the file's convention).
    currencies : tuple of str
        The currency marks seen in the column (see :meth:`mixed_currencies`).
    currency_rows : Series of bool
        Rows whose value carries a currency mark.
    """

    values: pd.Series
    failed: pd.Series
    decimal_comma: bool
    other_mark: pd.Series
    ambiguous: pd.Series
    currencies: tuple[str, ...]
    currency_rows: pd.Series

    def mixed_currencies(self) -> bool:
        """Whether the column holds amounts in more than one currency (``€`` and ``EUR`` are one)."""
        return len({_SAME_CURRENCY.get(mark, mark) for mark in self.currencies}) > 1


def parse_numbers(values: pd.Series, decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers; return (float values, mask of present values that failed).

    A shortcut for :func:`read_numbers` when the decisions are not needed.
    """
    parsed = read_numbers(values, decimal_comma)
    return parsed.values, parsed.failed


def read_numbers(values: pd.Series, decimal_comma: bool = False) -> NumberParse:
    """Parse a column of numbers; see the module docstring for the rules.

    Parameters
    ----------
    values : Series
        Text or numbers. Currency marks, spaces and thousands separators are removed;
        ``(12.50)`` and ``12.50-`` are -12.50.
    decimal_comma : bool
        The file's sniffed convention, used when the column's values do not decide it.
    """
    index = values.index
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(np.float64)
        false = pd.Series(False, index=index)
        failed = pd.Series(np.isinf(numbers.to_numpy()), index=index)
        return NumberParse(numbers.where(~failed), failed, decimal_comma, false, false, (), false)
    rows = read_number_groups(values.astype(TEXT), np.zeros(len(values), dtype=np.intp), 1, decimal_comma)
    series = {key: pd.Series(rows[key], index=index) for key in ("value", "failed", "other_mark", "ambiguous",
                                                                 "currency")}
    return NumberParse(values=series["value"], failed=series["failed"], decimal_comma=bool(rows["group_comma"][0]),
                       other_mark=series["other_mark"], ambiguous=series["ambiguous"], currencies=rows["currencies"],
                       currency_rows=series["currency"])


def read_number_groups(text: pd.Series, groups: np.ndarray, n_groups: int, file_decimal_comma: bool) -> dict:
    """Parse text whose rows belong to ``groups`` (columns stacked one after another), deciding
    the decimal mark per group: the work per distinct value is done once for all groups.

    Returns per-row arrays ``value``, ``failed``, ``other_mark``, ``ambiguous``, ``currency``,
    the per-group ``group_comma`` and the ``currencies`` seen.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    unique = _features(pd.Series(uniques, dtype=TEXT))
    valid = codes >= 0
    positions = np.where(valid, codes, 0)

    def per_row(feature: np.ndarray, fill: object) -> np.ndarray:
        out = feature[positions] if len(feature) else np.full(len(codes), fill)
        out[~valid] = fill
        return out

    point_ok, comma_ok = per_row(unique["point_ok"], False), per_row(unique["comma_ok"], False)
    has_mark = per_row(unique["has_mark"], False)
    point_rows = np.bincount(groups, weights=point_ok & ~comma_ok & has_mark, minlength=n_groups)
    comma_rows = np.bincount(groups, weights=comma_ok & ~point_ok & has_mark, minlength=n_groups)
    group_comma = np.where(point_rows != comma_rows, comma_rows > point_rows, file_decimal_comma)
    row_comma = group_comma[groups]
    value = np.where(comma_ok & (~point_ok | row_comma), per_row(unique["as_comma"], np.nan),
                     per_row(unique["as_point"], np.nan))
    value = np.where(per_row(unique["negative"], False), -value, value)
    missing = per_row(unique["missing"], True)
    failed = ~missing & ~np.isfinite(value)
    value[failed | missing] = np.nan
    other = np.where(row_comma, point_ok & ~comma_ok & has_mark, comma_ok & ~point_ok) & ~failed
    ambiguous = per_row(unique["ambiguous"], False) & ~failed & (point_rows == comma_rows)[groups]
    return {"value": value, "failed": failed, "other_mark": other, "ambiguous": ambiguous,
            "currency": per_row(unique["currency"], False), "group_comma": group_comma,
            "currencies": unique["currencies"]}


def _features(uniques: pd.Series) -> dict:
    """What each distinct value reads as under either decimal mark (and its currency), once."""
    stripped = uniques.str.strip()
    missing = stripped.str.upper().isin(MISSING_NUMBER_TOKENS).to_numpy(dtype=bool)
    currency = stripped.str.contains(_CURRENCY, regex=True).fillna(False).to_numpy(dtype=bool)
    text = stripped.str.replace(_CURRENCY, "", regex=True).str.replace(_GROUP_SPACES, "", regex=True)
    negative = (text.str.match(r"^\(.*\)$") | text.str.match(r"^[^+-].*\d-$")).fillna(False).to_numpy(dtype=bool)
    text = text.str.strip("()").str.replace(r"(\d)-$", r"\1", regex=True)
    has_digit = text.str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    point_ok = text.str.match(_POINT_FORM).fillna(False).to_numpy(dtype=bool) & has_digit
    comma_ok = text.str.match(_COMMA_FORM).fillna(False).to_numpy(dtype=bool) & has_digit
    as_point = _to_float(text.str.replace(",", "", regex=False), point_ok)
    as_comma = _to_float(text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False), comma_ok)
    with_mark = stripped[currency]
    marks = tuple(m for m in CURRENCY_MARKS if len(with_mark) and (
        with_mark.str.contains(rf"\b{m}\b", regex=True) if m.isalpha() else with_mark.str.contains(m, regex=False)).any())
    return {"missing": missing, "currency": currency, "negative": negative, "point_ok": point_ok,
            "comma_ok": comma_ok, "as_point": as_point, "as_comma": as_comma,
            "ambiguous": point_ok & comma_ok & (as_point != as_comma),
            "has_mark": text.str.contains(r"[.,]", regex=True).fillna(False).to_numpy(dtype=bool),
            "currencies": marks}


def _to_float(text: pd.Series, ok: np.ndarray) -> np.ndarray:
    """Floats where ``ok`` (numbers too large for a float become inf, caught as failures)."""
    out = np.full(len(text), np.nan)
    if ok.any():
        out[ok] = pd.to_numeric(text[ok].astype(object), errors="coerce").astype(np.float64).to_numpy()
    return out
