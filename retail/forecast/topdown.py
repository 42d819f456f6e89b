"""Share of the total (top-down): forecast the sum of all series, then give each series its recent share.

One product's weekly sales jump with every large order; the shop's total moves slowly and its
trend and season are easy to read. This model forecasts the total with exponential smoothing
(:mod:`retail.forecast.ets`, one fit) and splits it by each series' share of the total over the
last ``share_periods`` periods (default eight weeks: 56 days, 8 weeks or 2 months). A series
that started, or came back from an absence, inside those periods is compared with the total of
the periods it was there. On Online Retail's weekly products it is about as accurate as
LightGBM and steadier; with LightGBM it forms the blend (:mod:`retail.forecast.combination`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.forecast.ets import forecast_one
from retail.forecast.features import PanelMatrix
from retail.forecast.models import ForecastModel, season_of

SHARE_PERIODS = {"D": 56, "W": 8, "M": 2}  # eight weeks: chosen on pre-test windows (benchmarks/bench_forecast_defaults.py)


def recent_shares(Y: np.ndarray, periods: int) -> np.ndarray:
    """Each row's share of the column totals over the last ``periods`` columns in which it was observed."""
    window = Y[:, -periods:]
    observed = ~np.isnan(window)
    totals = np.nansum(Y, axis=0)[-periods:]
    own = np.nansum(window, axis=1)
    compared = (observed * totals[None, :]).sum(axis=1)
    return np.divide(own, compared, out=np.zeros(len(Y)), where=compared > 0)


class ShareOfTotal(ForecastModel):
    """Exponential smoothing of the total of all series, split by each series' recent share.

    ``share_periods``: the recent periods whose shares are used (``None``: eight weeks of the
    panel's frequency). ``shares_`` and ``total_forecast_`` after fit.
    """

    def __init__(self, share_periods: int | None = None, max_horizon: int = 60):
        self.share_periods = share_periods
        self.max_horizon = max_horizon

    def _fit(self, m: PanelMatrix) -> None:
        periods = SHARE_PERIODS[m.freq] if self.share_periods is None else self.share_periods
        if periods < 1:
            raise ValueError(f"share_periods must be >= 1, got {periods}.")
        total = np.nansum(m.Y, axis=0)
        first = int(np.argmax(total > 0)) if (total > 0).any() else 0
        self.total_forecast_ = np.maximum(forecast_one(total[first:], season_of(m), self.max_horizon)[0], 0.0)
        self.shares_ = recent_shares(m.Y, periods)

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        if horizon > self.max_horizon:
            raise ValueError(f"ShareOfTotal was fitted for up to {self.max_horizon} periods; "
                             f"refit with max_horizon >= {horizon}.")
        return self.shares_[:, None] * self.total_forecast_[None, :horizon]
