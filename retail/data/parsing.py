"""Turn text cells into dates (and, via :mod:`retail.data.numeric`, numbers), vectorised.

Values are parsed once per distinct value (transaction files repeat the same timestamps
and prices many times), then broadcast back, which keeps a million rows well under a second.
"""

from __future__ import annotations

import re
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
# Unix time is recognised by its plausible range, 1990-01-01 .. 2100-01-01, in each unit.
_UNIX_RANGE_SECONDS = (631_152_000, 4_102_444_800)
_UNIX_UNITS = (("Unix seconds", "s", 1), ("Unix milliseconds", "ms", 10**3), ("Unix microseconds", "us", 10**6),
               ("Unix nanoseconds", "ns", 10**9))
# A time of day followed by an offset or zone: 2011-01-05T23:30:00+02:00, 10:00:00.000Z, 10:00 UTC.
_UTC_OFFSET = r"^(.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
_TIMES = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_DAY_FIRST = [f"%d{sep}%m{sep}%Y" for sep in "/-."] + [f"%d{sep}%m{sep}%y" for sep in "/-."]
_MONTH_FIRST = [f"%m{sep}%d{sep}%Y" for sep in "/-."] + [f"%m{sep}%d{sep}%y" for sep in "/-."]
_NEUTRAL = ["%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y",
            "%B %d, %Y", "%d-%b-%y"]
SAMPLE_SIZE = 2000
#: How 03/04/2011 is read: name -> (day first?, what a user reads). ``auto`` decides from the data.
DATE_ORDERS: dict[str, tuple[bool | None, str]] = {
    "auto": (None, "decide from the data"),
    "dayfirst": (True, "day first (31/12/2024)"),
    "monthfirst": (False, "month first (12/31/2024)"),
}


@dataclass(frozen=True)
class DateParse:
    """Dates parsed from a column and how: the format chosen and what could not be read."""

    values: pd.Series
    date_format: str
    dayfirst: bool | None
    failed: pd.Series  # boolean mask: a value was present but could not be parsed
    other_format_count: int = 0
    offset_rows: int = 0  # rows whose UTC offset or time zone was dropped (local time kept)
    zone: str | None = None  # the time zone of a zoned datetime column


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


def _excel_serial(numbers: pd.Series) -> pd.Series | None:
    present = numbers.dropna()
    low, high = _EXCEL_SERIAL_RANGE
    if present.empty or not present.between(low, high).mean() > 0.95:
        return None
    return EXCEL_EPOCH + pd.to_timedelta(numbers.where(numbers.between(low, high)), unit="D")


def _unix_time(numbers: pd.Series) -> tuple[pd.Series, str] | None:
    """Unix timestamps, the unit told by the plausible range (1990-2100) of nearly all values."""
    present = numbers.dropna()
    for label, unit, scale in _UNIX_UNITS:
        low, high = (bound * scale for bound in _UNIX_RANGE_SECONDS)
        if not present.empty and present.between(low, high).mean() > 0.95:
            inside = numbers.where(numbers.between(low, high))
            return pd.to_datetime(inside, unit=unit).astype("datetime64[ns]"), label
    return None


def describe_format(date_format: str | None) -> str:
    """A date format in words a merchandiser reads: ``%d-%m-%Y`` -> ``day-month-year, like 31-12-2024``."""
    if not date_format:
        return "unknown"
    if date_format == "ISO8601":
        return "year-month-day, like 2024-12-31"
    if "%" not in date_format:
        return date_format  # Excel serial, Unix time: already words
    order = [{"d": "day", "m": "month", "b": "month", "B": "month", "Y": "year", "y": "year"}[c]
             for c in re.findall(r"%([dmbBYy])", date_format)]
    example = pd.Timestamp("2024-12-31 23:59:58").strftime(date_format)
    return f"{'-'.join(order)}{' with time' if '%H' in date_format or '%I' in date_format else ''}, like {example}"


