"""Small seeded till exports with known price elasticities, for the pricing tests.

Rows exist only for product x store x day with sales (like a till export); prices change on
known days; promotions cut the price and add a display lift. ``elasticities`` is the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema

START = pd.Timestamp("2023-01-02")


def till_rows(elasticities: dict[str, float], days: int = 420, stores: int = 2, volume: float = 20.0,
              seed: int = 0, constant: tuple[str, ...] = (), promo_only: tuple[str, ...] = (),
              display_lift: float = 0.4, category: str | None = None) -> pd.DataFrame:
    """A till export (our column names: Date, Store, SKU, Description, Category, Qty, Price, Sales, Promo).

    Products in ``constant`` never change price and have no promotions; products in
    ``promo_only`` change price only during promotions; the others get three list-price changes
    and promotions.
    """
    rng = np.random.default_rng(seed)
    dates = START + pd.to_timedelta(np.arange(days), unit="D")
    weekday = np.array([0.9, 0.85, 0.9, 1.0, 1.15, 1.4, 0.8])[dates.dayofweek]
    frames = []
    for index, (sku, beta) in enumerate(elasticities.items()):
        base = 2.99 + index
        price = np.full(days, base)
        if sku not in constant and sku not in promo_only:
            for day, step in zip((days // 5, days // 2, 4 * days // 5), (0.12, -0.08, 0.18), strict=True):
                price[day:] = np.round(price[day] * np.exp(step), 2)
        promo = np.zeros(days, dtype=bool)
        if sku not in constant:
            for start in range(30, days - 14, 70):
                promo[start:start + 7] = True
        depth = np.where(promo, 0.2 + 0.1 * (np.arange(days) // 70 % 2), 0.0)
        shelf = np.round(price * (1 - depth), 2)
        mean = volume * weekday * (shelf / base) ** beta * np.exp(display_lift * promo)
        for store in range(stores):
            units = rng.poisson(mean * (1.0 + 0.3 * store))
            sold = units > 0
            frames.append(pd.DataFrame({
                "Date": dates[sold], "Store": f"S{store + 1}", "SKU": sku, "Description": f"Item {sku}",
                "Category": category or f"cat{index % 2}", "Qty": units[sold], "Price": shelf[sold],
                "Sales": np.round(units[sold] * shelf[sold], 2), "Promo": promo[sold].astype(int)}))
    return pd.concat(frames, ignore_index=True).sort_values(["Date", "Store", "SKU"]).reset_index(drop=True)


def canonical(rows: pd.DataFrame) -> pd.DataFrame:
    """The till rows in the canonical schema (as the workspace stores them), ``Promo`` kept as extra."""
    return pd.DataFrame({
        schema.DATE: rows["Date"], schema.PRODUCT_ID: rows["SKU"], schema.PRODUCT_NAME: rows["Description"],
        schema.CATEGORY: rows["Category"], schema.QUANTITY: rows["Qty"].astype(float),
        schema.UNIT_PRICE: rows["Price"].astype(float), schema.REVENUE: rows["Sales"].astype(float),
        schema.CUSTOMER_ID: None, schema.STORE_ID: rows["Store"], schema.ORDER_ID: None,
        schema.LINE_TYPE: schema.SALE, "Promo": rows["Promo"].astype(float)})


SHOP = {"A": -2.0, "B": -0.6, "C": -1.4, "D": -2.5, "E": -1.0, "F": -1.8, "FLAT": -1.5, "PROMO": -1.5}


def shop_rows(seed: int = 0) -> pd.DataFrame:
    """Eight products in two categories: six with price changes, one never repriced, one repriced
    only during promotions."""
    return till_rows(SHOP, seed=seed, constant=("FLAT",), promo_only=("PROMO",))
