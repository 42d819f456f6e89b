"""The per-product and per-category tables of a pricing run, in plain terms.

The elasticity table says, per product, the estimate and its 95% interval, what it rests on
(price levels, price changes outside promotions), the verdict ("elastic", "inelastic" or "not
identifiable" and why), and what a scenario needs: today's regular price, the units of a typical
week at that price (``baseline_units``) and the prices seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from retail.data import schema
from retail.pricing.design import LOG_PRICE
from retail.pricing.estimators import Estimates
from retail.pricing.fitted import coefficient_draws, promo_coefficient
from retail.pricing.identify import reason_text
from retail.pricing.panel import DAY, PRICE, PRODUCT, PROMO, REGULAR, UNITS, PricePanel
from retail.pricing.result import category_names

Z95 = float(stats.norm.ppf(0.975))
RECENT_DAYS = 28  # a typical week is read from the last four weeks of each product
ELASTIC, INELASTIC, NOT_SURE, NOT_IDENTIFIABLE = "elastic", "inelastic", "not sure", "not identifiable"
NOT_SETTLED = ("The estimate did not settle: the fit stopped at its step limit while the numbers were still moving "
               "(often a price that barely moved, or sales in rare large orders). Read it with care.")


def _at_reference(panel: PricePanel, estimates: Estimates, eta: np.ndarray) -> np.ndarray:
    """log expected units per row at the product's current regular price and without a promotion."""
    coef, _ = estimates.adjusted()
    rows = panel.rows
    product = rows[PRODUCT].to_numpy()
    x_price = np.log(rows[PRICE].to_numpy() / estimates.reference[product])
    return eta - coef[product, LOG_PRICE] * x_price - promo_coefficient(estimates)[product] * rows[PROMO].to_numpy()


