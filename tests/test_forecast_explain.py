"""A run in plain words: the headline, readable features, and the per-series outlook with an
honest range for the total and its value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.forecast import ForecastSettings, run_forecast
from retail.forecast.explain import feature_label, headline, outlook, series_by_volume
from tests.forecast_data import canonical_lines


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    lines = canonical_lines(n=4000, days=280, products=("A", "B", "C"), seed=5)
    prices = {"A": 2.0, "B": 7.5, "C": 1.25}
    lines["unit_price"] = lines["product_id"].map(prices)
    lines["revenue"] = lines["quantity"] * lines["unit_price"]
    lines.loc[lines["product_id"] == "C", "quantity"] *= 4  # C sells the most units
    lines["revenue"] = lines["quantity"] * lines["unit_price"]
    return lines


@pytest.fixture(scope="module")
def result(frame):
    return run_forecast(frame, ForecastSettings(freq="W", horizon=4, windows=3, models=("snaive", "ma", "linear")))


def test_headline_names_the_winner_its_error_and_the_baseline(result):
    text = headline(result)
    best = result.metrics.set_index("model").loc[result.best]
    assert text.startswith(("Moving average", "Linear regression", "Seasonal naive")) and "was best" in text
    assert f"off by {best['wape']:.0%} of actual demand" in text


def test_feature_labels_are_words():
    assert feature_label("lag_7", "D") == "sales 7 days before"
    assert feature_label("mean_8", "W") == "average of the previous 8 weeks"
    assert feature_label("series_zero_share", "W") == "share of weeks without sales"
    assert feature_label("Promo_lag_1", "D") == "Promo the day before"
    assert feature_label("Promo", "D") == "Promo (known in advance)"
    assert feature_label("lag_1", "W") == "sales 1 week before"


def test_outlook_totals_ranges_and_values(result, frame):
    table = outlook(result)
    best = result.forecasts[result.forecasts["model"] == result.best]
    totals = best.groupby("series_id")["yhat"].sum()
    np.testing.assert_allclose(table.set_index("series_id")["forecast"], totals.reindex(table["series_id"]))
    assert (table["low"] <= table["forecast"]).all() and (table["forecast"] <= table["high"]).all()
    assert table["forecast"].is_monotonic_decreasing and table["series_id"].iat[0] == "C"
    sales = frame.groupby("product_id")[["revenue", "quantity"]].sum()
    np.testing.assert_allclose(table.set_index("series_id")["unit_price"],
                               (sales["revenue"] / sales["quantity"]).reindex(table["series_id"]))
    np.testing.assert_allclose(table["value"], table["forecast"] * table["unit_price"])


def test_total_range_covers_about_its_share_of_backtest_totals(result):
    """The 80% range of a total, built leave-one-window-out, holds most held-out window totals."""
    from retail.forecast.explain import _total_quantiles

    bt = result.backtest[result.backtest["model"] == result.best]
    inside = []
    for window in sorted(bt["window"].unique()):
        low, high = _total_quantiles(result.backtest[result.backtest["window"] != window], result.best, 0.8)
        held = bt[bt["window"] == window].groupby("series_id").agg(y=("y", "sum"), yhat=("yhat", "sum"),
                                                                     level=("level", "first"), n=("y", "size"))
        inside += list((held["y"] >= held["yhat"] + low * held["level"] * held["n"])
                       & (held["y"] <= held["yhat"] + high * held["level"] * held["n"]))
    assert np.mean(inside) >= 0.5  # 3 series x 3 windows: a loose check that the range is not degenerate


def test_sales_value_forecasts_are_their_own_value(frame):
    money = run_forecast(frame, ForecastSettings(freq="W", horizon=4, windows=1, target="revenue", models=("ma",)))
    table = outlook(money)
    np.testing.assert_allclose(table["value"], table["forecast"])


def test_biggest_series_comes_first(result):
    assert series_by_volume(result)[0] == "C"


def test_a_series_is_named_as_a_person_names_it():
    from retail.forecast.explain import series_label

    assert series_label("20", "20", "store") == "Store 20"
    assert series_label("20", "20", "store", "branch") == "Branch 20"
    assert series_label("France", "France", "store", "country") == "France"
    assert series_label("WHITE MUG", "22470", "product") == "WHITE MUG (22470)"
    assert series_label("22470", "22470", "product") == "22470"
