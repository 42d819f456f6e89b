"""Replenishment library: the replay against hand-computed cases, no peeking, packs, both policies, the run."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.stats import norm

from retail.data import schema
from retail.data.workspace import Workspace
from retail.inventory.demand import load_history
from retail.inventory.export import to_csv_bytes, to_excel_bytes
from retail.inventory.pipeline import run_replenishment
from retail.inventory.policies import Reviews, SpreadsheetPolicy, normal_loss_inverse
from retail.inventory.registry import POLICIES, TERM_NAMES, baseline, ours
from retail.inventory.result import load_run, save_run
from retail.inventory.settings import ReplenishmentSettings
from retail.inventory.simulate import Schedule, lead_times, order_quantity, service, simulate
from retail.inventory.terms import item_terms
from tests.inventory_data import daily_sales


def one_item(review: int = 2, pack: int = 1, min_order: int = 0) -> Schedule:
    return Schedule(np.array([0]), np.array([review]), np.array([pack]), np.array([min_order]))


def test_replay_matches_a_hand_computed_case():
    """S = 5 every 2 days, lead 1 day, demand 3 1 4 0 2 5 (worked out on paper in the comments)."""
    demand = np.array([[3, 1, 4, 0, 2, 5]], dtype=float)
    levels = np.full((1, 1, 3), 5.0)
    out = simulate(demand, levels, one_item(), np.ones((1, 3), dtype=int), record=True)
    # day 0: start at S = 5, review orders 0, sell 3 -> 2 | day 1: sell 1 -> 1 (cycle 1 served)
    # day 2: order 5 - 1 = 4 (due day 3), 4 wanted, 1 sold, 3 lost -> 0 | day 3: +4 -> 4 (cycle 2 ran out)
    # day 4: order 5 - 4 = 1 (due day 5), sell 2 -> 2 | day 5: +1 -> 3, 5 wanted, 3 sold, 2 lost (cycle 3 ran out)
    assert out.on_hand[0, 0].tolist() == [2, 1, 0, 4, 2, 0]
    assert out.orders[0, 0].tolist() == [0, 0, 4, 0, 1, 0]
    assert (out.demand[0, 0], out.sold[0, 0], out.lost[0, 0]) == (15, 10, 5)
    assert (out.cycles[0, 0], out.short_cycles[0, 0], out.short_days[0, 0]) == (3, 2, 2)
    numbers = service(out)
    assert numbers["cycle"][0] == pytest.approx(1 / 3)
    assert numbers["fill"][0] == pytest.approx(10 / 15)
    assert numbers["cover"][0] == pytest.approx(9 / 15)  # average stock 1.5 units / 2.5 units a day


def test_replay_rounds_orders_to_packs_and_minimum_orders():
    demand = np.array([[3, 1, 4, 0, 2, 5]], dtype=float)
    out = simulate(demand, np.full((1, 1, 3), 5.0), one_item(pack=3), np.ones((1, 3), dtype=int), record=True)
    # day 2: 4 missing -> 2 packs of 3 = 6; day 3: 0 + 6; day 4: 6 >= 5, no order; sell 2 -> 4; day 5: 4 of 5 sold
    assert out.orders[0, 0].tolist() == [0, 0, 6, 0, 0, 0]
    assert out.on_hand[0, 0].tolist() == [2, 1, 0, 6, 4, 0]
    assert (out.lost[0, 0], out.short_cycles[0, 0]) == (4, 2)


def test_order_quantity_rounding():
    gap = np.array([4.0, 0.0, -3.0, 7.0, 0.2, 12.0])
    pack = np.array([6, 6, 6, 4, 5, 1])
    minimum = np.array([0, 0, 0, 10, 0, 20])
    assert order_quantity(gap, pack, minimum).tolist() == [6, 0, 0, 12, 5, 20]


def test_same_day_delivery_and_lead_times():
    demand = np.array([[5, 5, 5, 5]], dtype=float)
    out = simulate(demand, np.full((1, 1, 4), 5.0), one_item(review=1), np.zeros((1, 4), dtype=int))
    assert out.lost[0, 0] == 0 and out.short_cycles[0, 0] == 0  # lead 0: ordered and shelved before the sales
    draws = lead_times(np.array([7, 7]), np.array([0.0, 2.0]), 500, seed=1)
    assert (draws[0] == 7).all() and draws[1].std() == pytest.approx(2.0, abs=0.3) and draws.min() >= 0


def test_a_batch_of_variants_is_replayed_at_once_per_item():
    rng = np.random.default_rng(3)
    demand = rng.poisson(3.0, (4, 30)).astype(float)
    levels = np.stack([np.full((4, 5), 8.0), np.full((4, 5), 20.0)])
    schedule = Schedule(np.array([0, 0, 2, 0]), np.array([7, 7, 7, 14]), np.ones(4, int), np.zeros(4, int))
    both = simulate(demand, levels, schedule, np.full((4, 5), 3))
    for variant in range(2):
        for item in range(4):
            alone = simulate(demand[item:item + 1], levels[variant:variant + 1, item:item + 1],
                             Schedule(*(np.array([getattr(schedule, f)[item]]) for f in
                                        ("start", "review", "pack", "min_order"))), np.full((1, 5), 3))
            assert both.sold[variant, item] == alone.sold[0, 0]
            assert both.short_cycles[variant, item] == alone.short_cycles[0, 0]
    assert (both.sold[1] >= both.sold[0]).all()
    assert both.days[0, 2] == 28 and both.cycles[0, 3] == 3  # starts on day 2; 30 days of 14-day cycles: 2 + a part


def settings(**changes) -> ReplenishmentSettings:
    base = {"level": "product", "simulate_weeks": 6, "terms": {"service_level": 0.9}}
    return ReplenishmentSettings(**(base | changes))


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return daily_sales()


@pytest.fixture(scope="module")
def result(sales):
    return run_replenishment(sales, settings(cost_share=0.5), currency="EUR")


def history_and_terms(frame: pd.DataFrame, **values):
    history = load_history(frame, "product")
    terms = item_terms(history.ids, ReplenishmentSettings(terms=values).terms)
    return history, terms


@pytest.mark.parametrize("name", ["quantile", "spreadsheet"])
def test_demand_after_a_review_does_not_change_its_order(sales, name):
    review_day = pd.Timestamp("2023-05-01")
    changed = sales.copy()
    later = changed[schema.DATE] >= review_day
    changed.loc[later, schema.QUANTITY] *= 10  # a very different future
    policy = ReplenishmentSettings().policy(name)
    levels = []
    for frame in (sales, changed):
        history, terms = history_and_terms(frame)
        day = history.day_of(review_day)
        reviews = Reviews(np.full(len(history.ids), day), np.ones(len(history.ids), dtype=int))
        levels.append(policy.levels(history, reviews, terms, np.full((2, len(history.ids)), [[0.8], [0.95]])))
    assert levels[0].order_up_to.sum() > 0
    np.testing.assert_array_equal(levels[0].order_up_to, levels[1].order_up_to)
    np.testing.assert_array_equal(levels[0].forecast, levels[1].forecast)


def test_a_replayed_review_ignores_the_demand_after_it(sales):
    cut = pd.Timestamp("2023-06-12")  # the fourth of six simulated weekly reviews
    changed = sales.copy()
    changed.loc[changed[schema.DATE] >= cut, schema.QUANTITY] *= 7
    runs = [run_replenishment(frame, settings(simulate_from="2023-05-22")) for frame in (sales, changed)]
    before = [run.reviews[run.reviews["date"] <= cut] for run in runs]
    assert len(before[0]) == 12 * 4
    for policy in (ours(), baseline()):
        np.testing.assert_array_equal(before[0][f"level_{policy}"], before[1][f"level_{policy}"])
    orders = [run.daily[run.daily["date"] <= cut][f"order_{ours()}"].to_numpy() for run in runs]
    np.testing.assert_array_equal(orders[0], orders[1])


def test_spreadsheet_rule_is_mean_times_cover_plus_z_sd(sales):
    history, terms = history_and_terms(sales, review_days=7, lead_days=3)
    day = 150
    policy = SpreadsheetPolicy(sample_days=28)
    levels = policy.levels(history, Reviews(np.full(len(history.ids), day), np.ones(len(history.ids), int)), terms,
                           np.full((1, len(history.ids)), 0.9))
    window = history.units[:, day - 28:day]
    expected = window.mean(axis=1) * 10 + norm.ppf(0.9) * window.std(axis=1, ddof=1) * np.sqrt(10)
    np.testing.assert_array_equal(levels.order_up_to[0, :, 0], np.ceil(expected - 1e-9))


def test_fill_rate_safety_factor_inverts_the_normal_loss():
    z = np.array([-1.0, 0.0, 0.5, 2.0])
    loss = norm.pdf(z) - z * norm.sf(z)
    np.testing.assert_allclose(normal_loss_inverse(loss), z, atol=0.01)


def test_our_policy_meets_its_target_on_poisson_demand(result):
    curve = result.curve[result.curve["policy"] == ours()].set_index("target")
    for target in (0.8, 0.9, 0.95):
        assert curve.loc[target, "achieved_csl"] == pytest.approx(target, abs=0.06)
    assert curve["days_of_cover"].is_monotonic_increasing


def test_fill_rate_target(sales):
    run = run_replenishment(sales, settings(terms={"service_level": 0.9, "service_measure": "fill"}))
    assert run.simulation[ours()]["fill_rate"] == pytest.approx(0.9, abs=0.05)


def test_the_run_reports_both_policies_the_curve_and_a_plan(result):
    info = result.summary_dict()
    assert info["items"] == 12 and set(info["simulation"]) == {"ours", "baseline"}
    for role in ("ours", "baseline"):
        assert {"achieved_csl", "fill_rate", "days_of_cover"} <= set(info["simulation"][role])
        assert info["simulation"][role]["average_stock_value"] > 0  # cost = half the price
    assert set(result.curve["policy"]) == {ours(), baseline()} and len(result.curve) == 18
    plan = result.plan
    assert len(plan) == 12 and (plan["review_date"] == pd.Timestamp("2023-07-17")).all()
    assert (plan["order_quantity"] == plan["order_up_to"]).all()  # no stock file: nothing on hand
    assert plan["reason"].str.contains("no stock given").all()
    assert len(result.daily) == 12 * 42 and result.item_view("P3")["reviews"].shape[0] == 6


def test_the_plan_orders_what_demand_over_the_cover_needs(result):
    """Item Pk sells k + 1 units a day (Poisson; odd items in bursts: a day in four, four times as much).
    Over 14 days of cover (7 review + 7 lead) the forecast is the mean demand and the order-up-to level
    the 90% quantile (normal approximation of the demand's true variance), within the error a forecast
    from 196 days of history leaves; the order value is the units at half the price of 2.00."""
    plan = result.plan.set_index("series_id").loc[[f"P{k}" for k in range(12)]]
    rate = np.arange(1, 13, dtype=float)
    daily_variance = np.where(np.arange(12) % 2 == 1, rate + 3 * rate ** 2, rate)
    mean, quantile = 14 * rate, 14 * rate + norm.ppf(0.9) * np.sqrt(14 * daily_variance)
    assert (plan["cover_days"] == 14).all()
    assert plan["forecast"].sum() == pytest.approx(mean.sum(), rel=0.12)
    assert plan["order_up_to"].sum() == pytest.approx(quantile.sum(), rel=0.15)
    assert ((plan["order_up_to"] / quantile).between(0.75, 1.7)).all()
    assert (plan["low"] <= plan["forecast"]).all() and (plan["forecast"] < plan["order_up_to"]).all()
    assert (plan["order_up_to"] <= plan["high"] + 1).all()  # the 90% level sits inside the 95% range
    np.testing.assert_array_equal(plan["order_value"], plan["order_quantity"] * 1.0)
    assert result.plan["order_quantity"].is_monotonic_decreasing  # biggest order first


def test_stock_and_per_item_terms_change_the_plan(sales):
    table = pd.DataFrame({"on_hand": [1e6, np.nan], "pack_size": [np.nan, 50], "lead_days": [3, np.nan]},
                         index=["P0", "P5"])
    history = load_history(sales, "product")
    terms = item_terms(history.ids, settings().terms, table)
    row = {item: i for i, item in enumerate(history.ids)}
    assert terms.lead[row["P0"]] == 3 and terms.lead[row["P5"]] == 7 and terms.pack[row["P5"]] == 50
    from retail.inventory.stock import StockTable

    run = run_replenishment(sales, settings(), stock=StockTable(table, {}))
    plan = run.plan.set_index("series_id")
    assert plan.loc["P0", "order_quantity"] == 0 and plan.loc["P0", "reason"].startswith("stock on hand")
    assert plan.loc["P5", "order_quantity"] % 50 == 0 and plan.loc["P5", "order_quantity"] > 0


def test_item_table_values_are_checked():
    with pytest.raises(ValueError, match=r"Pack size \(units\): 1 items have values outside"):
        item_terms(np.array(["A"]), settings().terms, pd.DataFrame({"pack_size": [0.5]}, index=["A"]))


def test_settings_are_checked_by_the_registry():
    with pytest.raises(ValueError, match=r"Target service level \(service_level\) must be >= 0.5 and <= 0.999; got 1.5"):
        ReplenishmentSettings(terms={"service_level": 1.5})
    with pytest.raises(ValueError, match="unknown ordering term"):
        ReplenishmentSettings(terms={"colour": 1})
    with pytest.raises(ValueError, match="are ordering terms shared by every policy"):
        ReplenishmentSettings(policy_params={"quantile": {"lead_days": 3}})
    with pytest.raises(ValueError, match="level must be one of"):
        ReplenishmentSettings(level="category")
    kept = ReplenishmentSettings(policy_params={"quantile": {"error_weeks": 8}}, simulate_from="2011-09-12 10:00")
    assert ReplenishmentSettings.from_dict(kept.to_dict()) == kept and kept.simulate_from == "2011-09-12"


def test_lead_time_longer_than_the_history_is_refused(sales):
    with pytest.raises(ValueError, match="a lead time of 150 days is longer than the"):
        run_replenishment(sales, settings(simulate_from="2023-03-01", terms={"lead_days": 150}))
    with pytest.raises(ValueError, match="run past the end of the data"):
        run_replenishment(sales, settings(simulate_from="2023-07-01"))


def test_the_policy_table_is_in_the_readme():
    from retail.inventory.registry import policies_table
    from tests.conftest import ROOT

    assert policies_table() in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("spec", list(POLICIES), ids=lambda spec: spec.name)
def test_constructor_defaults_match_the_registry(spec):
    policy = spec.resolve()()
    for param in spec.params:
        assert getattr(policy, param.name) == param.default, param.name
    assert set(TERM_NAMES) <= set(spec.param_names())


def test_exports_are_formula_safe_with_currency(sales):
    hostile = sales.copy()
    hostile.loc[hostile[schema.PRODUCT_ID] == "P2", schema.PRODUCT_NAME] = "=HYPERLINK(\"http://x\")"
    run = run_replenishment(hostile, settings(cost_share=0.5), currency="EUR")
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(run)))
    assert book.sheetnames == ["orders", "simulation", "items", "curve", "settings"]
    header = [cell.value for cell in book["orders"][1]]
    names = [row[header.index("product")] for row in book["orders"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names
    value_cell = book["orders"].cell(row=2, column=header.index("order value") + 1)
    assert isinstance(value_cell.value, int | float) and "€" in value_cell.number_format
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(run)))
    assert len(csv) == 12 and csv["product"].str.startswith("'=").sum() == 1
    forecast = csv["forecast demand over those days (units)"]
    assert (forecast == forecast.round()).all()  # units are whole: no 17593.05
    written = dict(book["settings"].iter_rows(min_row=2, values_only=True))
    assert written["Target service level"] == f"{run.settings.terms['service_level']:.1%}" and written["Plan per"] == "product"
    assert not any(str(k).startswith("{") or "_" in str(k) for k in written)  # words, not JSON or code names
    header = [cell.value for cell in book["simulation"][1]]
    assert book["simulation"].cell(row=2, column=header.index("cycle service achieved") + 1).number_format == "0.0%"


def test_runs_are_saved_and_reopened(workspace_home, result):
    workspace = Workspace(workspace_home)
    run = save_run(workspace, "shop", result)
    back = load_run(workspace, run.id)
    assert back.summary_dict() == result.summary_dict()
    pd.testing.assert_frame_equal(back.curve, result.curve, check_dtype=False)
    assert workspace.list_runs("replenishment")[0].summary["ours"]["achieved_csl"] == pytest.approx(
        result.simulation[ours()]["achieved_csl"])



def test_warm_up_days_move_the_stock_but_are_not_counted():
    demand = np.array([[3, 1, 4, 0, 2, 5]], dtype=float)
    counted = Schedule(np.array([0]), np.array([2]), np.array([1]), np.array([0]), counted_from=np.array([2]))
    out = simulate(demand, np.full((1, 1, 3), 5.0), counted, np.ones((1, 3), dtype=int))
    # the same replay as the hand-computed case, counting only days 2 to 5 (cycles 2 and 3, both short)
    assert (out.demand[0, 0], out.sold[0, 0], out.cycles[0, 0], out.short_cycles[0, 0]) == (11, 6, 2, 2)
    assert out.on_hand_days[0, 0] == 0 + 4 + 2 + 0


def test_varying_lead_times_raise_our_levels_to_keep_the_service(sales):
    steady = run_replenishment(sales, settings())
    varying = run_replenishment(sales, settings(terms={"service_level": 0.9, "lead_days_sd": 3.0}))
    assert varying.simulation[ours()]["days_of_cover"] > steady.simulation[ours()]["days_of_cover"]
    assert varying.simulation[ours()]["achieved_csl"] == pytest.approx(0.9, abs=0.07)


def test_items_reviewed_on_their_own_schedules(sales):
    from retail.inventory.stock import StockTable

    table = pd.DataFrame({"review_days": [14, 3], "lead_days": [2, 10]}, index=["P0", "P1"])
    run = run_replenishment(sales, settings(), stock=StockTable(table, {}))
    reviews = run.reviews.groupby("series_id").size()
    assert (reviews["P0"], reviews["P1"], reviews["P2"]) == (3, 14, 6)  # 42 days: every 14, every 3, every 7
    assert set(run.reviews.loc[run.reviews["series_id"] == "P1", "cover_days"]) == {13}
    orders = run.daily[(run.daily["series_id"] == "P0") & (run.daily[f"order_{ours()}"] > 0)]
    assert ((orders["date"] - pd.Timestamp(run.simulate_from)).dt.days % 14 == 0).all()


def test_store_and_product_store_levels():
    two_stores = daily_sales(items=4, stores=("north", "south"))
    for level, items in (("store", 2), ("product_store", 8)):
        run = run_replenishment(two_stores, settings(level=level))
        assert len(run.plan) == items and run.plan[schema.STORE_ID].notna().all()


def test_exports_without_unit_costs(sales):
    """No cost: the money measures are left out of the simulation sheet, the rest is written."""
    run = run_replenishment(sales, settings(top_n=3))
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(run)))
    header = [cell.value for cell in book["simulation"][1]]
    assert "average stock value" not in header and "cycle service achieved" in header