def _recent(panel: PricePanel, eta: np.ndarray, period_days: int) -> pd.DataFrame:
    rows = panel.rows
    last = rows.groupby(PRODUCT)[DAY].transform("max").to_numpy()
    keep = (rows[DAY].to_numpy() > last - max(RECENT_DAYS // period_days, 1)) & np.isfinite(eta)
    return rows[keep]


def baseline_units(panel: PricePanel, estimates: Estimates, eta: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Per product: ``baseline_units`` (a typical week at today's regular price, no promotion, in
    the conditions of the last four weeks) and ``baseline_log_sd`` (its uncertainty, log scale)."""
    period_days = estimates.layout.period_days
    recent = _recent(panel, eta, period_days)
    weeks = RECENT_DAYS / 7 if period_days == 1 else max(RECENT_DAYS // period_days, 1)
    n = panel.n_products
    if not estimates.counts:
        regular = recent[recent[PROMO] == 0]
        units = regular.groupby(PRODUCT)[UNITS].sum().reindex(range(n), fill_value=0.0)
        periods = regular.groupby(PRODUCT)[DAY].nunique().reindex(range(n), fill_value=0)
        per_week = units / periods.replace(0, np.nan) * (7 / period_days)
        return pd.DataFrame({"baseline_units": per_week.to_numpy(),
                             "baseline_log_sd": 1 / np.sqrt(np.maximum(units.to_numpy(), 1.0))})
    log_ref = _at_reference(panel, estimates, eta)[recent.index.to_numpy()]
    level = pd.Series(np.exp(log_ref)).groupby(recent[PRODUCT].to_numpy()).sum().reindex(range(n)) / weeks
    return pd.DataFrame({"baseline_units": level.to_numpy(),
                         "baseline_log_sd": _baseline_sd(panel, estimates, recent, seed)})


def _baseline_sd(panel: PricePanel, estimates: Estimates, recent: pd.DataFrame, seed: int) -> np.ndarray:
    rng, (coef, cov) = np.random.default_rng(seed), estimates.adjusted()
    out = np.full(panel.n_products, np.nan)
    layout = estimates.layout
    with threadpool_limits(1, user_api="blas"):
        for product, part in recent.groupby(PRODUCT, sort=True):
            zeros = np.zeros(len(part))
            x = layout.features(part[DAY].to_numpy(), part["store"].to_numpy(), zeros, zeros)
            draws = coefficient_draws(coef[int(product)], cov[int(product)], rng)
            out[int(product)] = float(np.std(np.log(np.exp(x @ draws.T).sum(0))))
    return out


def daily_table(panel: PricePanel, eta: np.ndarray) -> pd.DataFrame:
    """Per product and period, all stores: units, expected units, median price and regular price, promotion."""
    rows = panel.rows
    frame = rows[[PRODUCT, "date", UNITS, PRICE, REGULAR, PROMO]].assign(expected=np.exp(eta))
    return frame.groupby([PRODUCT, "date"], sort=True).agg(
        units=(UNITS, "sum"), expected=("expected", "sum"), price=(PRICE, "median"),
        regular_price=(REGULAR, "median"), promo=(PROMO, "max")).reset_index()


def response_points(panel: PricePanel, estimates: Estimates, eta: np.ndarray, baseline: pd.DataFrame) -> pd.DataFrame:
    """Weekly observed points for the response curve: the week's average price outside promotions and its
    units, scaled to today's conditions (season, trend, weekday and stores taken out by the model)."""
    rows = panel.rows
    keep = np.isfinite(eta) & (rows[PROMO].to_numpy() == 0)
    if not estimates.counts or not keep.any():
        return pd.DataFrame(columns=[PRODUCT, "week", "price", "units"])
    part = rows[keep]
    reference = np.exp(_at_reference(panel, estimates, eta)[keep])
    week = part["date"] - pd.to_timedelta(part["date"].dt.dayofweek, unit="D")
    frame = pd.DataFrame({PRODUCT: part[PRODUCT].to_numpy(), "week": week.to_numpy(), "units": part[UNITS].to_numpy(),
                          "expected": reference, "price": part[PRICE].to_numpy()})
    weekly = frame.groupby([PRODUCT, "week"]).agg(units=("units", "sum"), expected=("expected", "sum"),
                                                  price=("price", "mean")).reset_index()
    weekly = weekly[weekly["expected"] > 0]
    scale = baseline["baseline_units"].to_numpy()[weekly[PRODUCT].to_numpy()]
    return weekly.assign(units=weekly["units"] / weekly["expected"] * scale)[[PRODUCT, "week", "price", "units"]]


def verdicts(mean: np.ndarray, sd: np.ndarray, identifiable: np.ndarray) -> np.ndarray:
    """Elastic when the whole 95% interval is below -1, inelastic when it is above, else not sure."""
    low, high = mean - Z95 * sd, mean + Z95 * sd
    label = np.where(high < -1, ELASTIC, np.where(low > -1, INELASTIC, NOT_SURE))
    return np.where(identifiable & np.isfinite(mean), label, NOT_IDENTIFIABLE)


def product_table(panel: PricePanel, estimates: Estimates, baseline: pd.DataFrame) -> pd.DataFrame:
    """One row per product (see the module); ``elasticity`` is empty when it is not identifiable."""
    products = panel.products
    mean, sd = estimates.mean, estimates.sd
    identifiable = products["identifiable"].to_numpy(dtype=bool) & np.isfinite(mean)
    used, used_sd, own = estimates.price_effect()
    table = pd.DataFrame({
        schema.PRODUCT_ID: products[schema.PRODUCT_ID], schema.PRODUCT_NAME: products[schema.PRODUCT_NAME],
        schema.CATEGORY: products[schema.CATEGORY], "elasticity": mean, "ci_low": mean - Z95 * sd,
        "ci_high": mean + Z95 * sd, "identifiable": identifiable, "verdict": verdicts(mean, sd, identifiable),
        "reason": [reason_text(code) for code in products["reason"]],
        "p_elastic": np.where(identifiable, stats.norm.cdf((-1 - mean) / np.where(sd > 0, sd, np.nan)), np.nan),
        "own_estimate": estimates.own, "own_ci_low": estimates.own - Z95 * estimates.own_se,
        "own_ci_high": estimates.own + Z95 * estimates.own_se,
        "own_weight": np.where(identifiable, estimates.pooled.weight if estimates.shrunk else 1.0, np.nan),
        "category_elasticity": estimates.pooled.prior_mean,
        "elasticity_used": used, "elasticity_used_sd": used_sd,
        "elasticity_source": np.where(own, "own", np.where(np.isfinite(used), "category", "none")),
        "settled": np.ones(len(mean), dtype=bool) if estimates.settled is None else estimates.settled,
    })
    evidence = ["price_levels", "price_changes", "sale_days", "units", "revenue", "promo_days", "stores",
                "current_price", "lowest_price", "highest_price"]
    return pd.concat([table, products[evidence], baseline], axis=1)


def category_table(panel: PricePanel, estimates: Estimates) -> pd.DataFrame:
    """One row per category: its pooled elasticity (the mean its products vary around) and interval."""
    pooled = estimates.pooled.categories
    products = panel.products.assign(category=category_names(panel.products[schema.CATEGORY]))
    sums = products.groupby("category")[["price_levels", "price_changes", "units", "revenue"]].sum()
    table = pooled.merge(sums, left_on="category", right_index=True, how="left")
    table["identifiable"] = table["identifiable_products"] > 0
    table["ci_low"] = table["elasticity"] - Z95 * table["sd"]
    table["ci_high"] = table["elasticity"] + Z95 * table["sd"]
    table["verdict"] = verdicts(table["elasticity"].to_numpy(), table["sd"].to_numpy(), table["identifiable"].to_numpy())
    columns = ["category", "elasticity", "ci_low", "ci_high", "identifiable", "verdict", "products",
               "identifiable_products", "spread", "price_levels", "price_changes", "units", "revenue"]
    return table[columns].sort_values("units", ascending=False, kind="stable").reset_index(drop=True)


def verdict_sentence(row: pd.Series) -> str:
    """The verdict of one product (or category) row in plain words, with what it rests on."""
    if not row["identifiable"]:
        why = f" ({row['reason']})" if row.get("reason") else ""
        borrowed = row.get("elasticity_used")
        fallback = (f" Scenarios use its category's elasticity ({borrowed:.2f}) and say so."
                    if borrowed is not None and np.isfinite(borrowed) else "")
        return f"Not identifiable{why}: the data cannot say how its sales respond to price.{fallback}"
    effect = [1 - 1.1 ** row[column] for column in ("elasticity", "ci_high", "ci_low")]
    verdict = (f"Not sure whether elastic or inelastic ({row['elasticity']:.2f}; its 95% interval, "
               f"{row['ci_low']:.2f} to {row['ci_high']:.2f}, includes -1)" if row["verdict"] == NOT_SURE
               else f"{row['verdict'].capitalize()} ({row['elasticity']:.2f})")
    text = (f"{verdict}: a 10% price rise costs about {effect[0]:.0%} "
            f"of the units ({effect[1]:.0%} to {effect[2]:.0%}, 95% interval).")
    if "sale_days" in row:
        text += (f" It rests on {int(row['price_changes']):,} price changes outside promotions and "
                 f"{int(row['price_levels']):,} price levels over {int(row['sale_days']):,} store-days with sales.")
    return text + (" " + NOT_SETTLED if not row.get("settled", True) else "")
