"""Forecasting on a Dask cluster: the same models, their work spread over workers.

``python -m retail forecast ... --engine dask [--scheduler tcp://host:8786 | --workers N]``
runs the ordinary forecast pipeline with its models replaced by cluster versions:

* LightGBM: the client chooses the training rows and the feature layout (as in this process);
  every worker builds the features of its *own* series (a series is never split across
  workers, so no lag reads another series' history) and ``lightgbm.dask`` trains one model on
  all of them; the trained model comes back and forecasts recursively here, as usual;
* seasonal naive, moving average, exponential smoothing: each worker fits its share of the
  series;
* linear regression stays in this process (its fit takes a second).

Without ``--scheduler`` a ``LocalCluster`` with ``--workers`` processes is started and closed.
The default engine is this process; nothing here is imported unless a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.base import clone

from retail.analytics.aggregate import SERIES_ID
from retail.errors import import_extra
from retail.forecast.features import PanelMatrix, build_features
from retail.forecast.ml import GlobalForecaster, LightGBMForecaster
from retail.forecast.models import ForecastModel

ENGINES: tuple[str, ...] = ("local", "dask")


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[object]:
    """A client of the cluster at ``scheduler``, or of a local cluster of ``workers`` processes."""
    distributed = import_extra("distributed", "dask", "The Dask engine")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        yield client


def series_partitions(n_series: int, parts: int) -> list[np.ndarray]:
    """Series (row) indices in ``parts`` contiguous groups: every series in exactly one group."""
    return [group for group in np.array_split(np.arange(n_series), max(1, min(parts, n_series))) if len(group)]


def _sub_matrix(m: PanelMatrix, rows: np.ndarray) -> PanelMatrix:
    return PanelMatrix(m.ids[rows], m.dates, m.Y[rows], m.first[rows], m.freq, {c: v[rows] for c, v in m.exog.items()})


def _partition_features(m: PanelMatrix, spec, keep: np.ndarray, stats: np.ndarray, rows: np.ndarray,
                        cols: np.ndarray) -> np.ndarray:
    """Features and target of one worker's series (``rows`` index its own sub-matrix)."""
    X = build_features(m, spec, rows, cols, stats)[:, keep]
    return np.column_stack([X, m.Y[rows, cols]]).astype(np.float32)


class ClusterLightGBM(LightGBMForecaster):
    """:class:`LightGBMForecaster` trained with ``lightgbm.dask`` on features built on the workers."""

    def _fit(self, m: PanelMatrix) -> None:
        import dask.array as da
        import lightgbm as lgb
        from distributed import get_client

        client = get_client()
        self._prepare(m)  # spec, kept features and series statistics, as in this process
        rows, cols = self._training_pairs(m)
        parts = []
        for group in series_partitions(len(m.ids), len(client.scheduler_info()["workers"]) * 2):
            mine = np.isin(rows, group)
            local = np.searchsorted(group, rows[mine])
            task = client.submit(_partition_features, _sub_matrix(m, group), self.spec_, self.keep_,
                                 self.stats_[group], local, cols[mine], pure=False)
            parts.append(da.from_delayed(task, shape=(int(mine.sum()), len(self.keep_) + 1), dtype=np.float32))
        data = da.concatenate(parts).rechunk({1: -1})
        self.n_train_rows_ = len(rows)
        params = self._regressor(self.feature_names_, self.spec_).get_params()
        model = lgb.DaskLGBMRegressor(client=client, **{k: v for k, v in params.items() if k != "n_jobs"})
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():  # stdout is for --json
            warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")  # threads per worker
            self.regressor_ = model.fit(data[:, :-1], data[:, -1]).to_local()


def _fit_predict(model: ForecastModel, panel: pd.DataFrame, horizon: int) -> pd.DataFrame:
    return model.fit(panel).predict(horizon)


class PerSeriesOnCluster(ForecastModel):
    """A per-series model (seasonal naive, moving average, exponential smoothing) fitted by the
    workers, each on its share of the series."""

    def __init__(self, model: ForecastModel | None = None):
        self.model = model

    def fit(self, panel: pd.DataFrame, future: pd.DataFrame | None = None) -> PerSeriesOnCluster:
        self.panel_ = panel  # the fits themselves happen in predict, on the workers
        return self

    def predict(self, horizon: int, future: pd.DataFrame | None = None) -> pd.DataFrame:
        from distributed import get_client

        client = get_client()
        ids = np.sort(self.panel_[SERIES_ID].unique())
        groups = series_partitions(len(ids), len(client.scheduler_info()["workers"]) * 2)
        tasks = [client.submit(_fit_predict, clone(self.model), self.panel_[self.panel_[SERIES_ID].isin(ids[g])],
                               horizon, pure=False) for g in groups]
        return pd.concat(client.gather(tasks), ignore_index=True)


def on_cluster(models: dict[str, ForecastModel]) -> dict[str, ForecastModel]:
    """The cluster versions of a run's models (see the module's list)."""
    placed = {}
    for name, model in models.items():
        if type(model) is LightGBMForecaster:
            placed[name] = ClusterLightGBM(**model.get_params())
        elif isinstance(model, GlobalForecaster):
            placed[name] = model
        else:  # progress reports and process pools stay in this process
            local = {k: v for k, v in (("progress", None), ("n_jobs", 1)) if k in model.get_params()}
            placed[name] = PerSeriesOnCluster(clone(model).set_params(**local))
    return placed
