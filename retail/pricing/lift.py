"""Promotion lift: what a promotion sold beyond what the same days would have sold at the regular price.

A promotion event is a run of consecutive promotion days of one product (all its stores). For
each event the count model gives two counterfactuals for the very same days, stores and season:
the *baseline* (regular price, no promotion) and the *discount only* (promotion price, no
display). Then

* ``lift`` = units sold / units at the regular price - 1 (everything the promotion did),
* ``units_from_discount`` = discount only - baseline (what the lower price alone explains, via
  the elasticity),
* ``units_from_promotion`` = units sold - discount only (display, leaflet, attention), and
  ``promotion_lift`` = units sold / discount only - 1, the promotion's own lift.

Intervals come from draws of the product's coefficients. A product whose elasticity is not
identifiable uses its category's (``price_effect_from`` says so); without one the split is
left empty and only the total lift is given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from retail.pricing.estimators import Estimates
from retail.pricing.fitted import coefficient_draws
from retail.pricing.panel import DAY, PRICE, PRODUCT, PROMO, REGULAR, STORE, UNITS, PricePanel

EVENT_COLUMNS = ["product", "event", "start", "end", "days", "stores", "discount", "units_sold",
                 "units_at_regular_price", "units_from_discount", "units_from_promotion", "lift", "lift_low",
                 "lift_high", "promotion_lift", "promotion_lift_low", "promotion_lift_high"]


def _product_draws(estimates: Estimates, adjusted: tuple[np.ndarray, np.ndarray], part: pd.DataFrame,
                   product: int, rng: np.random.Generator):
    """(rows, draws) expected units at baseline and with the discount only, and their point values."""
    layout, reference = estimates.layout, estimates.reference[product]
    day, store = part[DAY].to_numpy(), part[STORE].to_numpy()
    no_promo = np.zeros(len(part))
    base_x = layout.features(day, store, np.log(part[REGULAR].to_numpy() / reference), no_promo)
    discount_x = layout.features(day, store, np.log(part[PRICE].to_numpy() / reference), no_promo)
    coef, cov = adjusted[0][product], adjusted[1][product]
    draws = coefficient_draws(coef, cov, rng)
    return np.exp(base_x @ draws.T), np.exp(discount_x @ draws.T), np.exp(base_x @ coef), np.exp(discount_x @ coef)


def _summaries(actual: np.ndarray, base: np.ndarray, discount: np.ndarray, base_point: np.ndarray,
               discount_point: np.ndarray) -> dict[str, np.ndarray]:
    """Totals and intervals per group: inputs (groups,) and (groups, draws)."""
    def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = np.percentile(values, [2.5, 97.5], axis=1)  # draws of exp(...) are never missing
        return low, high

    lift_low, lift_high = band(actual[:, None] / base - 1)
    extra_low, extra_high = band(actual[:, None] / discount - 1)
    return {"units_sold": actual, "units_at_regular_price": base_point, "units_from_discount": discount_point - base_point,
            "units_from_promotion": actual - discount_point, "lift": actual / base_point - 1, "lift_low": lift_low,
            "lift_high": lift_high, "promotion_lift": actual / discount_point - 1, "promotion_lift_low": extra_low,
            "promotion_lift_high": extra_high}


def promotion_lifts(panel: PricePanel, estimates: Estimates, eta: np.ndarray,
                    seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, products): one row per promotion event and one per product with promotions."""
    rows = panel.rows
    promo_rows = rows[(rows[PROMO].to_numpy() > 0) & np.isfinite(eta)]
    if not estimates.counts or promo_rows.empty or estimates.layout.promo is None:
        return pd.DataFrame(columns=EVENT_COLUMNS), pd.DataFrame(columns=["product", "events", *EVENT_COLUMNS[6:]])
    facts = _event_facts(promo_rows)
    rng, adjusted = np.random.default_rng(seed), estimates.adjusted()
    events, products = [], []
    with threadpool_limits(1, user_api="blas"):
        for product, part in promo_rows.groupby(PRODUCT, sort=True):
            base, discount, base_point, discount_point = _product_draws(estimates, adjusted, part, int(product), rng)
            codes, group = np.unique(part["event"].to_numpy(), return_inverse=True)
            onehot = np.zeros((len(codes), len(part)))
            onehot[group, np.arange(len(part))] = 1.0
            actual = onehot @ part[UNITS].to_numpy()
            events.append(_summaries(actual, onehot @ base, onehot @ discount, onehot @ base_point,
                                     onehot @ discount_point) | {"event": codes})
            products.append(_summaries(actual.sum(keepdims=True), base.sum(0, keepdims=True),
                                       discount.sum(0, keepdims=True), base_point.sum(keepdims=True),
                                       discount_point.sum(keepdims=True)) | {"product": [product],
                                                                             "events": [len(codes)]})
    event_table = pd.DataFrame({k: np.concatenate([e[k] for e in events]) for k in events[0]})
    event_table = facts.merge(event_table, on="event")[EVENT_COLUMNS]
    product_table = pd.DataFrame({k: np.concatenate([p[k] for p in products]) for k in products[0]})
    discount = (1 - promo_rows[PRICE] / promo_rows[REGULAR]).groupby(promo_rows[PRODUCT]).mean()
    return event_table, product_table.assign(discount=discount.reindex(product_table["product"]).to_numpy())


def _event_facts(promo_rows: pd.DataFrame) -> pd.DataFrame:
    """Per event: its product, first and last date, days, stores and average discount."""
    frame = promo_rows.assign(discount=1 - promo_rows[PRICE] / promo_rows[REGULAR])
    return frame.groupby("event").agg(product=(PRODUCT, "first"), start=("date", "min"), end=("date", "max"),
                                      days=(DAY, "nunique"), stores=(STORE, "nunique"),
                                      discount=("discount", "mean")).reset_index()
