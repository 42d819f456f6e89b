"""Forecast settings that fit the data's length, said in one sentence.

Weekly, 8 weeks ahead, tested on 3 earlier windows needs 32 complete weeks; a 9-day workbook or a
23-week basket list cannot give that, and a run that fails after a minute teaches nobody anything.
:func:`suggest` picks the frequency, horizon and backtest windows the history can carry: weekly when
at least 12 complete weeks allow a horizon of 4 weeks or more with two windows, else daily (never finer
than the rows themselves: a file of weekly totals stays weekly), the longest horizon up to the usual
one that still leaves two windows, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from retail import frequency
from retail.data import kinds, schema
from retail.formatting import count

USUAL: dict[str, tuple[int, int]] = {"D": (14, 3), "W": (8, 3), "M": (3, 3)}  # horizon, windows
SHORTEST_WEEKLY_HORIZON = 4
FINER = {"day": ("W", "D"), "week": ("W",), "month": ("M",)}


@dataclass(frozen=True)
class Suggestion:
    """The suggested frequency, horizon and backtest windows, the complete periods seen, and why."""

    freq: str
    horizon: int
    windows: int
    periods: int
    reason: str


def needed(horizon: int, windows: int) -> int:
    """Periods a series needs for ``windows`` backtest windows of ``horizon`` (as ForecastSettings counts)."""
    return max(horizon, 2) + windows * horizon


def complete_periods(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> int:
    """Periods from the one holding ``first`` to the last one that ``last`` completes."""
    period = frequency.get(freq)
    starts = frequency.period_start(pd.Series([first, last]), freq)
    end = starts.iat[1] if freq == "D" or pd.Timestamp(last).normalize() >= period.period_end(starts.iat[1]) \
        else starts.iat[1] - period.offset
    return len(pd.date_range(starts.iat[0], end, freq=period.offset)) if end >= starts.iat[0] else 0


def fit_to(periods: int, freq: str) -> tuple[int, int] | None:
    """The longest horizon up to the usual one, with as many windows (up to the usual) as the periods
    allow, preferring two windows or more; None when not even one window of one period fits."""
    usual_horizon, usual_windows = USUAL[freq]
    for horizon in range(usual_horizon, 0, -1):
        windows = min(usual_windows, (periods - max(horizon, 2)) // horizon)
        if windows >= 2:
            return horizon, windows
    return (1, 1) if periods >= needed(1, 1) else None


def suggest(frame: pd.DataFrame, kind: str = "line_items") -> Suggestion:
    """Settings for the sale lines of ``frame`` (canonical rows; ``kind`` as in :mod:`retail.data.kinds`)."""
    dates = schema.sales_only(frame)[schema.DATE].dropna()
    if dates.empty:
        return Suggestion("W", *USUAL["W"], 0, "The data has no sale lines yet.")
    first, last = dates.min(), dates.max()
    rows = kinds.row_period(frame, kind) if kind in ("store_totals", "product_totals") else "day"
    for freq in FINER[rows]:
        periods = complete_periods(first, last, freq)
        fitted = fit_to(periods, freq)
        if fitted and (freq != "W" or fitted[0] >= SHORTEST_WEEKLY_HORIZON or rows != "day"):
            return Suggestion(freq, *fitted, periods, _reason(freq, *fitted, periods, rows))
    periods = complete_periods(first, last, "D")
    return Suggestion("D", 1, 1, periods, f"The data covers {count(periods, 'day')}: too short to forecast "
                      f"(a forecast needs at least {needed(1, 1)} days to be tested on one earlier day).")


def _reason(freq: str, horizon: int, windows: int, periods: int, rows: str) -> str:
    period = frequency.get(freq)
    text = (f"The data covers {count(periods, 'complete ' + period.period)}, so the forecast starts "
            f"{period.label}, {count(horizon, period.period)} ahead, tested on {count(windows, 'earlier window')}")
    usual_horizon, usual_windows = USUAL[freq]
    if (horizon, windows) != (usual_horizon, usual_windows):
        text += (f" (the usual {usual_horizon} {period.period}s ahead with {usual_windows} windows needs "
                 f"{needed(usual_horizon, usual_windows)} {period.period}s)")
    if freq == "D" and rows == "day":
        text += f"; weekly forecasts need {needed(SHORTEST_WEEKLY_HORIZON, 2)} complete weeks"
    return text + "."
