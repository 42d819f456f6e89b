"""Prediction ranges with and without the cap at 1.5x a series' peak, on the backtests of five data sets.

For each data set the library's own backtest runs (seasonal naive, moving average, LightGBM; 3 windows);
each window's ranges are built from the *other* windows' misses (leave-one-window-out, as the Forecast
page measures coverage), once as before (pooled quantiles of misses scaled by the recent level) and once
capped at ``PEAK_CAP`` x the series' highest period before the window. Printed per data set and coverage:
the share of actual sales inside the range, the width of the range as a share of actual sales, the
interval score (width plus a penalty for every miss, relative to actual sales; lower is better) and
the 99th percentile of high / forecast (how far a range reaches above its forecast).

    python benchmarks/bench_intervals.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retail.analytics.aggregate import build_panel  # noqa: E402
from retail.data.ingest import load_data  # noqa: E402
from retail.forecast.backtest import backtest  # noqa: E402
from retail.forecast.intervals import PEAK_CAP, apply_intervals, bound_names, residual_quantiles  # noqa: E402
from retail.forecast.metrics import ACTUAL, WINDOW, YHAT  # noqa: E402
from retail.forecast.models import build_models  # noqa: E402
from retail.forecast.settings import ForecastSettings  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASES = [  # name, file, level, frequency, horizon, target
    ("order lines per product, weekly", DATA / "online_retail" / "online_retail.parquet", "product", "W", 8, "units"),
    ("order lines per product, daily", DATA / "online_retail" / "online_retail.parquet", "product", "D", 14, "units"),
    ("order lines per country, weekly", DATA / "online_retail" / "online_retail.parquet", "store", "W", 8, "revenue"),
    ("store totals (Walmart), weekly", DATA / "walmart_store_sales" / "walmart_store_sales.csv", "store", "W", 8,
     "revenue"),
    ("basket list (bakery), daily", DATA / "bakery_baskets" / "bread_basket.csv", "product", "D", 14, "units"),
]
COVERAGES = (0.8, 0.95)


def held_out_ranges(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Every window's ranges from the other windows' misses (the library's quantiles and bounds)."""
    parts = []
    for window in sorted(forecasts[WINDOW].unique()):
        quantiles = residual_quantiles(forecasts[forecasts[WINDOW] != window], COVERAGES)
        parts.append(apply_intervals(forecasts[forecasts[WINDOW] == window], quantiles, COVERAGES))
    return pd.concat(parts, ignore_index=True)


def scores(ranges: pd.DataFrame, coverage: float) -> dict[str, float]:
    low, high = (ranges[name] for name in bound_names(coverage))
    y, total = ranges[ACTUAL], ranges[ACTUAL].abs().sum()
    width = high - low
    missed = (low - y).clip(lower=0) + (y - high).clip(lower=0)
    return {"inside": float(((y >= low) & (y <= high)).mean()), "width": float(width.sum() / total),
            "score": float((width + 2 / (1 - coverage) * missed).sum() / total),
            "reach": float((high / ranges[YHAT].where(ranges[YHAT] > 0)).quantile(0.99))}


def run_case(path: Path, level: str, freq: str, horizon: int, target: str) -> list[dict[str, float]]:
    settings = ForecastSettings(level=level, freq=freq, horizon=horizon, windows=3, target=target, top_n=200,
                                models=("snaive", "ma", "lightgbm"))
    panel, _ = build_panel(load_data(str(path)).frame, level, freq, target, 200, min_periods=settings.min_periods)
    forecasts = backtest(panel, build_models(settings), horizon, 3).forecasts
    rows = []
    for capped in (False, True):
        ranges = held_out_ranges(forecasts if capped else forecasts.drop(columns=["peak"]))
        rows += [{"capped": capped, "coverage": coverage, **scores(ranges, coverage)} for coverage in COVERAGES]
    return rows


def main() -> None:
    print(f"| data set | range | cap at {PEAK_CAP:g}x peak | inside | width | interval score | 99th pct high / "
          "forecast |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name, path, level, freq, horizon, target in CASES:
        if not path.exists():
            print(f"| {name} | skipped: {path} is missing | | | | | |")
            continue
        started = time.perf_counter()
        for row in run_case(path, level, freq, horizon, target):
            print(f"| {name} | {row['coverage']:.0%} | {'yes' if row['capped'] else 'no'} | {row['inside']:.1%} | "
                  f"{row['width']:.2f} | {row['score']:.2f} | {row['reach']:.1f} |")
        print(f"<!-- {name}: {time.perf_counter() - started:.0f} s -->", file=sys.stderr)
    print("\nwidth and interval score: relative to actual sales (lower is better at equal coverage).")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
