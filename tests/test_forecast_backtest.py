from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.forecast.backtest import backtest, cutoffs_for
from retail.forecast.intervals import apply_intervals, empirical_coverage, residual_quantiles
from retail.forecast.metrics import bias, leaderboard, mase_scale, per_series, pooled, rmse, wape
from retail.forecast.ml import LightGBMForecaster, LinearForecaster
from retail.forecast.models import MovingAverage, SeasonalNaive
from tests.forecast_data import sine_panel


def test_metrics_match_hand_computed_values():
    y, yhat = np.array([2.0, 0.0, 4.0, 4.0]), np.array([1.0, 1.0, 5.0, 2.0])
    assert wape(y, yhat) == pytest.approx(5 / 10)
    assert rmse(y, yhat) == pytest.approx(np.sqrt((1 + 1 + 1 + 4) / 4))
    assert bias(y, yhat) == pytest.approx(-1 / 10)
    history = np.array([[1.0, 3.0, 2.0, 6.0], [np.nan, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(mase_scale(history, 1), [(2 + 1 + 4) / 3, 0.0])
    assert np.isnan(wape(np.zeros(3), np.ones(3)))


def test_pooled_and_per_series_metrics_against_brute_force():
    bt = pd.DataFrame(
        {
            "model": "m",
            "series_id": ["a", "a", "b", "b"],
            "y": [2.0, 4.0, 10.0, 0.0],
            "yhat": [3.0, 4.0, 6.0, 2.0],
            "scale": [1.0, 1.0, 4.0, 4.0],
        }
    )
    series = per_series(bt).set_index("series_id")
    assert series.loc["a", "mase"] == pytest.approx(0.5) and series.loc["b", "mase"] == pytest.approx(0.75)
    assert series.loc["b", "wape"] == pytest.approx(6 / 10)
    row = pooled(bt, {"m": 1.5}).iloc[0]
    assert row["wape"] == pytest.approx(7 / 16) and row["mase"] == pytest.approx(0.625)
    assert row["bias"] == pytest.approx(-1 / 16) and row["seconds"] == 1.5
    board = leaderboard(pd.concat([pooled(bt), pooled(bt.assign(model="snaive", yhat=bt.y + 4))]))
    assert board["model"].tolist() == ["m", "snaive"] and board.loc[0, "wape_vs_baseline"] < 0


def test_cutoffs_and_too_many_windows():
    dates = pd.date_range("2024-01-01", periods=30)
    assert cutoffs_for(dates, 7, 3, 5) == [dates[12], dates[17], dates[22]]
    with pytest.raises(ValueError, match="use fewer windows"):
        cutoffs_for(dates, 7, 5, 7)


def test_backtest_windows_steps_and_exact_seasonal_naive():
    panel = sine_panel(n_series=4, periods=100, noise=0.0)
    result = backtest(panel, {"snaive": SeasonalNaive(), "ma": MovingAverage()}, horizon=7, windows=3)
    bt = result.forecasts
    assert sorted(bt["step"].unique()) == list(range(1, 8))
    assert len(bt) == 2 * 3 * 4 * 7 and result.cutoffs[-1] == panel.date.max() - pd.Timedelta(days=7)
    snaive = bt[bt.model == "snaive"]
    np.testing.assert_allclose(snaive.yhat, snaive.y, atol=1e-9)
    assert set(result.seconds) == {"snaive", "ma"}
    with pytest.raises(ValueError, match="no models"):
        backtest(panel, {}, horizon=7)


@pytest.mark.parametrize(
    "model", [LightGBMForecaster(n_estimators=40, n_jobs=1), LinearForecaster(), MovingAverage()]
)
def test_perturbing_values_after_the_cutoff_does_not_change_backtest_forecasts(model):
    panel = sine_panel(n_series=6, periods=120, noise=1.0)
    rng = np.random.default_rng(5)
    panel["Promo"] = rng.integers(0, 2, len(panel)).astype(float)
    first = backtest(panel, {"m": model}, horizon=7, windows=2).forecasts
    cutoff = first["cutoff"].min()
    changed = panel.copy()
    after = changed.date > cutoff
    changed.loc[after, "y"] = changed.loc[after, "y"] * 5 + 100
    changed.loc[after, "Promo"] = 7.0  # not future-known: only past values may be used
    second = backtest(changed, {"m": model}, horizon=7, windows=2).forecasts
    window0 = first.window == 0
    np.testing.assert_allclose(first.loc[window0, "yhat"].to_numpy(), second.loc[window0, "yhat"].to_numpy())
    assert not np.allclose(first.loc[window0, "y"], second.loc[window0, "y"])


def test_conformal_interval_coverage_is_near_nominal_on_noise():
    panel = sine_panel(n_series=40, periods=200, noise=3.0, seed=7)
    bt = backtest(panel, {"ma": MovingAverage(window=28)}, horizon=7, windows=4).forecasts
    coverage = empirical_coverage(bt, (0.8, 0.95)).iloc[0]
    assert not coverage["in_sample"]
    assert coverage["coverage_80"] == pytest.approx(0.8, abs=0.06)
    assert coverage["coverage_95"] == pytest.approx(0.95, abs=0.04)
    bounds = apply_intervals(bt, residual_quantiles(bt), (0.8, 0.95))
    assert (bounds.lo_95 <= bounds.lo_80).all() and (bounds.lo_80 <= bounds.yhat).all()
    assert (bounds.yhat <= bounds.hi_80).all() and (bounds.hi_80 <= bounds.hi_95).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        residual_quantiles(bt, (80,))


def test_run_forecast_reports_progress_in_order_including_per_series_models():
    from retail.forecast.pipeline import run_forecast
    from retail.forecast.settings import ForecastSettings
    from tests.forecast_data import canonical_lines

    calls: list[tuple[float, str]] = []
    run_forecast(canonical_lines(), ForecastSettings(freq="D", horizon=7, windows=1, models=("snaive", "ets")),
                 progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(message.startswith("exponential smoothing:") for _, message in calls)


class ClockedNaive(SeasonalNaive):
    """Seasonal naive whose fit advances a fake clock by one second per training period."""

    clock = [0.0]

    def _fit(self, m):
        ClockedNaive.clock[0] += m.Y.shape[1]
        super()._fit(m)


def test_run_seconds_include_the_fit_on_all_history(monkeypatch):
    from types import SimpleNamespace

    from retail.forecast.pipeline import run_forecast
    from retail.forecast.settings import ForecastSettings
    from tests.forecast_data import canonical_lines

    ClockedNaive.clock = [0.0]
    fake_time = SimpleNamespace(perf_counter=lambda: ClockedNaive.clock[0])
    monkeypatch.setattr("retail.forecast.backtest.time", fake_time)
    monkeypatch.setattr("retail.forecast.pipeline.time", fake_time)
    settings = ForecastSettings(freq="D", horizon=7, windows=2, models=("snaive",))
    result = run_forecast(canonical_lines(days=100), settings, models={"snaive": ClockedNaive()})
    row = result.metrics.iloc[0]
    periods = result.history["date"].nunique()
    assert row["backtest_seconds"] == (periods - 14) + (periods - 7)  # windows end 14 and 7 days early
    assert row["final_fit_seconds"] == periods
    assert row["seconds"] == row["backtest_seconds"] + row["final_fit_seconds"]
    summary = result.summary_dict()["models"]["snaive"]
    assert summary["seconds"] == summary["backtest_seconds"] + summary["final_fit_seconds"]
