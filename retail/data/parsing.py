"""Turn text cells into dates (and, via :mod:`retail.data.numeric`, numbers), vectorised.

Values are parsed once per distinct value (transaction files repeat the same timestamps
and prices many times), then broadcast back, which keeps a million rows well under a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from retail.data.numeric import TEXT, NumberParse, parse_numbers, read_numbers

__all__ = ["TEXT", "DateParse", "NumberParse", "map_unique", "parse_dates", "parse_numbers", "read_numbers"]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL_RANGE = (20_000, 80_000)  # 1954 .. 2119
_TIMES = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_DAY_FIRST = [f"%d{sep}%m{sep}%Y" for sep in "/-."] + [f"%d{sep}%m{sep}%y" for sep in "/-."]
_MONTH_FIRST = [f"%m{sep}%d{sep}%Y" for sep in "/-."] + [f"%m{sep}%d{sep}%y" for sep in "/-."]
_NEUTRAL = ["%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y",
            "%B %d, %Y", "%d-%b-%y"]
SAMPLE_SIZE = 2000


@dataclass(frozen=True)
class DateParse:
    """Dates parsed from a column and how: the format chosen and what could not be read."""

    values: pd.Series
    date_format: str
    dayfirst: bool | None
    failed: pd.Series  # boolean mask: a value was present but could not be parsed
    other_format_count: int = 0


def map_unique(values: pd.Series, func: Callable[[pd.Series], pd.Series], fill: Any) -> np.ndarray:
    """Apply ``func`` to each distinct value of ``values`` once and broadcast the result.

    ``func`` receives the distinct non-missing values as Arrow-backed text; missing values
    get ``fill``. Retail columns have few distinct values (codes, ids, prices), so this is
    much faster than a row-wise string operation. A categorical column (validation keeps the
    cleaned id and name columns so) is not even factorised again.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.asarray(func(pd.Series(uniques).astype(TEXT)))
    out = np.empty(len(codes), dtype=mapped.dtype if len(mapped) else object)
    valid = codes >= 0
    out[valid] = mapped[codes[valid]]
    if not valid.all():
        out = out.astype(object) if fill is None else out
        out[~valid] = fill
    return out


def _formats(order: list[str]) -> list[str]:
    return [date + time for date, time in product(order, _TIMES)]


def candidate_formats(dayfirst: bool | None) -> list[tuple[str, bool | None]]:
    """Formats to try, ISO first, then day-first / month-first in the preferred order."""
    neutral = [("ISO8601", None)] + [(f, None) for f in _formats(_NEUTRAL)]
    day = [(f, True) for f in _formats(_DAY_FIRST)]
    month = [(f, False) for f in _formats(_MONTH_FIRST)]
    if dayfirst is False:
        return neutral + month
    if dayfirst is True:
        return neutral + day
    return neutral + day + month


def _parse_with(values: pd.Series, date_format: str) -> pd.Series:
    return pd.to_datetime(values, format=date_format, errors="coerce")


def _best_format(sample: pd.Series, dayfirst: bool | None) -> tuple[str, bool | None]:
    best_format, best_order, best_share = "ISO8601", None, -1.0
    for date_format, order in candidate_formats(dayfirst):
        share = float(_parse_with(sample, date_format).notna().mean())
        # Strictly better only: on ties the earlier (ISO, then day-first) format wins.
        if share > best_share:
            best_format, best_order, best_share = date_format, order, share
        if share == 1.0:
            break
    return best_format, best_order


def _excel_serial(values: pd.Series) -> pd.Series | None:
    numbers = pd.to_numeric(values, errors="coerce")
    present = numbers.dropna()
    low, high = _EXCEL_SERIAL_RANGE
    if present.empty or not present.between(low, high).mean() > 0.95:
        return None
    return EXCEL_EPOCH + pd.to_timedelta(numbers.where(numbers.between(low, high)), unit="D")


def parse_dates(values: pd.Series, dayfirst: bool | None = None, date_format: str | None = None) -> DateParse:
    """Parse a column of dates, choosing the format from the data.

    Parameters
    ----------
    values : Series
        Text, numbers (Excel serial dates or yyyymmdd) or datetimes.
    dayfirst : bool, optional
        Force day-first (True) or month-first (False); by default decided from the data,
        and day-first when every value is ambiguous (``03/04/2011``).
    date_format : str, optional
        An explicit strftime format, which skips detection.
    """
    present = values.notna()
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return DateParse(parsed.astype("datetime64[ns]"), "datetime", None, pd.Series(False, index=values.index))
    if pd.api.types.is_numeric_dtype(values) and not values.dropna().between(19_000_101, 21_001_231).all():
        serial = _excel_serial(values)
        if serial is not None:
            return DateParse(serial, "Excel serial", None, present & serial.isna())
    codes, uniques = pd.factorize(values.astype(TEXT).str.strip(), use_na_sentinel=True)
    uniques = pd.Series(uniques, dtype=TEXT)
    if date_format:
        chosen, order = date_format, dayfirst
        parsed_uniques = _parse_with(uniques, date_format)
        rescued = np.zeros(len(uniques), dtype=bool)
    else:
        serial = _excel_serial(uniques) if uniques.str.fullmatch(r"\d{5}(\.\d+)?").mean() > 0.95 else None
        if serial is not None:
            chosen, order, parsed_uniques = "Excel serial", None, serial
            rescued = np.zeros(len(uniques), dtype=bool)
        else:
            chosen, order = _best_format(uniques.head(SAMPLE_SIZE), dayfirst)
            parsed_uniques, rescued = _parse_leftovers(uniques, chosen, order)
    parsed = _broadcast(codes, parsed_uniques, values.index)
    other_rows = int(np.isin(codes, np.flatnonzero(rescued)).sum()) if rescued.any() else 0
    return DateParse(parsed, chosen, order, present & parsed.isna(), other_rows)


def _parse_leftovers(uniques: pd.Series, chosen: str, order: bool | None) -> tuple[pd.Series, np.ndarray]:
    """Parse with the chosen format, then give values it missed a second chance with other
    formats of the same day/month order (files merged from several exports).

    Returns the parsed values and a mask of the values read with another format."""
    parsed = _parse_with(uniques, chosen)
    missing = parsed.isna() & uniques.notna()
    first_pass_missing = missing.to_numpy().copy()
    for date_format, fmt_order in candidate_formats(order):
        if not missing.any():
            break
        if date_format == chosen or (order is not None and fmt_order not in (None, order)):
            continue
        attempt = _parse_with(uniques[missing], date_format)
        ok = attempt.notna()
        parsed.loc[attempt.index[ok]] = attempt[ok]
        missing = parsed.isna() & uniques.notna()
    return parsed, first_pass_missing & ~missing.to_numpy()


def _broadcast(codes: np.ndarray, parsed_uniques: pd.Series, index: pd.Index) -> pd.Series:
    lookup = parsed_uniques.to_numpy(dtype="datetime64[ns]")
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = codes >= 0
    out[valid] = lookup[codes[valid]]
    return pd.Series(out, index=index)
