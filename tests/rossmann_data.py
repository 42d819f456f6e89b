"""A Rossmann-like file of sales totals per store and day with a promotion column (known lift)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LIFT = 0.25  # promotions sell a quarter more


def store_days(stores: int = 4, days: int = 420, seed: int = 3, lift: float = LIFT) -> pd.DataFrame:
    """Columns Store, DayOfWeek, Date, Sales, Open, Promo: closed on Sundays (sales 0), promotions on the
    weekdays of every other week; sales follow a weekday pattern, a season, the promotion and noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2013-01-01", periods=days, freq="D")
    weekday = np.array([1.2, 1.0, 1.0, 1.05, 1.1, 1.3, 0.0])[dates.dayofweek]
    promo = ((dates.isocalendar().week.to_numpy() % 2 == 0) & (dates.dayofweek < 5)).astype(int)
    season = 1 + 0.15 * np.sin(2 * np.pi * dates.dayofyear / 365.25)
    frames = []
    for store in range(1, stores + 1):
        level = rng.uniform(4000, 12000)
        sales = level * weekday * season * (1 + lift * promo) * rng.lognormal(0, 0.1, days)
        frames.append(pd.DataFrame({"Store": store, "DayOfWeek": dates.dayofweek + 1, "Date": dates.strftime("%Y-%m-%d"),
                                    "Sales": np.round(sales), "Open": (weekday > 0).astype(int), "Promo": promo}))
    return pd.concat(frames, ignore_index=True)


def write_store_days(path: Path, **options) -> Path:
    store_days(**options).to_csv(path, index=False)
    return path
