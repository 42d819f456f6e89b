"""What an elasticity rests on, per product, and whether it can be measured at all.

A price effect is only identifiable from price moves that are *not* promotions: a shelf price
that drops exactly when the product is on display measures the display as much as the price.
So the count that matters is the number of regular-price changes (between two sale days outside
promotions, in the same store), and a product without one is "not identifiable" whatever a
regression would print.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REASONS: dict[str, str] = {
    "": "",
    "few_sales": "too few days with sales",
    "never_moved": "the price never moved",
    "promo_only": "the price moved only together with promotions",
}


def _changes(rows: pd.DataFrame, step: float, regular_only: bool) -> pd.DataFrame:
    """(product, day) of price changes between consecutive sale days of a store."""
    seen = rows[rows["observed"].to_numpy() & (~rows["promo"].astype(bool).to_numpy() if regular_only else True)]
    product, store = seen["product"].to_numpy(), seen["store"].to_numpy()
    log_price = np.log(seen["price"].to_numpy())
    same = np.r_[False, (product[1:] == product[:-1]) & (store[1:] == store[:-1])]
    moved = same & (np.abs(np.r_[0.0, np.diff(log_price)]) > np.log1p(step))
    return pd.DataFrame({"product": product[moved], "day": seen["day"].to_numpy()[moved]}).drop_duplicates()


RECENT = pd.Timedelta(days=28)


def _latest(seen: pd.DataFrame) -> pd.Series:
    """The median price of each product's sale rows in its last four weeks with sales. One last day alone was
    noise: a single small order at list price read 1.24 while four weeks of sales paid about 0.85."""
    last = seen.groupby("product")["date"].transform("max")
    return seen[seen["date"] > last - RECENT].groupby("product")["price"].median()


def _latest_regular(rows: pd.DataFrame) -> pd.Series:
    """Each product's recent price outside promotions (its recent price when it was always on promotion)."""
    seen = rows[rows["observed"].to_numpy()]
    regular = _latest(seen[~seen["promo"].astype(bool).to_numpy()])
    return regular.combine_first(_latest(seen))


def identify(rows: pd.DataFrame, products: pd.DataFrame, min_sale_days: int, step: float) -> pd.DataFrame:
    """``products`` with the evidence columns and the verdict ``identifiable`` / ``reason``.

    Columns added: ``sale_days``, ``units``, ``revenue``, ``price_levels`` (distinct prices on
    sale days), ``price_changes`` (regular-price changes outside promotions, counted once per
    day), ``promo_days``, ``current_price`` (the median regular price of the last four weeks with sales), ``lowest_price`` and
    ``highest_price`` (seen on sale days), ``stores``.
    """
    n = len(products)
    seen = rows[rows["observed"].to_numpy()]
    by = seen.groupby("product")
    out = products.copy()
    out["sale_days"] = by.size().reindex(range(n), fill_value=0).to_numpy()
    out["units"] = by["units"].sum().reindex(range(n), fill_value=0.0).to_numpy()
    out["revenue"] = (seen["units"] * seen["price"]).groupby(seen["product"]).sum().reindex(range(n)).to_numpy()
    levels = seen["price"].round(2).groupby(seen["product"]).nunique()
    out["price_levels"] = levels.reindex(range(n), fill_value=0).to_numpy()
    regular = _changes(rows, step, regular_only=True).groupby("product").size()
    anywhere = _changes(rows, step, regular_only=False).groupby("product").size()
    out["price_changes"] = regular.reindex(range(n), fill_value=0).to_numpy()
    promo_days = seen[seen["promo"] > 0].groupby("product")["day"].nunique()
    out["promo_days"] = promo_days.reindex(range(n), fill_value=0).to_numpy()
    out["current_price"] = _latest_regular(rows).reindex(range(n)).to_numpy()
    out["lowest_price"] = by["price"].min().reindex(range(n)).to_numpy()
    out["highest_price"] = by["price"].max().reindex(range(n)).to_numpy()
    out["stores"] = rows.groupby("product")["store"].nunique().reindex(range(n), fill_value=0).to_numpy()
    moved_any = anywhere.reindex(range(n), fill_value=0).to_numpy() > 0
    reason = np.where(out["sale_days"] < min_sale_days, "few_sales",
                      np.where(out["price_changes"] > 0, "", np.where(moved_any, "promo_only", "never_moved")))
    out["reason"] = reason
    out["identifiable"] = reason == ""
    return out


def reason_text(code: str) -> str:
    """The plain sentence of a reason code (empty for an identifiable product)."""
    return REASONS.get(code, code)
