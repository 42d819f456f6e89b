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
    codes, uniques = pd.factorize(values.astype(TEXT), use_na_sentinel=True)
    unique = _parse_uniques(pd.Series(uniques, dtype=TEXT), codes, decimal_comma)

    def rows(per_unique: np.ndarray, fill: object) -> pd.Series:
        out = np.full(len(codes), fill, dtype=per_unique.dtype)
        valid = codes >= 0
        out[valid] = per_unique[codes[valid]]
        return pd.Series(out, index=index)

    return NumberParse(
        values=rows(unique["value"], np.nan), failed=rows(unique["failed"], False),
        decimal_comma=unique["decimal_comma"], other_mark=rows(unique["other_mark"], False),
        ambiguous=rows(unique["ambiguous"], False), currencies=unique["currencies"],
        currency_rows=rows(unique["currency"], False),
    )


def _parse_uniques(uniques: pd.Series, codes: np.ndarray, file_decimal_comma: bool) -> dict:
    """Everything :func:`read_numbers` needs, computed once per distinct value."""
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
    both = point_ok & comma_ok
    ambiguous = both & (as_point != as_comma)
    has_mark = text.str.contains(r"[.,]", regex=True).fillna(False).to_numpy(dtype=bool)
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
    point_rows = int(weights[point_ok & ~comma_ok & has_mark].sum())
    comma_rows = int(weights[comma_ok & ~point_ok & has_mark].sum())
    column_comma = comma_rows > point_rows if comma_rows != point_rows else file_decimal_comma
    value = np.where(comma_ok & (~point_ok | column_comma), as_comma, as_point)
    value = np.where(negative, -value, value)
    failed = ~missing & ~np.isfinite(value)
    value = np.where(failed | missing, np.nan, value)
    other = (comma_ok & ~point_ok) if not column_comma else (point_ok & ~comma_ok & has_mark)
    with_mark = stripped[currency]
    marks = tuple(m for m in CURRENCY_MARKS if len(with_mark) and (
        with_mark.str.contains(rf"\b{m}\b", regex=True) if m.isalpha() else with_mark.str.contains(m, regex=False)).any())
    return {"value": value, "failed": failed, "decimal_comma": bool(column_comma), "other_mark": other & ~failed,
            "ambiguous": ambiguous & ~failed & (point_rows == comma_rows), "currencies": marks,
            "currency": currency}


def _to_float(text: pd.Series, ok: np.ndarray) -> np.ndarray:
    """Floats where ``ok`` (numbers too large for a float become inf, caught as failures)."""
    out = np.full(len(text), np.nan)
    if ok.any():
        out[ok] = pd.to_numeric(text[ok].astype(object), errors="coerce").astype(np.float64).to_numpy()
    return out
