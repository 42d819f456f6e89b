"""Clean id and name text so that one product (customer, store) is one value.

- Invisible and format characters (zero-width space, soft hyphen, byte-order mark,
  direction marks) are removed and odd spaces (no-break, narrow, ideographic) become plain
  spaces, so ``MUG\\u200b`` and ``MUG`` are one product.
- Placeholders for a missing value (``NULL``, ``N/A``, ``-``, ``None``, ``nan``...) are
  missing, so they never become a customer or a product.
- In id columns, integral decimals are whole numbers (``12345.0`` is customer ``12345``:
  Excel and Online Retail II write customer ids as floats).

Work is done once per distinct value. The result is categorical (codes into the distinct
cleaned values), so the checks that follow map over distinct values without factorising
again and keeping rows only masks integer codes; :func:`as_text` turns it into Arrow-backed
text at the end (one ``take`` per column).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from retail.data.numeric import TEXT

# Real characters (not escapes) because Arrow's regex engine (RE2) reads the pattern as is.
_INVISIBLE = "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
_ODD_SPACES = "[\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_INTEGRAL_DECIMAL = r"^([+-]?\d+)\.0+$"


@dataclass(frozen=True)
class CleanText:
    """Cleaned text and, per row, which repair was made."""

    values: pd.Series  # categorical over the cleaned text: see as_text
    placeholder: np.ndarray
    invisible: np.ndarray
    integral: np.ndarray


def clean_text(values: pd.Series, missing_values: tuple[str, ...] = (), is_id: bool = False) -> CleanText:
    """Strip and repair text (blank becomes missing); see the module docstring.

    Parameters
    ----------
    values : Series
        Text, or numbers (an integral float column is written without ``.0``).
    missing_values : tuple of str
        Placeholders read as missing (compared case-insensitively after stripping).
    is_id : bool
        Also write integral decimals (``12345.0``) as whole numbers.
    """
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if (present == np.floor(present)).all():
            values = values.astype("Int64")
    codes, uniques = pd.factorize(values if values.dtype == TEXT else values.astype(TEXT), use_na_sentinel=True)
    raw = pd.Series(uniques, dtype=TEXT).str.strip()
    text = raw.str.replace(_INVISIBLE, "", regex=True).str.replace(_ODD_SPACES, " ", regex=True).str.strip()
    invisible = (text != raw).to_numpy(dtype=bool)
    placeholder = (text.str.upper().isin({token.upper() for token in missing_values}) & (text != "")).to_numpy(bool)
    integral = np.zeros(len(text), dtype=bool)
    if is_id:
        integral = text.str.match(_INTEGRAL_DECIMAL).fillna(False).to_numpy(dtype=bool)
        # The decimal zeros go (12345.0 -> 12345) with Arrow's kernel: a replacement naming a group
        # (r"\1") would send every distinct id through Python's re (26,000 invoice numbers: 0.1 s).
        text = text.mask(integral, text.str.replace(r"\.0+$", "", regex=True))
    text = text.mask(placeholder | (text == "").to_numpy(dtype=bool))
    # Cleaning can merge values ("A\u200b" and "A"): factorise the few cleaned values again.
    merged, categories = pd.factorize(text, use_na_sentinel=True)
    row_codes = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1) if len(merged) else codes
    cleaned = pd.Series(pd.Categorical.from_codes(row_codes, categories=pd.Index(categories, dtype=TEXT)),
                        index=values.index)

    def per_row(flags: np.ndarray) -> np.ndarray:  # most repairs never happen: no pass over the rows then
        return np.where(codes >= 0, flags[np.maximum(codes, 0)], False) if flags.any() else np.zeros(len(codes), bool)

    return CleanText(cleaned, per_row(placeholder), per_row(invisible), per_row(integral))


def as_text(values: pd.Series) -> pd.Series:
    """A categorical text column as Arrow-backed text (other columns are returned as they are)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    categories = values.cat.categories.astype(TEXT).array
    return pd.Series(categories.take(values.cat.codes.to_numpy(), allow_fill=True), index=values.index, dtype=TEXT)


def stack_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The text of ``columns`` one after another in one Arrow-backed series (column i is rows
    ``i * len(frame)`` to ``(i + 1) * len(frame)``), so a 10,000-column file is parsed in one pass."""
    arrays = [pa.array(as_text(frame[column]).astype(TEXT).array) for column in columns]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(arrays, type=pa.large_string())))


def visible(values: pd.Series) -> pd.Series:
    """Text with its invisible characters and odd spaces written out, for a report."""
    text = values.astype(TEXT)
    return text.str.replace(_INVISIBLE, "[invisible]", regex=True).str.replace(_ODD_SPACES, "[no-break space]",
                                                                                 regex=True)
