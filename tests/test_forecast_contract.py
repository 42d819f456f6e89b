"""The estimator contract (:mod:`tests.contract`) for every forecast model."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.forecast.models import ModelContext
from retail.forecast.registry import FORECASTERS
from tests.contract import EstimatorContract
from tests.forecast_data import sine_panel

HORIZON = 7


class TestForecastModels(EstimatorContract):
    registry = FORECASTERS
    quick = {"lightgbm": {"n_estimators": 20}, "mlp": {"hidden_units": 8, "layers": 1}}
    combiners = {"blend": "weighs the other models' backtest forecasts (tests/test_forecast_blend.py)"}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> pd.DataFrame:
        return sine_panel(n_series=3, periods=70, noise=0.3)

    def build(self, spec, **params):
        return spec.resolve()(ModelContext(max_horizon=HORIZON, n_jobs=1), **params)

    def fit(self, model, data):
        return model.fit(data)

    def predict(self, model, data):
        return model.predict(HORIZON)

    def cut(self, data, rows):
        return data.iloc[:rows]
