"""Forecasts of each item's demand over its protection period, from the forecasting layer.

At every origin day the chosen model (from :data:`retail.forecast.registry.FORECASTERS`) is
refitted on the sales *before* that day and forecasts the next days; the forecast of an item
is the sum over its own review + lead days. Origins are the items' review days and the earlier
days on the same schedule whose misses give the width of the demand range, so each origin is
fitted once however many reviews read it (the backtest's windows are equally spaced and end at
the data's last day, which the review calendar does not follow).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.forecast.metrics import YHAT
from retail.forecast.models import ForecastModel, build_models
from retail.forecast.registry import FORECASTERS
from retail.forecast.settings import ForecastSettings
from retail.inventory.demand import DemandHistory
from retail.progress import Progress, quiet


def forecast_model(name: str, history_days: int, horizon: int, level: str) -> ForecastModel:
    """The forecasting layer's model ``name`` (the moving average averages ``history_days`` days)."""
    spec = FORECASTERS.get(name)
    params = {"window": history_days} if "window" in spec.param_names() else {}
    settings = ForecastSettings(level=level, freq="D", horizon=horizon, models=(name,), windows=1,
                                model_params={name: params} if params else {})
    return build_models(settings)[name]


def origin_forecasts(history: DemandHistory, model: ForecastModel, origins: np.ndarray, protection: np.ndarray,
                     progress: Progress = quiet) -> np.ndarray:
    """Forecast totals ``(origins, items)``: each item's demand over its ``protection`` days from each
    origin day, fitted on the days before it. NaN for items without a sale before the origin."""
    horizon = int(protection.max())
    out = np.full((len(origins), len(history.ids)), np.nan)
    position = {item: i for i, item in enumerate(history.ids)}
    for j, day in enumerate(origins):
        train = history.panel_before(int(day))
        if train[DATE].nunique() >= 2:
            forecast = clone(model).fit(train).predict(horizon)
            values = forecast[YHAT].to_numpy(dtype=np.float64).reshape(-1, horizon)
            rows = np.array([position[item] for item in forecast[SERIES_ID].to_numpy()[::horizon]])
            running = np.cumsum(values, axis=1)
            out[j, rows] = running[np.arange(len(rows)), protection[rows] - 1]
        progress((j + 1) / len(origins), f"forecasting from {len(origins):,} review days: "
                                         f"{history.dates[min(int(day), history.n_days - 1)]:%d %b %Y}")
    return out
