"""Exponential smoothing across many store series: one process vs the app's worker processes.

A store-level sales file like Rossmann's (1,115 stores x 942 days, weekly pattern, closed
Sundays, promotions) is the case where Holt-Winters is the slowest part of a run: one
statsmodels fit per series. Times the app's own model (:class:`ExponentialSmoothing`, fit + a
6-week forecast) with ``n_jobs=1`` and with the default workers, and checks the forecasts agree.
Target (scale issue): at least 3x faster than one process (reference ~93 s for 1,115 series).

Run: ``.venv/bin/python benchmarks/bench_ets_stores.py [--stores 1115] [--days 942] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retail.forecast.models import ExponentialSmoothing  # noqa: E402

HORIZON = 42


def store_panel(stores: int, days: int, seed: int = 0) -> pd.DataFrame:
    """Daily store sales: level x weekday pattern x promotions x slow yearly wave, closed Sundays."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2013-01-01", periods=days, freq="D")
    level = rng.lognormal(8.6, 0.35, stores)[:, None]
    weekday = np.array([1.15, 1.0, 0.95, 0.95, 1.05, 1.1, 0.0])[dates.dayofweek.to_numpy()][None, :]
    promo = 1 + 0.25 * ((np.arange(days) // 7) % 2 == 0)[None, :] * (dates.dayofweek.to_numpy() < 5)[None, :]
    yearly = 1 + 0.08 * np.sin(2 * np.pi * (np.arange(days) + rng.integers(0, 365, stores)[:, None]) / 365.25)
    y = level * weekday * promo * yearly * rng.lognormal(0, 0.12, (stores, days))
    ids = np.array([f"store {i + 1}" for i in range(stores)], dtype=object)
    return pd.DataFrame({"series_id": np.repeat(ids, days), "date": np.tile(dates, stores),
                         "y": np.round(y.ravel(), 2), "absent": False})


def timed(panel: pd.DataFrame, jobs: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    forecast = ExponentialSmoothing(n_jobs=jobs, max_horizon=HORIZON).fit(panel).predict(HORIZON)
    return time.perf_counter() - start, forecast["yhat"].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1115)
    parser.add_argument("--days", type=int, default=942)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    panel = store_panel(args.stores, args.days)
    one_seconds, one = timed(panel, 1)
    many_seconds, many = timed(panel, args.jobs)
    print(f"{args.stores:,} daily store series x {args.days} days, {os.cpu_count()} cores, "
          f"load before the run {os.getloadavg()[0]:.1f}\n")
    print("| exponential smoothing, fit + 42-day forecast | seconds | per series, ms |\n|---|---:|---:|")
    for label, seconds in (("one process", one_seconds), (f"{args.jobs} worker processes (app default)", many_seconds)):
        print(f"| {label} | {seconds:.1f} | {1000 * seconds / args.stores:.0f} |")
    print(f"\nspeed-up {one_seconds / many_seconds:.2f}x (target >= 3x); forecasts identical: "
          f"{bool(np.allclose(one, many, rtol=1e-9, atol=1e-9))}")


if __name__ == "__main__":
    main()
