"""Forecast value added: simulated planners (one knows the injected promotions, one adds noise), the credit of
each change against a brute-force count, the naive step, and the sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.analytics.aggregate import DATE
from retail.data import schema
from retail.data.workspace import Workspace
from retail.forecast import ForecastSettings, run_forecast
from retail.forecast.result import load_run, save_run
from retail.planning.fva import forecast_value_added, sentence
from retail.planning.versions import adjust_run
from tests.forecast_data import canonical_lines
from tests.planning_data import GUESSER, PROMOTER, guesser, inject_promotions, promoter, promotion_cells

PRODUCTS = tuple(f"P{i}" for i in range(12))
CUT = pd.Timestamp("2023-08-07")  # a Monday: the run sees the weeks before, the sales after arrive later


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    full = canonical_lines(n=30000, days=280, products=PRODUCTS, seed=4)
    full[schema.CATEGORY] = np.where(full[schema.PRODUCT_ID].isin(PRODUCTS[:6]), "cups", "plates")
    workspace = Workspace(home=tmp_path_factory.mktemp("fva"))
    result = run_forecast(full[full[schema.DATE] < CUT], ForecastSettings(level="product", freq="W", horizon=4,
                                                                          windows=2, models=("snaive", "ma")))
    run = save_run(workspace, "shop", result)
    cells = promotion_cells(result, 8, seed=1)
    full = inject_promotions(full, cells, lift=1.0)
    second = adjust_run(workspace, run.id, promoter(cells, lift=1.0), PROMOTER)
    third = adjust_run(workspace, second.id, guesser(result, 15, spread=0.4, seed=2), GUESSER)
    return workspace, forecast_value_added(workspace, "shop", full), third.id


def row(table: pd.DataFrame, group: str, value: str) -> pd.Series:
    return table[(table["group"] == group) & (table["value"] == value)].iloc[0]


def test_the_planner_who_knows_the_promotions_adds_value_and_the_guesser_loses_it(scored):
    _, fva, _ = scored
    assert row(fva.table, "planner", PROMOTER)["adjustment_value_added"] > 10
    assert row(fva.table, "planner", GUESSER)["adjustment_value_added"] < 0
    assert row(fva.table, "reason", "promotion")["adjustment_value_added"] > 10
    assert row(fva.table, "reason", "judgement")["adjustment_value_added"] < 0
    assert "promotion helped" in fva.sentence and "judgement did not" in fva.sentence


def test_credits_match_a_brute_force_count(scored):
    workspace, fva, last = scored
    credits, cells = fva.credits, fva.cells
    for planner in (PROMOTER, GUESSER):
        mine = credits[credits["by"] == planner]
        touched = cells.merge(mine[["run_id", "series_id", DATE]].drop_duplicates(), on=["run_id", "series_id", DATE])
        expected = ((mine["y"] - mine["before"]).abs() - (mine["y"] - mine["after"]).abs()).sum() / touched["y"].sum()
        assert row(fva.table, "planner", planner)["adjustment_value_added"] == pytest.approx(expected * 100)
    # the changes' credits add up to what the adjusted forecast did on the forecasts they touched
    changed = row(fva.table, "overall", "forecasts planners changed")
    touched = cells.merge(credits[["run_id", "series_id", DATE]].drop_duplicates(), on=["run_id", "series_id", DATE])
    assert changed["adjustment_value_added"] == pytest.approx(credits["gain"].sum() / touched["y"].sum() * 100)
    assert fva.runs == [last]  # the latest version is the forecast that counted


def test_each_step_is_scored_on_the_same_forecasts(scored):
    _, fva, _ = scored
    cells = fva.cells
    overall = row(fva.table, "overall", "all forecasts")
    assert overall["forecasts"] == len(cells) == 12 * 4
    for column, step in (("naive", "naive_error"), ("statistical", "statistical_error"), ("adjusted", "adjusted_error")):
        assert overall[step] == pytest.approx((cells["y"] - cells[column]).abs().sum() / cells["y"].sum())
    assert set(fva.table["group"]) == {"overall", "planner", "reason", "category", "horizon"}
    assert list(fva.table.loc[fva.table["group"] == "horizon", "value"]) == [f"{k} week{'s' * (k > 1)} ahead"
                                                                             for k in range(1, 5)]


def test_no_actuals_yet_and_no_adjustment_yet(tmp_path):
    workspace = Workspace(home=tmp_path)
    frame = canonical_lines()
    save_run(workspace, "shop", run_forecast(frame, ForecastSettings(level="product", horizon=3, windows=2,
                                                                     models=("snaive", "ma"))))
    empty = forecast_value_added(workspace, "shop", frame)
    assert empty.table.empty and empty.sentence.startswith("No forecast has its actual sales yet")
    later = canonical_lines(days=300)
    unadjusted = forecast_value_added(workspace, "shop", later)
    assert unadjusted.sentence.startswith("No planner has changed a forecast") and "naive forecast" in unadjusted.sentence
    assert sentence(pd.DataFrame()).startswith("No forecast")


def test_the_log_keeps_the_planners_names(scored):
    workspace, _, last = scored
    assert set(load_run(workspace, last).adjustments["by"]) == {PROMOTER, GUESSER}
