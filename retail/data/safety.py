"""One rule for text that a spreadsheet would run as a formula (CSV / formula injection).

Text is a formula when it begins with ``=``, ``+``, ``@``, a tab or a carriage return, or
with ``-`` unless the whole text is a plain number: ``-5`` and ``-1,234.50`` are numbers,
but ``-1+1`` and ``-2+3+cmd|' /C calc'!A0`` are formulas to Excel and LibreOffice.
Validation counts such cells with :func:`looks_like_formula`; every export writes text
through :func:`neutralise_frame`, which puts an apostrophe in front so the cell is shown
as text and never evaluated. Both use this one rule, so what the report counts is exactly
what the exports neutralise.
"""

from __future__ import annotations

import pandas as pd

# Arrow's regex engine (RE2) has no look-ahead, so "- not followed by a number" is two masks.
_FORMULA_START = r"^[=+@\t\r]"
_PLAIN_NEGATIVE_NUMBER = r"^-[\d.,]*\d(?:[eE][+-]?\d+)?$"
_TEXT = pd.StringDtype("pyarrow")


def _text_view(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The values as Arrow-backed text, and a mask of the cells that really are text.

    Numbers, dates and other objects in a mixed column (a settings table) are never formulas,
    even when their printed form starts with '-'.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype(_TEXT), values.notna()
    if values.dtype != object:
        false = pd.Series(False, index=values.index)
        return pd.Series(pd.NA, index=values.index, dtype=_TEXT), false
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype(_TEXT), values.notna()
    # A mixed object column: a short export table, so an element-wise type check is cheap.
    is_text = values.map(lambda value: isinstance(value, str)).astype(bool)
    return values.where(is_text).astype(_TEXT), is_text


def looks_like_formula(values: pd.Series) -> pd.Series:
    """Boolean mask (same index) of the text cells a spreadsheet would evaluate as a formula.

    Parameters
    ----------
    values : Series
        Any column; only its text cells can be formulas.
    """
    text, is_text = _text_view(values)
    starts = text.str.match(_FORMULA_START)
    minus = text.str.startswith("-") & ~text.str.match(_PLAIN_NEGATIVE_NUMBER)
    return ((starts | minus).fillna(False).astype(bool) & is_text).astype(bool)


def neutralise(value: object) -> object:
    """Prefix a text value that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and bool(looks_like_formula(pd.Series([value], dtype=object)).iloc[0]):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with every formula-like text cell (and column name) neutralised.

    Numbers and dates are untouched, so an export keeps them as numbers and dates.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        mask = looks_like_formula(column)
        if mask.any():
            fixed = column.astype(object).copy()
            fixed[mask] = "'" + column[mask].astype(str)
            out.isetitem(position, fixed)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def plot_text(value: object) -> str:
    """``value`` as Plotly shows it literally in a label, title or hover. Plotly reads a few HTML tags
    in its text (``<b>``, ``<a href>``, ``<br>``); a product named ``<img src=x onerror=...>`` would lose
    its name (and a link tag would become a link), so ``&``, ``<`` and ``>`` go in as entities, which
    Plotly draws as the characters themselves."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
