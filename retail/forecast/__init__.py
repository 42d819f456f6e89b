"""Demand forecasting: models, rolling-origin backtest, conformal intervals, exports.

Typical use::

    from retail.forecast import ForecastSettings, run_forecast, to_excel_bytes
    result = run_forecast(frame, ForecastSettings(level="product", freq="W", horizon=8),
                          progress=lambda fraction, message: ...)
    result.metrics          # leaderboard, best first
    to_excel_bytes(result)  # sheets forecast / metrics / settings
"""

from retail.forecast.backtest import BacktestResult, backtest
from retail.forecast.export import to_csv_bytes, to_excel_bytes
from retail.forecast.ml import LightGBMForecaster, LinearForecaster
from retail.forecast.models import (
    ExponentialSmoothing,
    ForecastModel,
    MovingAverage,
    NotFittedError,
    SeasonalNaive,
    make_models,
)
from retail.forecast.pipeline import ForecastResult, run_forecast
from retail.forecast.settings import MODEL_NAMES, ForecastSettings

__all__ = [
    "MODEL_NAMES",
    "BacktestResult",
    "ExponentialSmoothing",
    "ForecastModel",
    "ForecastResult",
    "ForecastSettings",
    "LightGBMForecaster",
    "LinearForecaster",
    "MovingAverage",
    "NotFittedError",
    "SeasonalNaive",
    "backtest",
    "make_models",
    "run_forecast",
    "to_csv_bytes",
    "to_excel_bytes",
]
