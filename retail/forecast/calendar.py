"""A promotion calendar for the periods ahead: what a column known in advance will be.

A merchandiser plans promotions as date ranges ("Promo from 5 to 11 January in stores 3 and 7"),
not as one number per series and forecast period. :func:`future_values` turns such a calendar
(``start``, ``end``, optional ``store_id``, one column per known column) into the per-series,
per-period values the models read, the way the history was built: the daily values averaged over
each period (a promotion on 3 days of a week reads 3/7), days the calendar does not list read 0,
a row without a store counts for every store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data import schema

START, END = "start", "end"


def empty_calendar(columns: Sequence[str], stores: bool = False) -> pd.DataFrame:
    """A calendar with no promotion yet (the editor's starting table)."""
    frame = pd.DataFrame({START: pd.Series(dtype="datetime64[ns]"), END: pd.Series(dtype="datetime64[ns]")})
    if stores:
        frame[schema.STORE_ID] = pd.Series(dtype=object)
    for column in columns:
        frame[column] = pd.Series(dtype=float)
    return frame


def check_calendar(calendar: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The calendar's complete rows, typed; ``ValueError`` naming what is wrong."""
    missing = [c for c in (START, END, *columns) if c not in calendar.columns]
    if missing:
        raise ValueError(f"The promotion calendar needs the columns {missing} (a start and end date, then one "
                         "column per column known in advance).")
    rows = calendar.dropna(subset=[START, END]).copy()
    rows[START], rows[END] = pd.to_datetime(rows[START]).dt.normalize(), pd.to_datetime(rows[END]).dt.normalize()
    backwards = rows[rows[END] < rows[START]]
    if len(backwards):
        first = backwards.iloc[0]
        raise ValueError(f"A promotion ends ({first[END]:%d %b %Y}) before it starts ({first[START]:%d %b %Y}): "
                         "swap the dates.")
    for column in columns:
        rows[column] = pd.to_numeric(rows[column], errors="coerce").fillna(1.0)  # a listed day is on promotion
    return rows


def future_values(calendar: pd.DataFrame, columns: Sequence[str], series_info: pd.DataFrame,
                  dates: pd.DatetimeIndex, freq: str) -> pd.DataFrame:
    """Per series and forecast period (``dates``, period labels), the calendar's mean daily value of each column.

    ``series_info`` lists the series (``series_id``; ``store_id`` when the series are per store).
    """
    rows = check_calendar(calendar, columns)
    period = frequency.get(freq)
    days = pd.date_range(dates.min(), period.period_end(dates.max()), freq="D")
    ids = series_info[SERIES_ID].astype(str).to_numpy()
    stores = (series_info[schema.STORE_ID].astype(str).to_numpy() if schema.STORE_ID in series_info
              else np.full(len(ids), None))
    daily = {column: np.zeros((len(ids), len(days))) for column in columns}
    for row in rows.to_dict("records"):
        on = (days >= row[START]) & (days <= row[END])
        store = row.get(schema.STORE_ID)
        who = np.ones(len(ids), bool) if store is None or pd.isna(store) or str(store).strip() == "" \
            else stores == str(store).strip()
        for column in columns:
            daily[column][np.ix_(who, on)] = np.maximum(daily[column][np.ix_(who, on)], row[column])
    labels = frequency.period_start(pd.Series(days), freq).to_numpy()
    parts = []
    for column in columns:
        wide = pd.DataFrame(daily[column], index=ids, columns=labels).T.groupby(level=0).mean().T
        parts.append(wide.stack().rename(column))
    frame = pd.concat(parts, axis=1).rename_axis([SERIES_ID, DATE]).reset_index()
    return frame[frame[DATE].isin(dates)].reset_index(drop=True)
