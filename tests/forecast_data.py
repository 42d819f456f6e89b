"""Small seeded synthetic data shared by the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema


def canonical_lines(
    n: int = 3000,
    days: int = 200,
    products: tuple[str, ...] = ("A", "B", "C"),
    seed: int = 0,
    start: str = "2023-01-02",
    **extra: np.ndarray,
) -> pd.DataFrame:
    """Random sale lines in the canonical schema (plus any extra columns)."""
    rng = np.random.default_rng(seed)
    frame = schema.empty_canonical_frame().reindex(range(n))
    frame[schema.DATE] = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    frame[schema.PRODUCT_ID] = rng.choice(list(products), n)
    frame[schema.PRODUCT_NAME] = "name " + frame[schema.PRODUCT_ID]
    frame[schema.STORE_ID] = rng.choice(["s1", "s2"], n)
    frame[schema.CATEGORY] = "cat"
    frame[schema.QUANTITY] = rng.integers(1, 6, n).astype(float)
    frame[schema.UNIT_PRICE] = 2.5
    frame[schema.REVENUE] = frame[schema.QUANTITY] * 2.5
    frame[schema.LINE_TYPE] = schema.SALE
    for name, values in extra.items():
        frame[name] = values
    return frame


def sine_panel(
    n_series: int = 20, periods: int = 300, noise: float = 1.0, seed: int = 1, freq: str = "D"
) -> pd.DataFrame:
    """Long panel of weekly-seasonal series with level differences and gaussian noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-03", periods=periods, freq=freq)
    t = np.arange(periods)
    rows = []
    for i in range(n_series):
        level = 20 + 5 * i
        y = level + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, noise, periods)
        rows.append(pd.DataFrame({"series_id": f"s{i:02d}", "date": dates, "y": np.maximum(y, 0.0)}))
    panel = pd.concat(rows, ignore_index=True)
    panel["absent"] = False
    return panel
