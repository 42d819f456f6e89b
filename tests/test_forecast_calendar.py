"""A promotion calendar for the periods ahead: date ranges become the per-series, per-period values the
models read, and a planned promotion moves the forecast of a series whose promotions sell more."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.data.ingest import ingest
from retail.forecast import ForecastSettings, run_forecast
from retail.forecast.calendar import future_values
from tests.rossmann_data import write_store_days


def test_date_ranges_become_shares_of_each_period():
    calendar = pd.DataFrame({"start": ["2024-01-01", "2024-01-10"], "end": ["2024-01-03", "2024-01-10"],
                             "store_id": ["", "2"], "Promo": [1.0, 1.0]})
    info = pd.DataFrame({"series_id": ["1", "2"], "store_id": ["1", "2"]})
    weeks = pd.DatetimeIndex(["2024-01-01", "2024-01-08"])
    values = future_values(calendar, ["Promo"], info, weeks, "W").set_index(["series_id", "date"])["Promo"]
    assert values[("1", weeks[0])] == pytest.approx(3 / 7) and values[("2", weeks[0])] == pytest.approx(3 / 7)
    assert values[("1", weeks[1])] == 0 and values[("2", weeks[1])] == pytest.approx(1 / 7)  # store 2 only
    days = pd.date_range("2024-01-01", periods=4, freq="D")
    daily = future_values(calendar, ["Promo"], info, days, "D")
    assert daily[daily["series_id"] == "1"]["Promo"].tolist() == [1, 1, 1, 0]
    with pytest.raises(ValueError, match="ends .* before it starts"):
        future_values(calendar.assign(end="2023-12-01"), ["Promo"], info, weeks, "W")


def test_a_planned_promotion_raises_the_forecast_of_those_days(tmp_path):
    frame = ingest(write_store_days(tmp_path / "stores.csv", stores=3, days=360, lift=0.6)).result.frame
    settings = ForecastSettings(level="store", freq="D", target="revenue", horizon=7, windows=1,
                                models=("lightgbm",), future_known=("Promo",))
    last = frame["date"].max()
    ahead = pd.date_range(last + pd.Timedelta(days=1), periods=7, freq="D")
    weekdays = ahead[ahead.dayofweek < 5]
    planned = pd.DataFrame({"start": [weekdays[0]], "end": [weekdays[-1]], "Promo": [1.0]})
    none = pd.DataFrame({"start": [ahead[0]], "end": [ahead[0]], "Promo": [0.0]})
    with_promo = run_forecast(frame, settings, calendar=planned).forecasts.set_index(["series_id", "date"])["yhat"]
    without = run_forecast(frame, settings, calendar=none).forecasts.set_index(["series_id", "date"])["yhat"]
    on = with_promo.index.get_level_values("date").isin(weekdays)
    assert (with_promo[on] / without[on]).mean() > 1.2  # promotions sold 60% more in the history
