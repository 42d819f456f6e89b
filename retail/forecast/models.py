"""Forecast models with one interface: ``fit(panel)`` then ``predict(horizon)``.

Every model is a scikit-learn style estimator (``__init__`` stores settings, ``fit``
returns ``self``, learned state ends in ``_``) and ``predict`` returns a long frame with
``series_id``, ``date``, ``yhat``. The backtest takes a mapping name -> model, so a new
model needs no change anywhere else. Global machine-learning models are in
:mod:`retail.forecast.ml`; :func:`build_models` builds the models a run's settings name,
through the registry (:mod:`retail.forecast.registry`).
"""

from __future__ import annotations

import inspect
import logging
import time
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID
from retail.forecast.ets import forecast_block, forecast_one
from retail.forecast.features import PanelMatrix, to_matrix
from retail.forecast.registry import FORECASTERS
from retail.forecast.settings import ForecastSettings
from retail.progress import Progress

logger = logging.getLogger(__name__)

YHAT = "yhat"


@dataclass(frozen=True)
class ModelContext:
    """What a run tells every model it builds; a model takes the fields its ``__init__`` names."""

    future_known: tuple[str, ...] = ()
    max_horizon: int = 60
    n_jobs: int = 2
    random_state: int = 0
    progress: Progress | None = None


