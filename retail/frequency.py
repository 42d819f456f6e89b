"""Periods: days, Monday-Sunday weeks and calendar months, declared once.

Every part of the project that buckets dates (the overview trend, forecast panels,
features, seasonal baselines, chart axes) reads its period rules from :data:`FREQUENCIES`:
a week is labelled by its Monday and a month by its first day, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Frequency:
    """One period length and the rules that follow from it.

    Attributes
    ----------
    code : 'D', 'W' or 'M' (settings, the command line, stored runs).
    label, period : 'weekly' / 'week' for sentences and widgets.
    axis_title : the title of a chart's date axis.
    season : periods per seasonal cycle for baselines and MASE (a week of days, a year of weeks or months).
    short_season : the seasonal feature's cycle when there is less than two years of history.
    year : periods per year (yearly lags and calendar features need two of them).
    absence : a run of at least this many zero periods followed by a sale is an absence, not zero demand.
    moving_average : the moving-average baseline's window.
    recent : periods whose mean is a series' recent level (scales the prediction intervals).
    """

    code: str
    label: str
    period: str
    axis_title: str
    pandas_period: str
    season: int
    short_season: int
    year: int
    absence: int
    moving_average: int
    recent: int

    @property
    def offset(self) -> pd.DateOffset:
        """The step between two consecutive period labels."""
        return {"D": pd.DateOffset(days=1), "W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1)}[self.code]

    def usable_season(self, n_periods: int) -> int:
        """The season when the history holds two of them, else 1 (repeat the last period)."""
        return self.season if n_periods >= 2 * self.season else 1

    def period_end(self, label: pd.Timestamp) -> pd.Timestamp:
        """The last day of the period labelled ``label``."""
        return pd.Timestamp(label) + self.offset - pd.Timedelta(days=1)


FREQUENCIES: dict[str, Frequency] = {
    "D": Frequency("D", "daily", "day", "Day", "D", season=7, short_season=7, year=365, absence=56,
                   moving_average=28, recent=28),
    "W": Frequency("W", "weekly", "week", "Week starting (Monday)", "W-SUN", season=52, short_season=4, year=52,
                   absence=8, moving_average=4, recent=8),
    "M": Frequency("M", "monthly", "month", "Month", "M", season=12, short_season=3, year=12, absence=3,
                   moving_average=3, recent=8),
}
CODES: tuple[str, ...] = tuple(FREQUENCIES)


def get(code: str) -> Frequency:
    """The :class:`Frequency` of ``code``; a ``ValueError`` naming the choices otherwise."""
    if code not in FREQUENCIES:
        choices = ", ".join(f"{f.code} ({f.label})" for f in FREQUENCIES.values())
        raise ValueError(f"Unknown frequency {code!r}; choose one of {choices}.")
    return FREQUENCIES[code]


def period_start(dates: pd.Series | pd.DatetimeIndex, code: str) -> pd.Series:
    """Label of the period holding each date (the day, the Monday of its week, the 1st of its month)."""
    stamps = pd.Series(pd.to_datetime(dates))
    if code == "D":
        return stamps.dt.normalize()
    return stamps.dt.to_period(get(code).pandas_period).dt.start_time


def infer(dates: pd.Series | np.ndarray) -> str:
    """'D', 'W' or 'M' from the spacing of period labels."""
    unique = np.unique(np.asarray(dates, dtype="datetime64[ns]"))
    if len(unique) < 2:
        raise ValueError("the panel needs at least two periods to tell its frequency; give it more history.")
    days = int(np.median(np.diff(unique)).astype("timedelta64[D]").astype(int))
    for code, (low, high) in {"D": (1, 1), "W": (7, 7), "M": (28, 31)}.items():
        if low <= days <= high:
            return code
    raise ValueError(
        f"periods are {days} days apart; build the panel with retail.analytics.aggregate.build_panel (D, W or M)."
    )


def covered_days(dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day that rows dated ``dates`` stand for.

    Rows of daily or line-level data stand for their own day. Rows that are weekly totals (every date
    on one weekday, a week or more apart: Walmart's Friday rows) stand for a whole week, whether the date
    is its first or last day, and monthly totals (every date on one day of the month) for their month:
    a period holding one such row is complete, though the row's date is not the period's last day.
    """
    days = pd.DatetimeIndex(pd.to_datetime(dates).dropna().dt.normalize().unique()).sort_values()
    if len(days) == 0:
        raise ValueError("no dated rows.")
    first, last = days[0], days[-1]
    if len(days) < 2 or np.diff(days.asi8).min() < pd.Timedelta(days=7).value:
        return first, last
    if days.dayofweek.nunique() == 1:
        week = pd.Timedelta(days=6)
        return first - week, last + week
    if days.day.nunique() == 1 or days.is_month_end.all():
        return first.to_period("M").start_time, last.to_period("M").end_time.normalize()
    return first, last
