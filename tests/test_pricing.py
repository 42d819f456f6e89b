"""Pricing library: known elasticities recovered, "not identifiable" when the price never moved,
zero-filling, the batched regression against statsmodels, shrinkage, lifts, scenarios, guard rails."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
import statsmodels.api as sm

from retail.data.workspace import Workspace
from retail.pricing.costs import costs_from_column, costs_from_table
from retail.pricing.design import DesignOptions, Layout, batches
from retail.pricing.export import to_csv_bytes, to_excel_bytes
from retail.pricing.glm import fit_counts
from retail.pricing.panel import build_price_panel, why_not
from retail.pricing.registry import ESTIMATORS, GOALS
from retail.pricing.result import load_run, save_run
from retail.pricing.run import run_elasticity
from retail.pricing.scenario import Draws, Goal, scenario_items, simulate
from retail.pricing.settings import PricingSettings
from retail.pricing.shrinkage import pool
from tests.pricing_data import canonical, shop_rows, till_rows


@pytest.fixture(scope="module")
def shop():
    return run_elasticity(canonical(shop_rows()))


def test_recovers_a_known_elasticity_on_a_small_synthetic_case():
    frame = canonical(till_rows({"A": -2.0}, volume=25.0, seed=3))
    result = run_elasticity(frame, PricingSettings(model="negbin"))
    row = result.product("A")
    assert row["identifiable"] and row["verdict"] == "elastic"
    assert abs(row["elasticity"] + 2.0) < 0.3  # about three standard errors
    assert row["ci_low"] < -2.0 < row["ci_high"]
    assert row["price_changes"] == 3 and row["price_levels"] >= 4
    assert any("Less than 18 months" in note for note in result.notes)  # 420 days: no yearly season


@pytest.mark.parametrize("name", ESTIMATORS.names)
def test_every_model_flags_a_constant_price_not_identifiable(shop, name):
    result = shop if name == ESTIMATORS.first_tagged("default") else run_elasticity(
        canonical(shop_rows()), PricingSettings(model=name))
    table = result.products.set_index("product_id")
    for product, reason in (("FLAT", "the price never moved"),
                            ("PROMO", "the price moved only together with promotions")):
        assert not table.loc[product, "identifiable"] and pd.isna(table.loc[product, "elasticity"])
        assert table.loc[product, "verdict"] == "not identifiable" and table.loc[product, "reason"] == reason
    assert table.loc["FLAT", "price_levels"] == 1 and table.loc["FLAT", "price_changes"] == 0
    assert table["identifiable"].sum() == 6


def test_days_without_sales_are_zero_with_the_price_carried_forward():
    rows = pd.DataFrame({"Date": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-05", "2024-01-03", "2024-01-05",
                                                 "2024-01-06"]),
                         "Store": ["S1", "S1", "S1", "S2", "S2", "S2"], "SKU": "A", "Description": "a", "Category": "c",
                         "Qty": [2, 3, 1, 1, 2, 4], "Price": [2.0, 2.5, 2.5, 2.0, 2.5, 2.5], "Sales": 0.0,
                         "Promo": [0, 0, 0, 1, 0, 0]})
    panel = build_price_panel(canonical(rows), min_sale_days=2)
    s1 = panel.rows[panel.rows["store_name"] == "S1"].set_index("date")
    assert list(s1["units"]) == [2, 0, 0, 3, 1, 0]  # 1 Jan to 6 Jan, zero-filled to the end of the data
    assert list(s1["observed"]) == [True, False, False, True, True, False]
    assert s1.loc["2024-01-02", "price"] == 2.0 and s1.loc["2024-01-02", "promo"] == 0  # carried forward
    # no sale in S1 on 3 Jan, but S2 sold on promotion at the chain's price (the stores agree on 5 Jan)
    assert s1.loc["2024-01-03", "price"] == 2.0 and s1.loc["2024-01-03", "promo"] == 1
    s2 = panel.rows[panel.rows["store_name"] == "S2"].set_index("date")
    assert s2.index.min() == pd.Timestamp("2024-01-03")  # a series starts at its first sale
    assert s2.loc["2024-01-03", "regular_price"] == 2.5  # the promotion price is not a regular price
    assert any("carried forward" in note for note in panel.notes)


def test_batched_regression_matches_statsmodels():
    panel = build_price_panel(canonical(till_rows({"A": -1.5, "B": -0.8}, days=200, seed=5)))
    layout = Layout(panel, DesignOptions(season="none"))
    batch = next(batches(panel, layout, panel.products["current_price"].to_numpy()))
    prior = np.zeros_like(layout.prior_precision(np.ones(len(batch.products), dtype=bool)))
    fitted = fit_counts(batch.X, batch.y, batch.mask, prior + 1e-9, batch.week)
    for i in range(len(batch.products)):
        mask = batch.mask[i]
        reference = sm.GLM(batch.y[i][mask], batch.X[i][mask], family=sm.families.Poisson()).fit()
        np.testing.assert_allclose(fitted.coef[i], reference.params, atol=1e-5)
        scale = max(reference.pearson_chi2 / reference.df_resid, 1.0)
        np.testing.assert_allclose(np.sqrt(fitted.cov[i, 1, 1]), reference.bse[1] * np.sqrt(scale), rtol=1e-3)


def test_shrinkage_pulls_thin_products_toward_their_category():
    estimate = np.array([-2.0, -2.2, -1.8, -2.1, -0.5, -1.0])
    se = np.array([0.1, 0.1, 0.1, 0.1, 1.5, 0.1])
    category = np.array(["x"] * 5 + ["y"])
    pooled = pool(estimate, se, category, np.array([True] * 6))
    assert abs(pooled.mean[4] - (-2.0)) < 0.4  # the noisy one moves most of the way to its category
    assert abs(pooled.mean[0] - estimate[0]) < 0.1  # a precise one keeps its own estimate
    assert (pooled.sd <= se + 1e-12).all() and pooled.weight[4] < 0.3 < pooled.weight[0]
    flat = pool(estimate, se, category, np.array([True] * 5 + [False]))
    assert np.isnan(flat.mean[5]) and np.isfinite(flat.prior_mean[5])  # a prior, not an estimate


def test_promotion_lift_separates_the_discount_from_the_display(shop):
    lifts = shop.lifts.set_index("product_id")
    assert set(lifts.index) == {"A", "B", "C", "D", "E", "F", "PROMO"}
    own = lifts.drop(index="PROMO")
    truth = np.exp(0.4) - 1  # the display lift of tests.pricing_data
    assert (own["promotion_lift_low"] < truth).mean() >= 0.8 and (own["promotion_lift_high"] > truth).mean() >= 0.8
    assert ((own["lift"] - truth) > 0.2).all()  # the total lift also holds the discount's effect
    total = own["units_at_regular_price"] + own["units_from_discount"] + own["units_from_promotion"]
    np.testing.assert_allclose(total, own["units_sold"])
    events = shop.events
    assert len(events) == 7 * 6 and set(events["days"]) == {7}
    assert events["discount"].between(0.19, 0.31).all()


def test_scenario_arithmetic_revenue_is_price_times_units():
    items = pd.DataFrame({"product_id": ["A"], "product_name": ["a"], "current_price": [4.0], "baseline_units": [100.0],
                          "baseline_log_sd": [0.0], "elasticity_used": [-2.0], "elasticity_used_sd": [0.0],
                          "elasticity_source": ["own"], "lowest_price": [3.0], "highest_price": [5.0], "cost": [1.0]})
    table = simulate(items, [-0.1, 0.0, 0.1]).set_index("change")
    for change in (-0.1, 0.0, 0.1):
        price = 4.0 * (1 + change)
        units = 100.0 * (1 + change) ** -2.0
        assert table.loc[change, "price"] == pytest.approx(price)
        assert table.loc[change, "units"] == pytest.approx(units)
        assert table.loc[change, "revenue"] == pytest.approx(price * units)
        assert table.loc[change, "margin"] == pytest.approx((price - 1.0) * units)
    assert table.loc[0.0, "revenue_vs_today"] == pytest.approx(0.0)


def _item(beta: float = -2.0, cost: float = np.nan, sd: float = 0.2) -> pd.DataFrame:
    return pd.DataFrame({"product_id": ["A"], "product_name": ["a"], "current_price": [5.0], "baseline_units": [50.0],
                         "baseline_log_sd": [0.05], "elasticity_used": [beta], "elasticity_used_sd": [sd],
                         "elasticity_source": ["own"], "lowest_price": [4.8], "highest_price": [5.2], "cost": [cost]})


def test_guard_rails_bound_the_recommendation():
    elastic = Goal(max_change=0.15).recommend(_item(-2.0))
    assert elastic.price == pytest.approx(4.25) and elastic.change == pytest.approx(-0.15)
    assert any("outside the prices seen" in w for w in elastic.warnings)
    assert elastic.rail == "cut" and "on the guard rail (the largest cut allowed" in elastic.describe()
    assert not elastic.margin_known and "Margin cannot be judged without unit costs" in elastic.describe()
    assert any("without unit costs nobody can say whether it pays" in w for w in elastic.warnings)
    inelastic = Goal(max_change=0.10, ending="9").recommend(_item(-0.3))
    assert inelastic.price == pytest.approx(5.49) and inelastic.change <= 0.10
    assert list(Goal(max_change=0.10, ending="99").candidates(5.0)) == [4.99, 5.0]  # today's price stays an option
    assert Goal(max_change=0.15).candidates(5.0, cost=4.6).min() >= 4.6  # never below cost
    margin = Goal.margin(max_change=0.3).recommend(_item(-3.0, cost=3.0))
    assert margin.price == pytest.approx(4.5, abs=0.06)  # cost x e / (1 + e) = 4.5, inside the rails
    assert margin.rail is None and margin.margin_known and "guard rail" not in margin.describe()
    assert "cannot be judged" not in margin.describe() and not any("unit costs" in w for w in margin.warnings)
    assert inelastic.rail == "rise" and "largest rise allowed" in inelastic.describe()
    with pytest.raises(ValueError, match="margin goal needs unit costs"):
        Goal.margin().recommend(_item(-2.0))
    assert set(GOALS.names) == {"max-revenue", "max-margin"}


def test_scenarios_refuse_products_without_any_price_response():
    table = _item()
    table["elasticity_used"] = np.nan
    with pytest.raises(ValueError, match="No price response is known"):
        scenario_items(table.assign(baseline_units=50.0))


def test_a_category_scenario_sums_its_products(shop):
    items = scenario_items(shop.category_products("cat0"))
    draws = Draws.of(items)
    one = simulate(items, [0.05], draws).iloc[0]
    parts = sum(simulate(items.iloc[[i]], [0.05], Draws(draws.elasticity[:, [i]], draws.units[:, [i]])).iloc[0]["revenue"]
                for i in range(len(items)))
    assert one["revenue"] == pytest.approx(parts)
    assert "FLAT" in set(items["product_id"])  # scenarios use the category's elasticity for it, and say so
    recommendation = Goal().recommend(items, draws)
    assert any("category's price response" in w for w in recommendation.warnings)


def test_data_without_prices_is_refused_in_plain_words():
    frame = canonical(shop_rows()).assign(unit_price=np.nan, revenue=np.nan)
    with pytest.raises(ValueError, match="no product prices"):
        run_elasticity(frame)
    assert "without products" in why_not(lambda field: field == "store_id")
    assert why_not(lambda field: True) is None


def test_runs_round_trip_through_the_workspace(shop, tmp_path):
    workspace = Workspace(tmp_path / "home")
    info = save_run(workspace, "shop", shop)
    again = load_run(workspace, info.id)
    pd.testing.assert_frame_equal(again.products, shop.products, check_dtype=False)
    assert again.settings == shop.settings and again.notes == shop.notes and len(again.events) == len(shop.events)


def test_a_run_without_categories_reopens_with_one_group(tmp_path):
    frame = canonical(shop_rows()).assign(category=None)
    workspace = Workspace(tmp_path / "home")
    again = load_run(workspace, save_run(workspace, "no categories", run_elasticity(frame)).id)
    assert list(again.categories["category"]) == ["(none)"]
    assert len(again.category_products("(none)")) == 8 and again.products["category"].isna().all()


def test_exports_are_formula_safe(shop):
    shop.products.loc[0, "product_name"] = "=HYPERLINK(\"http://x\")"
    csv = to_csv_bytes(shop).decode()
    assert "'=HYPERLINK" in csv and "Price elasticity,Low (95%),High (95%),Measurable,Verdict" in csv.splitlines()[0]
    assert ",None," not in csv and ",nan," not in csv and ",True," not in csv  # empty cells empty, yes / no
    workbook = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(shop, "EUR")))
    assert workbook.sheetnames == ["elasticity", "categories", "promotions", "promotion per product", "settings"]
    sheet = workbook["elasticity"]
    assert sheet["B2"].value.startswith("'=") and isinstance(sheet["D2"].value, float)
    assert "Category" in to_csv_bytes(shop, "category").decode().splitlines()[0]


def test_unit_costs_from_a_column_or_a_table():
    frame = canonical(shop_rows()).assign(UnitCost=1.5)
    assert costs_from_column(frame, "UnitCost").loc["A"] == 1.5
    table = pd.DataFrame({"SKU": ["A", "B", 123.0], "purchase cost": [1.0, "2,5", 3.0]})
    costs = costs_from_table(table)
    assert costs.loc["A"] == 1.0 and costs.loc["123"] == 3.0
    with pytest.raises(ValueError, match="not a numeric column"):
        costs_from_column(frame, "Missing")


def test_weekly_files_are_read_as_weekly():
    rows = shop_rows()
    weekly = rows[rows["Date"].dt.dayofweek == 0]
    result = run_elasticity(canonical(weekly), PricingSettings(min_sale_days=10))
    assert result.freq == "W" and any("read as weekly" in note for note in result.notes)
    assert result.products.set_index("product_id").loc["FLAT", "verdict"] == "not identifiable"