class ForecastModel(BaseEstimator):
    """Base class: subclasses implement ``_fit(matrix)`` and ``_predict(horizon) -> (n, horizon) array``.

    ``per_series``: each series is forecast from its own history alone (a cluster may split the series).
    """

    matrix_: PanelMatrix
    per_series: ClassVar[bool] = False

    @classmethod
    def from_context(cls, context: ModelContext, **params) -> ForecastModel:
        """A model with ``params`` and the run-wide settings of ``context`` that it accepts."""
        accepted = inspect.signature(cls).parameters
        shared = {f.name: getattr(context, f.name) for f in fields(context)
                  if f.name in accepted and f.name not in params}
        return cls(**shared, **params)

    def fit(self, panel: pd.DataFrame, future: pd.DataFrame | None = None) -> ForecastModel:
        """Learn from a long panel (``series_id``, ``date``, ``y`` [, ``absent``, exogenous])."""
        self.matrix_ = self._to_matrix(panel)
        self._fit(self.matrix_)
        return self

    def _to_matrix(self, panel: pd.DataFrame) -> PanelMatrix:
        return to_matrix(panel)

    def predict(self, horizon: int, future: pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast ``horizon`` periods after the panel's end; ``future`` holds known exogenous values."""
        if not hasattr(self, "matrix_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet: call fit(panel) before predict()."
            )
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a whole number >= 1, got {horizon!r}.")
        values = np.maximum(self._predict(int(horizon), future), 0.0)
        dates = self.matrix_.future_dates(horizon)
        n = len(self.matrix_.ids)
        return pd.DataFrame(
            {
                SERIES_ID: np.repeat(self.matrix_.ids, horizon),
                DATE: np.tile(dates.to_numpy(), n),
                YHAT: values.reshape(-1),
            }
        )

    def _fit(self, m: PanelMatrix) -> None:
        raise NotImplementedError

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        raise NotImplementedError


def season_of(m: PanelMatrix, season_length: int | None = None) -> int:
    """The given season, else the frequency's, falling back to 1 (naive) on less than two seasons."""
    if season_length is not None:
        return season_length
    return frequency.get(m.freq).usable_season(m.Y.shape[1])


class SeasonalNaive(ForecastModel):
    """Repeat the last season (7 days, 52 weeks, 12 months; the last value with less than two seasons).

    Unobserved periods (absences, before the first sale) count as 0.
    """

    per_series = True

    def __init__(self, season_length: int | None = None):
        self.season_length = season_length

    def _fit(self, m: PanelMatrix) -> None:
        self.season_ = season_of(m, self.season_length)
        if self.season_ > m.Y.shape[1]:
            raise ValueError(
                f"seasonal naive needs {self.season_} periods of history, the panel has "
                f"{m.Y.shape[1]}; use a shorter season_length."
            )
        self.last_ = np.nan_to_num(m.Y[:, -self.season_ :])

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        return self.last_[:, np.arange(horizon) % self.season_]


class MovingAverage(ForecastModel):
    """Mean of the last ``window`` observed periods (default: 28 days, 4 weeks, 3 months), flat ahead."""

    per_series = True

    def __init__(self, window: int | None = None):
        self.window = window

    def _fit(self, m: PanelMatrix) -> None:
        self.window_ = self.window or frequency.get(m.freq).moving_average
        if self.window_ < 1:
            raise ValueError(f"window must be >= 1, got {self.window_}.")
        tail = m.Y[:, -self.window_ :]
        counts = (~np.isnan(tail)).sum(axis=1)
        self.level_ = np.where(counts > 0, np.nansum(tail, axis=1) / np.maximum(counts, 1), 0.0)

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


# joblib keeps its worker processes for 300 s between uses; while they are up, handing them
# series costs milliseconds, so a fit skips the in-process start (a backtest's later windows).
_WORKERS_KEPT_SECONDS = 240.0
_workers_used_at = [float("-inf")]


class ExponentialSmoothing(ForecastModel):
    """Holt-Winters with damped additive trend (statsmodels), one fit per series.

    The per-series fits run in ``fit`` and produce forecasts up to ``max_horizon`` periods
    (``predict`` slices them). They start in this process; when after ``serial_seconds`` of
    CPU the series left would take longer than that again, they go to ``n_jobs`` worker
    processes in chunks of at most ``chunk_size`` (at least four chunks per worker).
    Starting the workers costs about a second (several on a busy CPU: each imports
    statsmodels), more than a small panel takes on one core (the sample's 47 weekly series:
    0.4 s); once they are up (joblib keeps them a few minutes), fits go to them directly.
    Forecasts do not depend on where a series was fitted.
    ``progress(fraction, message)`` is called as series finish. ``initialization``: initial states
    read off the first seasons (``"heuristic"``, default) or ``"estimated"`` (see :func:`~retail.forecast.ets.forecast_one`).
    """

    per_series = True

    def __init__(
        self,
        season_length: int | None = None,
        max_horizon: int = 60,
        n_jobs: int = 2,
        chunk_size: int = 25,
        serial_seconds: float = 0.5,
        progress: Progress | None = None,
        initialization: str = "heuristic",
    ):
        self.season_length = season_length
        self.max_horizon = max_horizon
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.serial_seconds = serial_seconds
        self.progress = progress
        self.initialization = initialization

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None and total:
            self.progress(done / total, f"exponential smoothing: {done:,}/{total:,} series")

    def _fit_here(self, rows: list[np.ndarray]) -> list[tuple[np.ndarray, bool]]:
        """Fit series in this process; stop when ``serial_seconds`` of CPU have passed and the
        series left would take longer than that again (they are worth starting workers for)."""
        import statsmodels.tsa.holtwinters  # noqa: F401 - its import is not fitting time

        results: list[tuple[np.ndarray, bool]] = []
        started = time.thread_time()
        while len(results) < len(rows):
            spent, left = time.thread_time() - started, len(rows) - len(results)
            if self.n_jobs > 1 and spent >= self.serial_seconds and (
                not results or spent / len(results) * left > self.serial_seconds
            ):
                break
            results.append(forecast_one(rows[len(results)], self.season_, self.max_horizon, self.initialization))
            if len(results) % self.chunk_size == 0 or len(results) == len(rows):
                self._report(len(results), len(rows))
        return results

    def _fit_in_workers(self, rows: list[np.ndarray], done: int, total: int) -> list[tuple[np.ndarray, bool]]:
        # at least four chunks per worker, so that one slow chunk does not leave a worker idle
        size = max(1, min(self.chunk_size, -(-len(rows) // (4 * max(self.n_jobs, 1)))))
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        jobs = (delayed(forecast_block)(chunk, self.season_, self.max_horizon, self.initialization) for chunk in chunks)
        runner = Parallel(n_jobs=self.n_jobs if len(chunks) > 1 else 1, return_as="generator")
        results: list[tuple[np.ndarray, bool]] = []
        for chunk_result in runner(jobs):
            results.extend(chunk_result)
            self._report(done + len(results), total)
        return results

    def _fit(self, m: PanelMatrix) -> None:
        self.season_ = season_of(m, self.season_length)
        rows = [m.Y[i, m.first[i] :] for i in range(len(m.ids))]
        warm = self.n_jobs > 1 and time.monotonic() - _workers_used_at[0] < _WORKERS_KEPT_SECONDS
        results = [] if warm else self._fit_here(rows)
        self.n_in_workers_ = len(rows) - len(results)
        if self.n_in_workers_:
            results += self._fit_in_workers(rows[len(results) :], len(results), len(rows))
            _workers_used_at[0] = time.monotonic()
        self.forecast_ = np.vstack([r[0] for r in results]) if results else np.empty((0, self.max_horizon))
        self.n_fallback_ = int(sum(r[1] for r in results))
        if self.n_fallback_:
            logger.info("exponential smoothing fell back to a recent mean on %d series", self.n_fallback_)

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        if horizon > self.max_horizon:
            raise ValueError(
                f"ExponentialSmoothing was fitted for up to {self.max_horizon} periods; "
                f"refit with max_horizon >= {horizon}."
            )
        return self.forecast_[:, :horizon]


def build_models(settings: ForecastSettings, progress: Progress | None = None) -> dict[str, ForecastModel]:
    """The models named in ``settings.models``, each built from its registry entry."""
    context = ModelContext(future_known=settings.future_known, max_horizon=settings.horizon,
                           n_jobs=settings.n_jobs, random_state=settings.random_state, progress=progress)
    return {name: FORECASTERS.get(name).build(context, **settings.params_for(name)) for name in settings.models}
