from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from retail.forecast.features import build_features, default_spec, to_matrix
from retail.forecast.ml import TREE_FEATURES, LightGBMForecaster, LinearForecaster
from retail.forecast.models import ExponentialSmoothing, MovingAverage, SeasonalNaive
from tests.forecast_data import sine_panel


def constructed_panel() -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=21, freq="D")
    pattern = np.array([1.0, 2, 3, 4, 5, 6, 7])
    return pd.concat(
        [
            pd.DataFrame({"series_id": "a", "date": dates, "y": np.tile(pattern, 3)}),
            pd.DataFrame({"series_id": "b", "date": dates, "y": np.arange(21, dtype=float)}),
        ],
        ignore_index=True,
    )


def test_seasonal_naive_repeats_last_week_exactly():
    forecast = SeasonalNaive().fit(constructed_panel()).predict(10)
    a = forecast[forecast.series_id == "a"]
    assert a["yhat"].tolist() == [1, 2, 3, 4, 5, 6, 7, 1, 2, 3]
    assert a["date"].iloc[0] == pd.Timestamp("2024-01-22")
    b = forecast[forecast.series_id == "b"]["yhat"].tolist()
    assert b == [14, 15, 16, 17, 18, 19, 20, 14, 15, 16]


def test_seasonal_naive_is_exact_on_noise_free_seasonal_series():
    panel = sine_panel(n_series=3, periods=70, noise=0.0)
    train, test = panel[panel.date < "2022-03-07"], panel[panel.date >= "2022-03-07"]
    forecast = SeasonalNaive().fit(train).predict(14).merge(test, on=["series_id", "date"])
    np.testing.assert_allclose(forecast["yhat"], forecast["y"], atol=1e-9)


def test_moving_average_exact_and_skips_absent_periods():
    panel = constructed_panel()
    forecast = MovingAverage(window=4).fit(panel).predict(3)
    assert forecast[forecast.series_id == "b"]["yhat"].tolist() == [18.5] * 3  # mean of 17..20
    assert forecast[forecast.series_id == "a"]["yhat"].tolist() == [5.5] * 3  # mean of 4..7
    panel["absent"] = (panel.series_id == "b") & (panel.date == panel.date.max())
    forecast = MovingAverage(window=4).fit(panel).predict(1)
    assert forecast[forecast.series_id == "b"]["yhat"].item() == 18.0  # mean of 17, 18, 19


def test_exponential_smoothing_tracks_a_seasonal_series_and_reports_progress():
    calls = []
    panel = sine_panel(n_series=4, periods=84, noise=0.1)
    model = ExponentialSmoothing(max_horizon=7, n_jobs=1, chunk_size=2, progress=lambda f, m: calls.append(f))
    forecast = model.fit(panel).predict(7)
    last_week = panel.groupby("series_id").tail(7).reset_index(drop=True)
    assert np.abs(forecast["yhat"].to_numpy() - last_week["y"].to_numpy()).mean() < 1.0
    assert calls == [0.5, 1.0]
    with pytest.raises(ValueError, match="refit with max_horizon"):
        model.predict(8)


def test_exponential_smoothing_gives_the_same_forecasts_in_worker_processes():
    panel = sine_panel(n_series=5, periods=60, noise=0.3)
    here = ExponentialSmoothing(max_horizon=7, n_jobs=1).fit(panel)
    workers = ExponentialSmoothing(max_horizon=7, n_jobs=2, chunk_size=2, serial_seconds=0.0).fit(panel)
    assert (here.n_in_workers_, workers.n_in_workers_) == (0, 5)
    np.testing.assert_array_equal(workers.forecast_, here.forecast_)


def test_predict_before_fit_and_bad_horizon_raise():
    with pytest.raises(NotFittedError, match="call fit"):
        MovingAverage().predict(3)
    with pytest.raises(ValueError, match="horizon must be"):
        MovingAverage().fit(constructed_panel()).predict(0)
    with pytest.raises(ValueError, match="lacks column"):
        MovingAverage().fit(pd.DataFrame({"series_id": ["a"], "date": [pd.Timestamp("2024-01-01")]}))


