"""Forecasts that add up, the whole run: every level to the cent, the method chosen on the backtest,
honest ranges, the per-level export and a stored run."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data import schema
from retail.data.workspace import Workspace
from retail.forecast.settings import ForecastSettings
from retail.planning.levels import TOLERANCE, choose_method, run_reconciled
from retail.planning.levels_export import LEVEL_COLUMNS, accuracy_table, method_errors, to_csv_bytes, to_excel_bytes
from retail.planning.levels_result import BASE, load_run, save_run
from retail.planning.registry import RECONCILERS
from tests.forecast_data import canonical_lines

SETTINGS = ForecastSettings(level="product", freq="W", target="revenue", horizon=4, windows=3,
                            models=("snaive", "ma"))


@pytest.fixture(scope="module")
def result():
    frame = canonical_lines(n=6000, days=210, products=("A", "B", "C", "D"), seed=2)
    frame[schema.CATEGORY] = frame[schema.PRODUCT_ID].map({"A": "cups", "B": "cups"}).fillna("plates")
    frame[schema.REVENUE] = frame[schema.QUANTITY] * 2.37  # cents that do not add up by luck
    return run_reconciled(frame, SETTINGS)


def cents(values: pd.Series) -> np.ndarray:
    return np.rint(values.to_numpy() * 100).astype(np.int64)


def test_every_level_adds_up_to_the_cent_in_every_period(result):
    f = result.forecasts
    bottom = f[f["level"] == "product_store"].assign(product=lambda x: x[SERIES_ID].str.split(" | ", regex=False).str[0],
                                                     store=lambda x: x[SERIES_ID].str.split(" | ", regex=False).str[1])
    total = f[f["level"] == "total"].set_index(DATE)["forecast"]
    for level, key in (("store", "store"), ("product", "product")):
        upper = f[f["level"] == level].set_index([SERIES_ID, DATE])["forecast"].sort_index()
        sums = bottom.groupby([key, DATE])["forecast"].sum().sort_index()
        np.testing.assert_array_equal(cents(upper), cents(sums))
        np.testing.assert_array_equal(cents(f[f["level"] == level].groupby(DATE)["forecast"].sum()), cents(total))
    assert (f["forecast"] >= 0).all() and f["forecast"].round(2).eq(f["forecast"]).all()


def test_the_backtest_scores_every_level_before_and_after(result):
    table = result.accuracy
    assert set(table["method"]) == {BASE, *RECONCILERS.names}
    assert set(table["level"]) == set(result.levels)
    bottom_up = table[(table["method"] == "bottom-up") & (table["level"] == "product_store")]
    assert bottom_up["vs_base"].iat[0] == pytest.approx(0.0)  # bottom-up is the bottom's own forecast
    chosen = table[(table["method"] == result.method) & (table["level"] == result.bottom_level)]
    assert chosen["vs_base"].iat[0] <= TOLERANCE
    assert "finest level" in result.headline() and RECONCILERS.label(result.method) in result.headline()


def test_the_tables_a_user_reads_name_methods_and_models_by_their_labels(result):
    errors = method_errors(result)
    assert set(errors.columns) == {"level", "on its own", *map(RECONCILERS.label, RECONCILERS.names)}
    assert len(errors) == len(result.levels) and errors[errors.columns[1:]].notna().all().all()
    models = set(accuracy_table(result)["model of the level's own forecast"])
    assert models <= {"seasonal naive", "moving average"}


def test_ranges_are_measured_after_reconciliation(result):
    reconciled = result.coverage[result.coverage["forecast"] == "reconciled"]
    assert set(reconciled["level"]) == set(result.levels)
    assert reconciled["coverage_80"].between(0, 1).all() and not reconciled["in_sample"].any()
    f = result.forecasts
    assert ((f["lo_80"] <= f["forecast"]) & (f["forecast"] <= f["hi_80"]) & (f["hi_80"] <= f["hi_95"])).all()


def test_the_method_is_the_best_on_average_among_those_that_meet_the_bar():
    accuracy = pd.DataFrame({
        "level": ["total", "store"] * 3, "method": ["bottom-up"] * 2 + ["top-down"] * 2 + ["mint-shrink"] * 2,
        "vs_base": [0.02, 0.0, -0.10, 0.30, -0.05, 0.005]})
    assert choose_method(accuracy, "store") == "mint-shrink"
    accuracy.loc[5, "vs_base"] = 0.02  # now MinT is 2% worse at the bottom: out; nothing else is better at the total
    assert choose_method(accuracy, "store") == "bottom-up"
    accuracy.loc[[0, 1], "vs_base"] = [-0.01, 0.0]  # bottom-up better at the total, fine at the bottom
    accuracy.loc[[4, 5], "vs_base"] = [-0.2, -0.05]  # MinT better on average, and meets the bar
    assert choose_method(accuracy, "store") == "mint-shrink"
    accuracy.loc[4, "vs_base"] = 0.0  # MinT no better at the total: bottom-up is the one that meets the bar
    assert choose_method(accuracy, "store") == "bottom-up"


def test_excel_has_one_sheet_per_level_with_series_period_forecast(result):
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result)))
    assert book.sheetnames == [*result.levels, "accuracy"]
    for level in result.levels:
        rows = list(book[level].values)
        assert list(rows[0]) == LEVEL_COLUMNS
        assert len(rows) - 1 == (result.forecasts["level"] == level).sum()
    store_total = sum(r[2] for r in list(book["store"].values)[1:])
    assert round(store_total, 2) == round(sum(r[2] for r in list(book["total"].values)[1:]), 2)
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(result)))
    assert list(csv.columns) == ["level", *LEVEL_COLUMNS] and set(csv["level"]) == set(result.levels)


def test_a_run_is_stored_and_reopened(result, tmp_path):
    workspace = Workspace(home=tmp_path)
    run = save_run(workspace, "shop", result)
    again = load_run(workspace, run.id)
    assert again.method == result.method and again.levels == result.levels
    pd.testing.assert_frame_equal(again.forecasts, result.forecasts, check_dtype=False)
    assert run.summary["method"] == result.method


def test_a_dataset_with_only_a_total_is_refused():
    frame = canonical_lines(n=500, days=120).assign(**{schema.PRODUCT_ID: None, schema.STORE_ID: None})
    with pytest.raises(ValueError, match="need products or stores"):
        run_reconciled(frame, SETTINGS)


def test_a_level_whose_best_is_the_blend_is_forecast_by_its_members_as_the_blend_weighs_them():
    from retail.forecast.backtest import backtest
    from retail.forecast.combination import Blend
    from retail.forecast.models import MovingAverage, SeasonalNaive
    from retail.planning.levels import _future
    from tests.forecast_data import sine_panel

    panel = sine_panel(n_series=3, periods=120, noise=3.0)
    models = {"snaive": SeasonalNaive(), "ma": MovingAverage(window=14), "blend": Blend(members=("snaive", "ma"))}
    past = backtest(panel, models, 7, 3).forecasts
    weights = models["blend"].weights(past, ("snaive", "ma"))
    got = _future(panel, models, "blend", 7, past).set_index([SERIES_ID, DATE])["yhat"]
    members = {name: models[name].fit(panel).predict(7).set_index([SERIES_ID, DATE])["yhat"] for name in weights.index}
    expected = sum(weight * members[name] for name, weight in weights.items())
    np.testing.assert_allclose(got.to_numpy(), expected.reindex(got.index).to_numpy())
