"""The Dask engine: series never split across workers, and forecasts like this process's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.forecast.cluster import PerSeriesOnCluster, dask_client, on_cluster, series_partitions
from retail.forecast.combination import Blend
from retail.forecast.ml import LinearForecaster
from retail.forecast.models import ExponentialSmoothing, build_models
from retail.forecast.pipeline import run_forecast
from retail.forecast.settings import ForecastSettings
from retail.forecast.topdown import ShareOfTotal
from tests.forecast_data import canonical_lines


def test_every_series_lands_in_exactly_one_partition():
    for n, parts in ((1, 4), (7, 3), (300, 8), (1000, 1)):
        groups = series_partitions(n, parts)
        joined = np.concatenate(groups)
        assert sorted(joined.tolist()) == list(range(n)) and len(joined) == n
        assert all(np.all(np.diff(g) == 1) for g in groups)  # contiguous: a series is never cut


def wape(a: pd.DataFrame, b: pd.DataFrame) -> float:
    joined = a.merge(b, on=["model", "series_id", "date"], suffixes=("_a", "_b"))
    return float((joined["yhat_a"] - joined["yhat_b"]).abs().sum() / joined["yhat_a"].abs().sum())


def test_a_two_worker_cluster_forecasts_like_this_process():
    products = tuple(f"p{i:03d}" for i in range(240))
    frame = canonical_lines(n=60_000, days=260, products=products, seed=8)
    settings = ForecastSettings(freq="W", horizon=4, windows=1, models=("snaive", "ma", "lightgbm", "topdown", "blend"),
                                model_params={"lightgbm": {"n_estimators": 60}})
    local = run_forecast(frame, settings)
    with dask_client(workers=2):
        clustered = run_forecast(frame, settings, models=on_cluster(build_models(settings)))
    for model in ("snaive", "ma", "topdown"):  # per-series models and the share of the total: the same numbers
        mine = local.forecasts[local.forecasts["model"] == model]
        assert wape(mine, clustered.forecasts[clustered.forecasts["model"] == model]) < 1e-9
    # LightGBM trained data-parallel draws other bagging samples on each worker: the same model up
    # to that randomness. Its backtest error is within 2% of this process's, its forecasts within 5%.
    lightgbm = local.forecasts[local.forecasts["model"] == "lightgbm"]
    assert wape(lightgbm, clustered.forecasts[clustered.forecasts["model"] == "lightgbm"]) < 0.05
    errors = {name: run.metrics.set_index("model").loc["lightgbm", "wape"] for name, run in
              (("local", local), ("dask", clustered))}
    assert abs(errors["dask"] / errors["local"] - 1) < 0.02, errors
    assert set(clustered.metrics["model"]) == {"snaive", "ma", "lightgbm", "topdown", "blend"}


def test_the_share_of_the_total_and_blends_stay_in_this_process():
    placed = on_cluster({"topdown": ShareOfTotal(), "blend": Blend(), "ets": ExponentialSmoothing(),
                         "linear": LinearForecaster()})
    assert type(placed["topdown"]) is ShareOfTotal and type(placed["blend"]) is Blend  # they need every series
    assert type(placed["linear"]) is LinearForecaster and isinstance(placed["ets"], PerSeriesOnCluster)