def test_features_at_t_only_read_the_past():
    panel = sine_panel(n_series=5, periods=120)
    m = to_matrix(panel)
    spec = replace(default_spec("D", 120), lags=(1, 7, 14))
    rows, cols = np.arange(5), np.full(5, 60)
    stats = np.zeros((5, 3))
    before = build_features(m, spec, rows, cols, stats)
    m.Y[:, 60:] = 999.0  # change the present and the future
    after = build_features(m, spec, rows, cols, stats)
    np.testing.assert_array_equal(before, after)
    lag1 = spec.names().index("lag_1")
    assert before[0, lag1] == np.float32(panel["y"].iloc[59])
    mean7 = spec.names().index("mean_7")
    assert before[0, mean7] == pytest.approx(panel["y"].iloc[53:60].mean(), rel=1e-6)


def test_calendar_features_follow_history_length():
    assert "month" not in default_spec("D", 400).calendar
    assert "month" in default_spec("D", 800).calendar
    assert default_spec("W", 60).calendar == ()


def test_recursive_forecast_feeds_own_predictions_into_lags():
    panel = sine_panel(n_series=8, periods=150, noise=0.5)
    model = LightGBMForecaster(n_estimators=60, n_jobs=1, features=replace(TREE_FEATURES, lags=(1, 7))).fit(panel)
    forecast = model.predict(3)
    m = model.matrix_
    step1 = forecast[forecast.date == forecast.date.min()]["yhat"].to_numpy()
    extended = np.hstack([m.Y, step1[:, None]])
    m2 = type(m)(m.ids, m.dates.append(m.future_dates(1)), extended, m.first, m.freq, {})
    rows, cols = np.arange(8), np.full(8, extended.shape[1])
    X = build_features(m2, model.spec_, rows, cols, model.stats_, dates=m2.dates.append(m2.future_dates(1)))
    assert X[:, model.spec_.names().index("lag_1")] == pytest.approx(step1, rel=1e-5)
    step2 = forecast[forecast.date == sorted(forecast.date.unique())[1]]["yhat"].to_numpy()
    np.testing.assert_allclose(np.maximum(model.regressor_.predict(X[:, model.keep_]), 0), step2, rtol=1e-5)


@pytest.mark.parametrize("model", [LightGBMForecaster(n_estimators=80, n_jobs=1), LinearForecaster()])
def test_global_models_learn_the_weekly_pattern_and_expose_importance(model):
    panel = sine_panel(n_series=10, periods=200, noise=0.5)
    train, test = panel[panel.date < panel.date.max() - pd.Timedelta(days=13)], panel
    forecast = model.fit(train).predict(14).merge(test, on=["series_id", "date"])
    naive = MovingAverage(window=7).fit(train).predict(14).merge(test, on=["series_id", "date"])
    assert np.abs(forecast.y - forecast.yhat).mean() < 0.5 * np.abs(naive.y - naive.yhat).mean()
    importance = model.feature_importance_
    assert importance.sum() == pytest.approx(1.0) and (importance >= 0).all()


def test_unknown_future_known_column_is_an_error():
    with pytest.raises(ValueError, match="future_known column"):
        LightGBMForecaster(features=replace(TREE_FEATURES, future_known=("Promo",))).fit(sine_panel(n_series=2, periods=60))


def test_known_future_exogenous_is_used_at_forecast_time():
    panel = sine_panel(n_series=6, periods=200, noise=0.2)
    rng = np.random.default_rng(3)
    panel["Promo"] = rng.integers(0, 2, len(panel)).astype(float)
    panel["y"] = panel["y"] + 30 * panel["Promo"]
    last = panel.date.max()
    train = panel[panel.date <= last - pd.Timedelta(days=7)]
    future = panel[panel.date > last - pd.Timedelta(days=7)]
    model = LightGBMForecaster(n_estimators=150, n_jobs=1, features=replace(TREE_FEATURES, future_known=("Promo",))).fit(train)
    forecast = model.predict(7, future=future.drop(columns="y")).merge(future, on=["series_id", "date"])
    assert np.abs(forecast.y - forecast.yhat).mean() < 4.0
    assert model.feature_importance_.index[0] == "Promo"
