"""Scale run: synthetic daily series x 2 years through the LightGBM path, here or on a cluster.

Builds the long panel, fits one global LightGBM (training rows capped by ``max_rows``) and
forecasts 28 days recursively; prints the time of each stage and the peak memory (RSS, and
with ``--engine dask`` the workers' too). ``--engine dask`` trains the same model through
:mod:`retail.forecast.cluster` (features built on the workers, ``lightgbm.dask``) on a local
cluster of ``--workers`` processes or on ``--scheduler``.
Targets (issue 3): 30,000 series under 5 minutes and under 8 GB.

Usage: python benchmarks/bench_forecast_scale.py [--series 30000] [--days 730] [--engine dask]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retail.forecast.cluster import ClusterLightGBM, dask_client  # noqa: E402
from retail.forecast.ml import TREE_FEATURES, LightGBMForecaster  # noqa: E402


def synthetic_panel(n_series: int, days: int, seed: int = 0) -> pd.DataFrame:
    """Poisson demand with per-series level, weekly pattern and staggered launches."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-03", periods=days, freq="D")
    level = rng.gamma(1.0, 3.0, n_series)[:, None]
    weekly = 1 + 0.3 * np.sin(2 * np.pi * np.arange(days) / 7)[None, :]
    y = rng.poisson(level * weekly).astype(np.float64)
    start = rng.integers(0, days // 2, n_series)
    keep = np.arange(days)[None, :] >= start[:, None]
    rows, cols = np.nonzero(keep)
    ids = np.array([f"sku{i:05d}" for i in range(n_series)], dtype=object)
    return pd.DataFrame({"series_id": ids[rows], "date": dates[cols], "y": y[rows, cols], "absent": False})


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=30_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--max-rows", type=int, default=2_000_000)
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args()
    features = replace(TREE_FEATURES, max_rows=args.max_rows)
    if args.engine == "local":
        return run(args, LightGBMForecaster(features=features), lambda: 0.0)
    with dask_client(args.scheduler, args.workers) as client:
        def workers_gb() -> float:
            import psutil

            return sum(client.run(lambda: psutil.Process().memory_info().rss).values()) / 1024**3

        return run(args, ClusterLightGBM(features=features), workers_gb)


def run(args, model, workers_gb) -> int:
    t0 = time.perf_counter()
    panel = synthetic_panel(args.series, args.days)
    t1 = time.perf_counter()
    model.fit(panel)  # the app default: seasonal lags, no series age
    t2 = time.perf_counter()
    forecast = model.predict(28)
    t3 = time.perf_counter()
    print(f"engine {args.engine}: panel {len(panel):,} rows ({args.series:,} series x up to {args.days} days) "
          f"in {t1 - t0:.1f} s")
    print(f"LightGBM fit on {model.n_train_rows_:,} sampled rows: {t2 - t1:.1f} s")
    print(f"recursive 28-day forecast of {len(forecast):,} values: {t3 - t2:.1f} s")
    print(f"total {t3 - t0:.1f} s (target < 300 s); peak memory {peak_gb():.2f} GB here"
          + (f", workers now {workers_gb():.2f} GB" if args.engine == "dask" else "") + " (target < 8 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
