"""Trend and season kept to the shop's measured spread (issue 26: slow movers' own trends are noise)."""

from __future__ import annotations

import numpy as np
import pytest

from retail.pricing.estimators import ShrunkRegression
from retail.pricing.panel import build_price_panel
from retail.pricing.shrinkage import MAX_PRECISION, MIN_CONTROL_PRODUCTS, control_precision
from tests.pricing_data import canonical, till_rows

COLUMNS = ["intercept", "log_price", "promotion", "trend", "weekday_1", "year_sin1", "month_2", "store_1"]


def test_the_spread_is_the_mean_square_less_the_sampling_variance():
    rng = np.random.default_rng(0)
    P = 40
    coef = rng.normal(0.0, 0.3, (P, len(COLUMNS)))
    cov = np.zeros((P, len(COLUMNS), len(COLUMNS)))
    cov[:, np.arange(len(COLUMNS)), np.arange(len(COLUMNS))] = rng.uniform(0.001, 0.02, (P, len(COLUMNS)))
    fitted = np.ones(P, dtype=bool)
    fitted[:5] = False  # products without rows take no part
    precision = control_precision(COLUMNS, coef, cov, fitted)
    assert sorted(precision) == [3, 5, 6]  # trend and both kinds of season; never price, promotion, weekday, store
    for j in precision:  # brute force: one over (mean square - mean variance) over the fitted products
        spread = np.mean([coef[p, j] ** 2 - cov[p, j, j] for p in range(5, P)])
        assert precision[j] == pytest.approx(1 / spread)


def test_no_spread_holds_the_coefficient_and_too_few_products_measure_nothing():
    P = MIN_CONTROL_PRODUCTS
    coef, cov = np.zeros((P, 4)), np.zeros((P, 4, 4))
    cov[:, 3, 3] = 0.01  # every trend is pure noise
    assert control_precision(COLUMNS[:4], coef, cov, np.ones(P, dtype=bool)) == {3: MAX_PRECISION}
    assert control_precision(COLUMNS[:4], coef, cov, np.arange(P) > 0) == {}


def test_slow_sellers_without_a_trend_are_not_given_one_and_their_elasticities_improve():
    truth = {f"P{i:02d}": float(e) for i, e in enumerate(np.linspace(-2.5, -0.5, 24))}
    panel = build_price_panel(canonical(till_rows(truth, days=420, volume=1.0, seed=3)))
    fits = {kind: ShrunkRegression(trend_season=kind).fit(panel).estimates_ for kind in ("own", "shrunk")}
    trend = fits["own"].layout.columns.index("trend")
    true = panel.products["product_id"].map(truth).to_numpy()
    spread = {kind: float(np.std(fit.coef[:, trend])) for kind, fit in fits.items()}
    error = {kind: float(np.nanmean(np.abs(fit.mean - true))) for kind, fit in fits.items()}
    assert spread["shrunk"] < 0.5 * spread["own"]  # the shop shows no trend: a product's noise is not one
    assert error["shrunk"] < error["own"]
