"""Demand forecasting: models, rolling-origin backtest, conformal intervals, exports.

Typical use::

    from retail.forecast import ForecastSettings, run_forecast, to_excel_bytes
    result = run_forecast(frame, ForecastSettings(level="product", freq="W", horizon=8),
                          progress=lambda fraction, message: ...)
    result.metrics          # leaderboard, best first
    to_excel_bytes(result)  # sheets forecast / metrics / settings

What models exist is declared in :mod:`retail.forecast.registry`. Names are imported on
first use (PEP 562), so ``import retail.forecast.registry`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from retail.threads import passive_openmp

passive_openmp()  # before this package imports LightGBM and scikit-learn (their OpenMP runtimes)

_EXPORTS = {
    "BacktestResult": "backtest", "backtest": "backtest",
    "to_csv_bytes": "export", "to_excel_bytes": "export",
    "GlobalFeatures": "features", "LightGBMForecaster": "ml", "LinearForecaster": "ml",
    "ExponentialSmoothing": "models", "ForecastModel": "models", "MovingAverage": "models",
    "SeasonalNaive": "models", "build_models": "models",
    "run_forecast": "pipeline", "FORECASTERS": "registry",
    "ForecastResult": "result", "load_run": "result", "save_run": "result",
    "ForecastSettings": "settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'retail.forecast' has no attribute {name!r}")
    return getattr(importlib.import_module(f"retail.forecast.{_EXPORTS[name]}"), name)