def dates_from_numbers(values: pd.Series) -> tuple[pd.Series, str] | None:
    """Dates from a column of plain numbers: Unix time (s, ms, us, ns) or Excel serial days;
    None when the numbers are neither (yyyymmdd numbers are read as text formats)."""
    numbers = pd.to_numeric(values.astype(object) if values.dtype == TEXT else values, errors="coerce")
    unix = _unix_time(numbers)
    if unix is not None:
        return unix
    serial = _excel_serial(numbers)
    return (serial, "Excel serial") if serial is not None else None


def _strip_offsets(uniques: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Remove a trailing UTC offset or zone (``+02:00``, ``Z``, ``UTC``) after a time of day, so the
    local wall time written in the file is kept (as for zoned Parquet timestamps)."""
    with_offset = uniques.str.match(_UTC_OFFSET).fillna(False).to_numpy(dtype=bool)
    if not with_offset.any():
        return uniques, with_offset
    return uniques.str.replace(_UTC_OFFSET, r"\1", regex=True), with_offset


def parse_dates(values: pd.Series, dayfirst: bool | None = None, date_format: str | None = None) -> DateParse:
    """Parse a column of dates, choosing the format from the data.

    Parameters
    ----------
    values : Series
        Text, numbers (Excel serial dates, Unix time in s / ms / us / ns, yyyymmdd) or datetimes.
        A UTC offset or zone is dropped: the local time written is kept.
    dayfirst : bool, optional
        Force day-first (True) or month-first (False); by default decided from the data,
        and day-first when every value is ambiguous (``03/04/2011``).
    date_format : str, optional
        An explicit strftime format, which skips detection.
    """
    present = values.notna()
    if pd.api.types.is_datetime64_any_dtype(values):
        zone = getattr(values.dt, "tz", None)
        parsed = values.dt.tz_localize(None) if zone else values
        return DateParse(parsed.astype("datetime64[ns]"), "datetime", None, pd.Series(False, index=values.index),
                         offset_rows=int(present.sum()) if zone else 0, zone=str(zone) if zone else None)
    if pd.api.types.is_numeric_dtype(values) and not values.dropna().between(19_000_101, 21_001_231).all():
        numeric = dates_from_numbers(values)
        if numeric is not None:
            return DateParse(numeric[0], numeric[1], None, present & numeric[0].isna())
    codes, uniques = pd.factorize(values.astype(TEXT).str.strip(), use_na_sentinel=True)
    uniques, with_offset = _strip_offsets(pd.Series(uniques, dtype=TEXT))
    chosen, order, parsed_uniques, rescued = _parse_uniques(uniques, dayfirst, date_format)
    parsed = _broadcast(codes, parsed_uniques, values.index)
    valid_codes = codes[codes >= 0]
    return DateParse(parsed, chosen, order, present & parsed.isna(),
                     other_format_count=int(rescued[valid_codes].sum()) if rescued.any() else 0,
                     offset_rows=int(with_offset[valid_codes].sum()) if with_offset.any() else 0)


def _parse_uniques(uniques: pd.Series, dayfirst: bool | None,
                   date_format: str | None) -> tuple[str, bool | None, pd.Series, np.ndarray]:
    """The format chosen, the day order, the parsed distinct values and which needed another format."""
    none_rescued = np.zeros(len(uniques), dtype=bool)
    if date_format:
        return date_format, dayfirst, _parse_with(uniques, date_format), none_rescued
    if len(uniques) and uniques.str.fullmatch(r"\d+(?:\.\d+)?").mean() > 0.95:
        numeric = dates_from_numbers(uniques)
        if numeric is not None:
            return numeric[1], None, numeric[0], none_rescued
    chosen, order = _best_format(uniques.head(SAMPLE_SIZE), dayfirst)
    parsed_uniques, rescued = _parse_leftovers(uniques, chosen, order)
    return chosen, order, parsed_uniques, rescued


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
