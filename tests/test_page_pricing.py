"""AppTest for the Pricing page: run the elasticities, read the table, the product view, the lifts,
the scenario simulator (sliders move the numbers), downloads, saved runs."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.pricing import glm
from retail.pricing.registry import ESTIMATORS, GOALS
from tests.conftest import ROOT
from tests.pricing_data import shop_rows
from tests.rossmann_data import write_store_days

SHOP = "shop with prices"


@pytest.fixture
def shop(app_env, tmp_path):
    path = tmp_path / "till.csv"
    rows = shop_rows()
    rows.assign(Cost=(rows["Price"] * 0.5).round(2)).to_csv(path, index=False)
    import_file(Workspace(app_env), path, SHOP)
    return app_env


def open_page(select: str | None = SHOP) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.run()
    if select:
        app.selectbox(key="dataset_name").set_value(select)  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/pricing.py").run()
    assert not app.exception
    return app


def run(app: AppTest) -> AppTest:
    app.button(key="pr_run").click().run()
    assert not app.exception and not app.error
    return app


def test_run_shows_elasticities_verdicts_and_saves(shop):
    app = run(open_page())
    assert "6 of 8 products have a measurable price elasticity" in app.success[0].value
    products = next(d.value for d in app.dataframe if "verdict" in d.value.columns and "product_id" in d.value.columns)
    assert len(products) == 6 and products["elasticity"].notna().all()  # measurable: every number there, no "None"
    assert "settled" not in products.columns or products["settled"].all()  # every fit settled: nothing to read twice
    assert not any("did not settle" in w.value for w in app.warning)
    unmeasured = next(d.value for d in app.dataframe if "reason" in d.value.columns
                      and "elasticity" not in d.value.columns).set_index("product_id")
    assert set(unmeasured.index) == {"FLAT", "PROMO"}
    assert unmeasured.loc["PROMO", "reason"] == "the price moved only together with promotions"
    assert "Promo" in " ".join(c.value for c in app.caption)
    assert len(app.get("plotly_chart")) >= 3  # forest plot, product over time, response curve
    runs = Workspace(shop).list_runs("pricing")
    assert len(runs) == 1 and runs[0].summary["identifiable"] == 6


def test_an_estimate_that_did_not_settle_is_marked(shop, monkeypatch):
    monkeypatch.setattr(glm, "MAX_ITER", 1)  # one Newton step: no product's fit can settle
    app = run(open_page())
    assert "The estimate did not settle for 6 products" in app.success[0].value
    assert any("did not settle for 6 products" in w.value for w in app.warning)
    products = next(d.value for d in app.dataframe if "verdict" in d.value.columns and "product_id" in d.value.columns)
    assert not products["settled"].any()
    assert "did not settle" in " ".join([w.value for w in app.warning][1:] + [i.value for i in app.info])  # product view


def test_category_level_and_product_view_follow_the_widgets(shop):
    app = run(open_page())
    app.radio(key="pr_level").set_value("category").run()
    categories = next(d.value for d in app.dataframe if "identifiable_products" in d.value.columns)
    assert set(categories["category"]) == {"cat0", "cat1"}
    app.selectbox(key="pr_product").set_value("FLAT").run()
    assert "Not identifiable" in app.warning[0].value and "category's elasticity" in app.warning[0].value
    assert "product=FLAT" in "&".join(f"{k}={v}" for k, v in app.query_params.items())


def test_promotion_lifts_and_scenarios(shop):
    app = run(open_page())
    lifts = next(d.value for d in app.dataframe if "promotion_lift" in d.value.columns and "events" in d.value.columns)
    assert set(lifts["product_id"]) >= {"A", "B", "C"}
    assert (lifts["lift"] > lifts["promotion_lift"]).all()  # the discount explains part of the lift
    app.selectbox(key="pr_scenario_product").set_value("A").run()
    answer = next(i.value for i in app.info if "Price with the most sales value" in i.value)
    assert "on the guard rail (the largest cut allowed" in answer  # A is elastic: sales value peaks at the cut
    assert "Margin cannot be judged without unit costs" in answer
    assert any("nobody can say whether it pays" in w.value for w in app.warning)
    before = [m.value for m in app.metric]
    app.slider(key="pr_change").set_value(10).run()
    after = [m.value for m in app.metric]
    assert before != after and not app.exception


def test_margin_goal_needs_costs_then_uses_the_cost_column(shop):
    app = run(open_page())
    margin = next(name for name in GOALS.names if name != GOALS.first_tagged("default"))
    app.selectbox(key="pr_goal").set_value(margin).run()
    assert "Margins need unit costs" in app.info[-1].value
    app.selectbox(key="pr_cost_source").set_value("Cost").run()
    answer = next(m.value for m in [*app.success, *app.info] if "Recommended price" in m.value)
    assert "margin" in answer and "cannot be judged" not in answer and not app.exception
    assert len(app.metric) == 3


def test_downloads_and_saved_runs(shop):
    app = run(open_page())
    downloads = {d.key: d for d in app.get("download_button")}
    assert set(downloads) == {"pr_download_xlsx", "pr_download_csv", "pr_download_cat", "pr_scenario_csv"}

    fresh = open_page()
    assert "Measure the price elasticities first" in fresh.info[0].value
    fresh.button(key="pr_runs_open").click().run()
    assert "6 of 8 products" in fresh.success[0].value


def test_changing_the_model_runs_it(shop):
    app = open_page()
    baseline = ESTIMATORS.first_tagged("baseline")
    app.selectbox(key="pr_model").set_value(baseline).run()
    run(app)
    assert ESTIMATORS.label(baseline) in app.success[0].value
    assert any("not a count model" in i.value for i in app.info)  # lifts need a count model


def test_dataset_without_prices_says_so(app_env, tmp_path):
    path = tmp_path / "baskets.csv"
    path.write_text("Date,Item,Transaction\n2020-01-01,bread,1\n2020-01-01,coffee,1\n2020-01-02,bread,2\n")
    import_file(Workspace(app_env), path, "baskets")
    app = open_page("baskets")
    assert "Pricing needs prices" in app.info[0].value


def test_trend_and_season_setting_reaches_the_run(shop):
    app = open_page()
    widget = app.selectbox(key="pr_shrunk_trend_season")
    assert widget.value == "shrunk" and widget.label == "Trend and season per product"
    widget.set_value("own").run()
    run(app)
    assert "6 of 8 products have a measurable price elasticity" in app.success[0].value
    saved = Workspace(shop).list_runs("pricing")[0].settings
    assert saved["model_params"]["trend_season"] == "own"
def test_store_totals_with_a_promotion_column_get_a_lift_per_store(app_env, tmp_path):
    """A Rossmann-like file has no prices, but its promotions are measured store by store, with intervals."""
    import_file(Workspace(app_env), write_store_days(tmp_path / "rossmann.csv"), "rossmann")
    app = open_page("rossmann")
    assert app.selectbox(key="pr_store_promo").value == "Promo"
    assert "On promotion days, sales were +2" in app.success[0].value and "95% interval" in app.success[0].value
    table = next(d.value for d in app.dataframe if "store_lift" in d.value.columns)
    assert len(table) == 4 and (table["store_lift_low"] < 0.25).all() and (table["store_lift_high"] > 0.25).all()
    assert any(d.key == "pr_store_lifts_csv" for d in app.get("download_button"))
    assert not any("Pricing needs prices" in i.value for i in app.info)


def test_todays_price_is_the_recent_price_not_one_odd_last_day(shop):
    """The response chart's "today" marker sits where the weekly price line ends (not on a last order at list price)."""
    from tests.pricing_data import canonical

    rows = shop_rows()
    last = rows[rows["SKU"] == "A"].tail(1).assign(Price=lambda r: r["Price"] * 1.5, Qty=1, Promo=0)
    from retail.pricing.run import run_elasticity

    result = run_elasticity(canonical(pd.concat([rows, last.assign(Date=last["Date"] + pd.Timedelta(days=1))])))
    view = result.product_view("A")
    recent = view["daily"][view["daily"]["date"] > view["daily"]["date"].max() - pd.Timedelta(days=28)]
    assert view["row"]["current_price"] == pytest.approx(recent["regular_price"].median(), rel=0.02)
