"""Small seeded canonical frames for the recommendation tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema


def canonical(rows: list[tuple], with_orders: bool = True) -> pd.DataFrame:
    """Rows of (customer, product, date[, order]) as a canonical frame of sale lines."""
    frame = pd.DataFrame(rows, columns=["c", "p", "d", "o"][: len(rows[0])])
    n = len(frame)
    return pd.DataFrame({
        schema.DATE: pd.to_datetime(frame["d"]).astype("datetime64[ns]"),
        schema.PRODUCT_ID: frame["p"].astype(str),
        schema.PRODUCT_NAME: "product " + frame["p"].astype(str),
        schema.CATEGORY: None,
        schema.QUANTITY: np.ones(n),
        schema.UNIT_PRICE: np.full(n, 2.0),
        schema.REVENUE: np.full(n, 2.0),
        schema.CUSTOMER_ID: frame["c"].astype(object),
        schema.STORE_ID: "s1",
        schema.ORDER_ID: frame["o"].astype(object) if with_orders and "o" in frame else None,
        schema.LINE_TYPE: schema.SALE,
    })


def checkerboard(n_customers: int = 12, held_back: str = "A3") -> pd.DataFrame:
    """Two groups: even customers buy A0..A3, odd ones B0..B3; customer c0 lacks ``held_back``."""
    rows = []
    for c in range(n_customers):
        group = "A" if c % 2 == 0 else "B"
        for i in range(4):
            product = f"{group}{i}"
            if c == 0 and product == held_back:
                continue
            rows.append((f"c{c}", product, f"2024-01-{1 + i:02d}", f"o{c}-{i}"))
    # some extra popularity for the B group so that popularity alone would pick B
    rows += [(f"x{j}", f"B{j % 4}", "2024-01-05", f"x{j}") for j in range(8)]
    return canonical(rows)


def random_frame(seed: int = 0, n_customers: int = 40, n_products: int = 25, n_lines: int = 400,
                 days: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_products + 1)
    products = rng.choice(n_products, size=n_lines, p=weights / weights.sum())
    customers = rng.integers(0, n_customers, size=n_lines)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, days, size=n_lines), unit="D")
    rows = [(f"c{c}", f"p{p}", d, f"o{c}-{d:%j}") for c, p, d in zip(customers, products, dates, strict=True)]
    frame = canonical(rows)
    frame[schema.CATEGORY] = np.where(products % 2 == 0, "garden", "kitchen")
    frame[schema.PRODUCT_NAME] = [f"{'red' if p % 3 else 'blue'} mug {p}" for p in products]
    return frame
