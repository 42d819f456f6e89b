"""The neural-network forecaster: learns the weekly pattern, scales by series, never leaks the
future, is registered like the others, and sits outside the default model list unless tagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from retail.forecast.backtest import backtest
from retail.forecast.models import MovingAverage, build_models
from retail.forecast.neural import MLPForecaster, SeriesScaled
from retail.forecast.registry import DEFAULT, FORECASTERS
from retail.forecast.settings import ForecastSettings
from tests.forecast_data import sine_panel


def test_the_network_learns_the_weekly_pattern():
    panel = sine_panel(n_series=10, periods=200, noise=0.5)
    train = panel[panel.date < panel.date.max() - pd.Timedelta(days=13)]
    model = MLPForecaster(hidden_units=32, random_state=0).fit(train)
    forecast = model.predict(14).merge(panel, on=["series_id", "date"])
    naive = MovingAverage(window=7).fit(train).predict(14).merge(panel, on=["series_id", "date"])
    assert np.abs(forecast.y - forecast.yhat).mean() < 0.6 * np.abs(naive.y - naive.yhat).mean()
    assert (forecast.yhat >= 0).all() and len(forecast) == 10 * 14


def test_series_scaling_divides_levels_and_multiplies_the_forecast_back():
    rng = np.random.default_rng(0)
    lag = rng.uniform(1, 10, 200)
    scale = rng.choice([1.0, 100.0, 1000.0], 200)
    X = np.column_stack([lag * scale, scale, rng.normal(size=200)])  # a level feature, the scale, another
    y = 3.0 * lag * scale
    model = SeriesScaled(LinearRegression(), scale_column=1, level_columns=(0,)).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, rtol=1e-9)
    np.testing.assert_allclose(model.regressor_.coef_[0], 3.0)  # learned on the scaled level: one shape for all


def test_without_series_scaling_the_pipeline_is_plain():
    model = MLPForecaster(scale_by_series=False, hidden_units=8, layers=1).fit(sine_panel(n_series=3, periods=80))
    assert not isinstance(model.regressor_, SeriesScaled)
    scaled = MLPForecaster(hidden_units=8, scale_by_series=True).fit(sine_panel(n_series=3, periods=80))
    assert isinstance(scaled.regressor_, SeriesScaled)
    assert not MLPForecaster().scale_by_series  # the default, chosen on pre-test backtests


def test_perturbing_values_after_the_cutoff_does_not_change_backtest_forecasts():
    panel = sine_panel(n_series=6, periods=120, noise=1.0)
    model = MLPForecaster(hidden_units=16, layers=1)
    first = backtest(panel, {"m": model}, horizon=7, windows=2).forecasts
    cutoff = first["cutoff"].min()
    changed = panel.copy()
    after = changed.date > cutoff
    changed.loc[after, "y"] = changed.loc[after, "y"] * 5 + 100
    second = backtest(changed, {"m": model}, horizon=7, windows=2).forecasts
    window0 = first.window == 0
    np.testing.assert_allclose(first.loc[window0, "yhat"].to_numpy(), second.loc[window0, "yhat"].to_numpy())


def test_registered_with_its_settings_and_selectable_by_name():
    spec = FORECASTERS.get("mlp")
    assert spec.param_names() == ["hidden_units", "layers", "alpha"]
    settings = ForecastSettings(models=("snaive", "mlp"), model_params={"mlp": {"hidden_units": 16}})
    models = build_models(settings)
    assert isinstance(models["mlp"], MLPForecaster) and models["mlp"].hidden_units == 16
    with pytest.raises(ValueError, match=r"Neurons \(hidden_units\) must be >= 2"):
        ForecastSettings(models=("mlp",), model_params={"mlp": {"hidden_units": 1}})


def test_the_default_model_list_is_the_tagged_models():
    assert ForecastSettings().models == FORECASTERS.tagged(DEFAULT)
    assert FORECASTERS.first_tagged("baseline") in ForecastSettings().models
    assert set(ForecastSettings().models) < set(FORECASTERS.names) or "mlp" in FORECASTERS.tagged(DEFAULT)
