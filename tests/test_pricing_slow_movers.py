"""Pricing on slow movers (issue 26): chain prices with price zones, the nearest sale's price on days
without one, promotion events with effects of their own (against a brute-force one-hot fit), the
spread of those effects, weekly periods, and verdicts only where the interval supports them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.pricing.design import DesignOptions, Layout, batches
from retail.pricing.glm import Events, event_spread, fit_counts
from retail.pricing.panel import build_price_panel
from retail.pricing.run import run_elasticity
from retail.pricing.settings import PricingSettings
from retail.pricing.tables import verdict_sentence, verdicts
from tests.pricing_data import canonical, shop_rows, till_rows


def _rows(store: list[str], day: list[int], price: list[float], promo: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"Date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"), "Store": store,
                         "SKU": "A", "Description": "a", "Category": "c", "Qty": 1, "Price": price, "Sales": 0.0,
                         "Promo": promo})


def test_a_store_in_a_price_zone_takes_the_chain_price_times_its_ratio():
    # S2 charges 10% more than S1 every day both sold; S1 raises its price on day 4 and S2 sells nothing then
    rows = _rows(["S1", "S2", "S1", "S2", "S1", "S2", "S1", "S2"], [0, 0, 1, 1, 4, 8, 9, 9],
                 [2.0, 2.2, 2.0, 2.2, 3.0, 3.3, 3.0, 3.3], [0] * 8)
    panel = build_price_panel(canonical(rows), min_sale_days=2)
    s2 = panel.rows[panel.rows["store_name"] == "S2"].set_index("day")
    assert s2.loc[2, "price"] == pytest.approx(2.2)  # nearest chain sale: day 1
    assert s2.loc[4, "price"] == pytest.approx(3.3)  # S1 sold at 3.0 that day: S2's price is 10% above it
    assert s2.loc[5, "price"] == pytest.approx(3.3) and not s2.loc[5, "observed"]
    assert any("change price together in every store" in note for note in panel.notes)


def test_a_change_between_two_sales_is_dated_halfway():
    # one store: 2.0 on day 0, 2.5 on day 10, no sale between: days 1-5 keep 2.0, days 6-9 take 2.5
    rows = _rows(["S1", "S2", "S1", "S2"], [0, 0, 10, 10], [2.0, 2.0, 2.5, 2.5], [0, 0, 0, 0])
    panel = build_price_panel(canonical(rows), min_sale_days=2)
    s1 = panel.rows[panel.rows["store_name"] == "S1"].set_index("day")["price"]
    assert list(s1.loc[1:5]) == [2.0] * 5 and list(s1.loc[6:9]) == [2.5] * 4


def test_promotion_events_are_runs_of_promotion_days_across_stores():
    rows = _rows(["S1", "S2", "S1", "S2", "S1", "S2", "S1", "S2"], [0, 1, 2, 4, 6, 7, 12, 12],
                 [1.5, 1.5, 1.5, 2.0, 1.5, 1.5, 2.0, 2.0], [1, 1, 1, 0, 1, 1, 0, 0])
    panel = build_price_panel(canonical(rows), min_sale_days=2)
    events = panel.rows.groupby("day")["event"].agg(set)
    assert events.loc[0:3].tolist() == [{0}] * 4  # day 3 (no sale): as near the promotion's day 2 as day 4
    assert events.loc[4] == {-1} and events.loc[12] == {-1}  # regular price: no event
    assert events.loc[6:7].tolist() == [{1}] * 2  # both stores, one event


def _batch(seed: int = 5):
    panel = build_price_panel(canonical(till_rows({"A": -1.5, "B": -0.8}, days=300, seed=seed)))
    layout = Layout(panel, DesignOptions(season="none"))
    batch = next(batches(panel, layout, panel.products["current_price"].to_numpy()))
    return batch, layout.prior_precision(np.ones(len(batch.products), dtype=bool))


@pytest.mark.parametrize("family", ["poisson", "negbin"])
@pytest.mark.parametrize("errors", ["model", "robust"])
def test_event_effects_equal_a_one_hot_ridge_fit(family, errors):
    batch, prior = _batch()
    events = Events(batch.event, 0.3)
    fitted = fit_counts(batch.X, batch.y, batch.mask, prior, batch.week, family, errors, events)
    onehot = (batch.event[..., None] == np.arange(events.count)).astype(float)
    ridge = np.concatenate([prior, np.full((len(prior), events.count), 1 / 0.3 ** 2)], axis=1)
    brute = fit_counts(np.concatenate([batch.X, onehot], axis=2), batch.y, batch.mask, ridge, batch.week, family,
                       errors)
    K = batch.X.shape[2]
    np.testing.assert_allclose(fitted.coef, brute.coef[:, :K], atol=1e-8)
    np.testing.assert_allclose(fitted.event_effect, brute.coef[:, K:], atol=1e-8)
    # the same price standard error (the one-hot fit counts each event as a whole degree of freedom)
    np.testing.assert_allclose(np.sqrt(fitted.cov[:, 1, 1]), np.sqrt(brute.cov[:, 1, 1]), rtol=0.01)
    assert events.count == 4 and fitted.event_information.shape == (2, 4)  # promotions on days 30, 100, 170, 240


def test_the_spread_of_event_effects_is_measured_from_the_data():
    rng = np.random.default_rng(0)
    information = rng.uniform(20, 400, 4000)
    own = rng.normal(0, 0.25, 4000) + rng.standard_normal(4000) / np.sqrt(information)
    prior = 1 / 0.1 ** 2  # a fit with prior sd 0.1 shrinks each event's own estimate
    shrunk = own * information / (information + prior)
    assert event_spread(shrunk, information + prior, 0.1) == pytest.approx(0.25, abs=0.02)
    assert event_spread(shrunk[:2], information[:2] + prior, 0.1) == 0.1  # too few events: the start stays


def test_weekly_files_count_periods_not_days():
    rows = shop_rows()
    panel = build_price_panel(canonical(rows[rows["Date"].dt.dayofweek == 0]), min_sale_days=10)
    assert panel.freq == "W" and sorted(panel.rows["day"].unique())[:3] == [0, 1, 2]


def test_a_label_only_where_the_interval_supports_it():
    mean, sd = np.array([-2.0, -0.5, -1.2, -1.2]), np.array([0.2, 0.1, 0.5, 0.05])
    labels = verdicts(mean, sd, np.array([True, True, True, False]))
    assert list(labels) == ["elastic", "inelastic", "not sure", "not identifiable"]
    row = pd.Series({"identifiable": True, "verdict": "not sure", "elasticity": -1.2, "ci_low": -2.18,
                     "ci_high": -0.22})
    assert "Not sure whether elastic or inelastic" in verdict_sentence(row) and "includes -1" in verdict_sentence(row)


def test_a_run_with_promotions_says_how_much_they_differ():
    result = run_elasticity(canonical(shop_rows()), PricingSettings(model="negbin"))
    assert any("Promotions differ" in note for note in result.notes)
    shared = run_elasticity(canonical(shop_rows()), PricingSettings(model="negbin",
                                                                    model_params={"promotions": "shared"}))
    assert not any("Promotions differ" in note for note in shared.notes)
