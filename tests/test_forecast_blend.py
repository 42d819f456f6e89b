"""Share of the total and the blend of models: exact answers, brute-force references, no leakage."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from retail.forecast.backtest import backtest
from retail.forecast.combination import MEMBER_WEIGHT, Blend, simplex_grid
from retail.forecast.metrics import wape
from retail.forecast.models import MovingAverage, SeasonalNaive
from retail.forecast.topdown import ShareOfTotal, recent_shares
from tests.forecast_data import canonical_lines, sine_panel


def shares_panel(periods: int = 70, start_c: int = 60) -> pd.DataFrame:
    """A total of exactly 100 a day: 'b' sells 30; 'c' sells 20 from day ``start_c`` (no rows before);
    'a' sells the rest (70, then 50)."""
    dates = pd.date_range("2024-01-01", periods=periods, freq="D")
    day = np.arange(periods)
    frames = [pd.DataFrame({"series_id": "a", "date": dates, "y": np.where(day < start_c, 70.0, 50.0)}),
              pd.DataFrame({"series_id": "b", "date": dates, "y": 30.0}),
              pd.DataFrame({"series_id": "c", "date": dates[start_c:], "y": 20.0})]
    return pd.concat(frames, ignore_index=True).assign(absent=False)


def test_share_of_total_splits_the_total_by_the_shares_of_the_periods_each_series_was_there():
    forecast = ShareOfTotal(share_periods=14, max_horizon=5).fit(shares_panel()).predict(5)
    by_series = forecast.groupby("series_id")["yhat"]
    # a constant total is forecast as itself; 'c' (10 of the 14 days) is compared with the days it sold
    np.testing.assert_allclose(by_series.first().to_numpy(), [(4 * 70 + 10 * 50) / 14, 30.0, 20.0])
    assert by_series.nunique().eq(1).all() and len(forecast) == 15


def test_recent_shares_equal_a_loop_over_series_and_periods():
    rng = np.random.default_rng(2)
    Y = rng.poisson(3.0, (6, 30)).astype(float)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    Y[5] = np.nan  # never observed in the window: share 0
    totals = np.nansum(Y, axis=0)
    for periods in (1, 7, 30):
        expected = []
        for row in Y:
            own = compared = 0.0
            for t in range(30 - periods, 30):
                if not math.isnan(row[t]):
                    own, compared = own + row[t], compared + totals[t]
            expected.append(own / compared if compared > 0 else 0.0)
        np.testing.assert_allclose(recent_shares(Y, periods), expected)


def test_share_of_total_contract():
    panel = sine_panel(n_series=4, periods=60, noise=0.5)
    before = panel.copy()
    model = ShareOfTotal(max_horizon=7)
    with pytest.raises(NotFittedError, match="call fit"):
        model.predict(3)
    assert model.fit(panel) is model
    pd.testing.assert_frame_equal(panel, before)  # the input is not changed
    again = clone(model).fit(panel)
    np.testing.assert_array_equal(model.predict(7)["yhat"], again.predict(7)["yhat"])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(7)["yhat"], model.predict(7)["yhat"])
    with pytest.raises(ValueError, match="refit with max_horizon"):
        model.predict(8)
    with pytest.raises(ValueError, match="share_periods must be >= 1"):
        ShareOfTotal(share_periods=0).fit(panel)


def test_simplex_grid_holds_every_weighting_once():
    grid = simplex_grid(3, 0.25)
    assert len(grid) == math.comb(4 + 2, 2) and np.allclose(grid.sum(axis=1), 1.0)
    assert len({tuple(row) for row in grid}) == len(grid) and (grid >= 0).all()
    with pytest.raises(ValueError, match="whole parts"):
        simplex_grid(2, 0.3)


def _past(truth: np.ndarray, members: dict[str, np.ndarray]) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=len(truth))
    return pd.concat([pd.DataFrame({"model": name, "window": 0, "series_id": "s", "date": dates, "y": truth,
                                    "yhat": values}) for name, values in members.items()], ignore_index=True)


def test_blend_weights_are_the_grid_point_with_the_least_absolute_error():
    rng = np.random.default_rng(0)
    truth = rng.gamma(2.0, 5.0, 40)
    members = {"a": truth + rng.normal(0, 4, 40), "b": truth * 0.6, "c": truth + 9.0}
    blend = Blend(members=("a", "b", "c"), step=0.25)
    chosen = blend.weights(_past(truth, members), ("a", "b", "c"))
    errors = {tuple(w): np.abs(sum(wi * members[n] for wi, n in zip(w, "abc", strict=True)) - truth).sum()
              for w in itertools.product(np.arange(0, 1.01, 0.25), repeat=3) if np.isclose(sum(w), 1)}
    assert tuple(chosen.to_numpy()) == min(errors, key=errors.get)
    exact = blend.weights(_past(truth, {"a": truth, "b": truth * 2, "c": truth * 0 + 5}), ("a", "b", "c"))
    assert exact.to_dict() == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert blend.weights(None, ("a", "b")).to_dict() == {"a": 0.5, "b": 0.5}


def test_blend_needs_two_of_its_members_in_the_run():
    with pytest.raises(ValueError, match="choose at least two of them"):
        Blend().members_in(["lightgbm", "ma"])
    assert Blend().members_in(["ets", "ma", "lightgbm"]) == ("lightgbm", "ets")
    panel = sine_panel(n_series=2, periods=60)
    with pytest.raises(ValueError, match="blend of models combines"):
        backtest(panel, {"ma": MovingAverage(), "blend": Blend()}, horizon=7, windows=2)
    from retail.forecast.settings import ForecastSettings

    with pytest.raises(ValueError, match="LightGBM, share of total, exponential smoothing: choose at least two"):
        ForecastSettings(models=("blend", "lightgbm", "ma"))  # said before anything runs (the page, the CLI)
    assert ForecastSettings(models=("blend", "topdown", "ets")).models == ("blend", "topdown", "ets")


def test_backtest_blend_weighs_each_window_by_the_earlier_ones():
    panel = sine_panel(n_series=5, periods=120, noise=2.0, seed=3)
    models = {"snaive": SeasonalNaive(), "ma": MovingAverage(window=7),
              "blend": Blend(members=("snaive", "ma"), step=0.5)}
    result = backtest(panel, models, horizon=7, windows=3)
    bt = result.forecasts.set_index(["model", "window", "series_id", "date"])["yhat"].sort_index()
    frame = result.forecasts
    for window in range(3):
        past = frame[(frame.window < window) & frame.model.isin(["snaive", "ma"])]
        if window == 0:
            weights = {"snaive": 0.5, "ma": 0.5}
        else:
            candidates = [{"snaive": w, "ma": 1 - w} for w in (0.0, 0.5, 1.0)]
            wide = past.pivot_table(index=["window", "series_id", "date"], columns="model", values="yhat")
            actual = past.drop_duplicates(["window", "series_id", "date"]).set_index(
                ["window", "series_id", "date"])["y"].reindex(wide.index)
            weights = min(candidates, key=lambda w: np.abs(wide["snaive"] * w["snaive"] + wide["ma"] * w["ma"]
                                                           - actual).sum())
        expected = weights["snaive"] * bt.loc["snaive", window] + weights["ma"] * bt.loc["ma", window]
        np.testing.assert_allclose(bt.loc["blend", window].to_numpy(), expected.to_numpy())
    assert result.seconds["blend"] == pytest.approx(result.seconds["snaive"] + result.seconds["ma"])


@pytest.mark.parametrize("step", [None, 3])  # windows a horizon apart, and overlapping windows
def test_changing_the_future_does_not_change_a_blends_backtest(step):
    panel = sine_panel(n_series=6, periods=120, noise=1.5, seed=4)
    models = {"snaive": SeasonalNaive(), "ma": MovingAverage(window=7), "topdown": ShareOfTotal(max_horizon=7),
              "blend": Blend(members=("snaive", "ma", "topdown"))}
    first = backtest(panel, models, horizon=7, windows=3, step=step).forecasts
    for window in (1, 2):
        cutoff = first.loc[first.window == window, "cutoff"].iloc[0]
        changed = panel.assign(y=np.where(panel.date > cutoff, panel.y * 4 + 50, panel.y))
        second = backtest(changed, models, horizon=7, windows=3, step=step).forecasts
        upto = first.window <= window
        np.testing.assert_allclose(first.loc[upto, "yhat"].to_numpy(), second.loc[upto, "yhat"].to_numpy())
        assert not np.allclose(first.loc[first.window == window, "y"], second.loc[second.window == window, "y"])


def test_the_run_forecasts_with_the_weights_of_all_backtest_windows_and_shows_them():
    from retail.forecast.pipeline import run_forecast
    from retail.forecast.settings import ForecastSettings

    settings = ForecastSettings(freq="D", horizon=7, windows=3, models=("snaive", "topdown", "ets", "blend"))
    result = run_forecast(canonical_lines(days=120), settings)
    weights = result.importance[result.importance.model == "blend"].set_index("feature")["importance"]
    expected = Blend().weights(result.backtest, ("topdown", "ets"))
    shown = {f"{MEMBER_WEIGHT}{member}" for member, weight in expected.items() if weight > 0}  # not a member given 0
    assert set(weights.index) == shown and weights.sum() == pytest.approx(1) and (weights > 0).all()
    assert weights[f"{MEMBER_WEIGHT}topdown"] == expected["topdown"]
    future = result.forecasts.pivot_table(index=["series_id", "date"], columns="model", values="yhat")
    np.testing.assert_allclose(future["blend"], expected["topdown"] * future["topdown"] + expected["ets"] * future["ets"])
    assert "blend" in set(result.metrics.model) and wape(result.backtest.y, result.backtest.yhat) > 0


def test_the_default_models_include_the_share_of_total_and_the_blend():
    from retail.forecast.explain import feature_label
    from retail.forecast.settings import default_models
    from retail.inventory.registry import QUANTILE_PARAMS

    assert {"lightgbm", "topdown", "ets", "blend"} <= set(default_models())
    assert feature_label(f"{MEMBER_WEIGHT}topdown", "W") == "weight of share of total"
    forecast_models = next(p for p in QUANTILE_PARAMS if p.name == "forecast_model")
    assert "topdown" in forecast_models.choices and "blend" not in forecast_models.choices  # needs a run's backtest
