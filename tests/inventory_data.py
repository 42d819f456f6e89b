"""Small seeded synthetic sales for the replenishment tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema


def daily_sales(items: int = 12, days: int = 196, seed: int = 0, start: str = "2023-01-02",
                stores: tuple[str, ...] = ("s1",)) -> pd.DataFrame:
    """One sale line per item, store and day with Poisson demand (some items lumpy), canonical schema.

    Item ``Pk`` sells about ``k + 1`` units a day; odd items sell in bursts (a day in four, four times as much).
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    rows = []
    for k in range(items):
        for store in stores:
            rate = np.full(days, k + 1.0)
            if k % 2:
                rate = np.where(rng.random(days) < 0.25, 4 * rate, 0.0)
            units = rng.poisson(rate)
            sold = units > 0
            rows.append(pd.DataFrame({schema.DATE: dates[sold], schema.PRODUCT_ID: f"P{k}",
                                      schema.STORE_ID: store, schema.QUANTITY: units[sold].astype(float)}))
    lines = pd.concat(rows, ignore_index=True)
    frame = schema.empty_canonical_frame().reindex(range(len(lines)))
    for column in lines.columns:
        frame[column] = lines[column].to_numpy()
    frame[schema.PRODUCT_NAME] = "name of " + frame[schema.PRODUCT_ID]
    frame[schema.UNIT_PRICE] = 2.0
    frame[schema.REVENUE] = frame[schema.QUANTITY] * 2.0
    frame[schema.LINE_TYPE] = schema.SALE
    return frame
