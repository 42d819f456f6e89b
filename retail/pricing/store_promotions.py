"""Promotion lift per store, for files of sales totals per store (no prices, a promotion column).

A Rossmann-like file says, per store and day, the sales and whether a promotion ran. Without prices
no elasticity can be measured, but what the promotions added can: per store, a regression of log
sales on the promotion flag with the weekday, the month and a trend taken out, over the days the
store sold something (a closed day is not a day without demand). The lift is ``exp(b) - 1`` for
the promotion's coefficient ``b``; its 95% interval comes from Newey-West standard errors (a week of
lags: a busy Monday makes a busy Tuesday likelier, so plain standard errors would be too narrow).
The chain's lift pools every store the same way, with the store taken out as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from retail.data import kinds, schema
from retail.formatting import count, percent

Z95 = 1.959964
MIN_PERIODS = {"day": 20, "week": 8, "month": 4}  # periods with and without a promotion each, per store
COLUMNS = ["store_id", "store_lift", "store_lift_low", "store_lift_high", "promo_days", "other_days",
           "sales_per_promo_day", "extra_per_promo_day"]


@dataclass(frozen=True)
class StorePromotions:
    """Per store: the lift and its interval; the chain's lift; and a sentence saying what they mean."""

    stores: pd.DataFrame  # COLUMNS
    chain: tuple[float, float, float]  # lift, low, high
    promo_column: str
    period: str
    notes: tuple[str, ...] = ()

    def headline(self) -> str:
        lift, low, high = self.chain
        measured = self.stores.dropna(subset=["store_lift"])
        if measured.empty:
            return "No store had enough days with and without a promotion to measure its lift."
        spread = (f", from {percent(measured['store_lift'].min(), signed=True)} to "
                  f"{percent(measured['store_lift'].max(), signed=True)} per store" if len(measured) > 1 else "")
        return (f"On promotion {self.period}s, sales were {percent(lift, signed=True)} against the same store's "
                f"other {self.period}s (95% interval {percent(low, signed=True)} to {percent(high, signed=True)}; "
                f"{'weekday, ' if self.period == 'day' else ''}month and trend taken out){spread}, over "
                f"{count(len(measured), 'store')}.")


def _design(rows: pd.DataFrame, promo: str, daily: bool, stores: bool) -> pd.DataFrame:
    dates = rows[schema.DATE]
    parts = [pd.Series((rows[promo] > 0).astype(float), name="promo", index=rows.index),
             pd.Series((dates - dates.min()).dt.days / 365.25, name="trend", index=rows.index),
             pd.get_dummies(dates.dt.month, prefix="month", drop_first=True, dtype=float)]
    if daily:
        parts.append(pd.get_dummies(dates.dt.dayofweek, prefix="weekday", drop_first=True, dtype=float))
    if stores:
        parts.append(pd.get_dummies(rows[schema.STORE_ID], prefix="store", drop_first=True, dtype=float))
    design = pd.concat(parts, axis=1)
    design = design.loc[:, (design.std() > 0) | (design.columns == "promo")]  # a month never seen says nothing
    return sm.add_constant(design, has_constant="add")


def _lift(rows: pd.DataFrame, promo: str, daily: bool, stores: bool = False) -> tuple[float, float, float]:
    """exp(b) - 1 of the promotion's coefficient with its 95% interval (Newey-West, a week of lags)."""
    x = _design(rows, promo, daily, stores)
    fit = sm.OLS(np.log(rows[schema.REVENUE].to_numpy()), x.to_numpy()).fit(
        cov_type="HAC", cov_kwds={"maxlags": 7 if daily else 2})
    position = list(x.columns).index("promo")
    b, se = float(fit.params[position]), float(fit.bse[position])
    return float(np.expm1(b)), float(np.expm1(b - Z95 * se)), float(np.expm1(b + Z95 * se))


def store_promotion_lift(frame: pd.DataFrame, promo_column: str) -> StorePromotions:
    """The promotion lift of every store of a store-totals ``frame`` (canonical rows) with a promotion column."""
    if promo_column not in frame.columns:
        raise ValueError(f"There is no column {promo_column!r}; choose the promotion column.")
    rows = schema.sales_only(frame)
    rows = rows[(rows[schema.REVENUE] > 0) & rows[promo_column].notna()].copy()  # closed days say nothing
    rows[schema.STORE_ID] = rows[schema.STORE_ID].fillna("(none)").astype(str)
    if rows.empty:
        raise ValueError("No store has days with sales to compare: check the sales column.")
    period = kinds.row_period(frame, "store_totals")
    daily = period == "day"
    table, skipped = [], 0
    for store, part in rows.groupby(schema.STORE_ID, sort=True):  # one small regression per store
        on = part[promo_column] > 0
        record = {"store_id": store, "promo_days": int(on.sum()), "other_days": int((~on).sum())}
        if min(on.sum(), (~on).sum()) >= MIN_PERIODS[period]:
            record["store_lift"], record["store_lift_low"], record["store_lift_high"] = _lift(part, promo_column, daily)
            sales = float(part.loc[on, schema.REVENUE].mean())
            record |= {"sales_per_promo_day": sales,
                       "extra_per_promo_day": sales * record["store_lift"] / (1 + record["store_lift"])}
        else:
            skipped += 1
        table.append(record)
    stores = pd.DataFrame(table).reindex(columns=COLUMNS)
    measured = rows[rows[schema.STORE_ID].isin(stores.dropna(subset=["store_lift"])["store_id"])]
    chain = _lift(measured, promo_column, daily, stores=True) if len(measured) else (np.nan, np.nan, np.nan)
    notes = (f"{count(skipped, 'store')} had fewer than {MIN_PERIODS[period]} {period}s with or without a "
             "promotion: no lift for them.",) if skipped else ()
    return StorePromotions(stores.sort_values("store_lift", ascending=False, na_position="last", ignore_index=True),
                           chain, promo_column, period, notes)
