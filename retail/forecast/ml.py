"""Global machine-learning forecasters: one model across all series, recursive multi-step.

Both models learn on the same features (:mod:`retail.forecast.features`): lags, rolling
statistics, calendar (chosen from the history length), series-level statistics and
exogenous columns, chosen by one :class:`~retail.forecast.features.GlobalFeatures` value (the
``features`` setting; each class's default is a module constant below). A column listed in its
``future_known`` is read at the forecast period (its future values must be known, e.g. a promo
calendar); every other exogenous column is only used through its value one period earlier.
Forecasting ``h`` periods ahead feeds each prediction back as the lag of the next step.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from retail.analytics.aggregate import ABSENT, DATE, SERIES_ID, Y
from retail.forecast.features import (
    FeatureSpec,
    GlobalFeatures,
    PanelMatrix,
    build_features,
    series_stats,
    to_matrix,
)
from retail.forecast.models import ForecastModel, ModelContext
from retail.threads import passive_openmp, threads_for

logger = logging.getLogger(__name__)
_CORE = (SERIES_ID, DATE, Y, ABSENT)

# LightGBM's threads meet at a barrier several times per boosting round. Next to busy
# processes a thread waits a scheduler slice for its partner (the sample's 2,400 rows: 0.2 s
# per fit on one thread, 1-23 s on two), and with the passive wait policy that prevents
# spinning (retail.threads) every meeting is a sleep and a wake-up: on a quiet 2-core machine
# two threads took 2-5x longer than one from 2,000 to 160,000 rows and saved about 10% at
# 0.5-2 million rows. So a fit gets a second thread only from two million rows (the cap).
ROWS_PER_THREAD = 1_000_000

# A series' age stands in for its sales level in the trees and over-forecast Online Retail by 33%
# (daily WAPE 1.07 vs 0.88 without it, chosen on pre-test backtests).
TREE_FEATURES = GlobalFeatures(exclude=("age",))
LINEAR_FEATURES = GlobalFeatures()


def _lightgbm():
    """The ``lightgbm`` module, imported after asking OpenMP to sleep rather than spin."""
    passive_openmp()
    import lightgbm

    # LightGBM prints its log lines (the Dask engine's network set-up among them) on stdout by
    # default, where a command's --json document must stand alone: route them to logging.
    lightgbm.register_logger(logging.getLogger("lightgbm"))
    return lightgbm


class GlobalForecaster(ForecastModel):
    """Shared training and recursive prediction; subclasses provide ``_regressor(spec)``.

    ``features`` (a :class:`GlobalFeatures`) says what the model learns from; ``random_state`` seeds
    both the sample of training rows (above ``features.max_rows``) and the regressor.
    """

    features: GlobalFeatures
    random_state: int

    @classmethod
    def from_context(cls, context: ModelContext, **params) -> GlobalForecaster:
        """As :meth:`ForecastModel.from_context`; the run's ``future_known`` columns go into the class's
        default ``features`` (``features`` given in ``params`` are taken as they are)."""
        if "features" not in params:
            default: GlobalFeatures = inspect.signature(cls).parameters["features"].default
            params["features"] = replace(default, future_known=context.future_known)
        return super().from_context(context, **params)

    def _to_matrix(self, panel: pd.DataFrame) -> PanelMatrix:
        self.exog_past_ = self.features.past_columns([c for c in panel.columns if c not in _CORE])
        return to_matrix(panel, self.features.future_known + self.exog_past_)

    def _training_pairs(self, m: PanelMatrix) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.nonzero(~np.isnan(m.Y))
        keep = cols > m.first[rows]
        rows, cols = rows[keep], cols[keep]
        if len(rows) == 0:
            raise ValueError(
                "no training rows: every series has a single observed period; give more history."
            )
        if len(rows) > self.features.max_rows:
            rng = np.random.default_rng(self.random_state)
            pick = np.sort(rng.choice(len(rows), self.features.max_rows, replace=False))
            rows, cols = rows[pick], cols[pick]
        return rows, cols

    def _features(self, m: PanelMatrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return build_features(m, self.spec_, rows, cols, self.stats_)[:, self.keep_]

    def _prepare(self, m: PanelMatrix) -> None:
        """The feature layout (spec, kept features) and the series statistics of the history."""
        self.spec_ = self.features.spec(m.freq, m.Y.shape[1], self.exog_past_)
        names = self.spec_.names()
        exclude = self.features.exclude
        unknown = [name for name in exclude if name not in names]
        if unknown:
            raise ValueError(f"cannot exclude unknown feature(s) {unknown}; features are {names}.")
        self.keep_ = np.array([i for i, name in enumerate(names) if name not in exclude])
        self.feature_names_ = [names[i] for i in self.keep_]
        self.stats_ = series_stats(m.Y)

    def _fit(self, m: PanelMatrix) -> None:
        self._prepare(m)
        rows, cols = self._training_pairs(m)
        X = self._features(m, rows, cols)
        y = m.Y[rows, cols]
        self.n_train_rows_ = len(y)
        self.regressor_ = self._regressor(self.feature_names_, self.spec_)
        self.regressor_.fit(X, y)

    def _regressor(self, names: list[str], spec: FeatureSpec):  # pragma: no cover - abstract
        raise NotImplementedError

    def _future_exog(self, future: pd.DataFrame | None, horizon: int) -> dict[str, np.ndarray]:
        """Future values of known columns (from ``future``, else the last value carried forward)."""
        m = self.matrix_
        dates = m.future_dates(horizon)
        out = {}
        for col in self.features.future_known:
            last = pd.DataFrame(m.exog[col]).ffill(axis=1).to_numpy()[:, -1]
            values = np.repeat(last[:, None], horizon, axis=1)
            if future is not None and col in future.columns:
                given = future.pivot_table(index=SERIES_ID, columns=DATE, values=col, aggfunc="mean")
                given = given.reindex(index=m.ids, columns=dates).to_numpy()
                values = np.where(np.isnan(given), values, given)
            else:
                logger.warning("no future values of %r given: its last value is carried forward", col)
            out[col] = values
        for col in self.exog_past_:
            last = pd.DataFrame(m.exog[col]).ffill(axis=1).to_numpy()[:, -1]
            out[col] = np.repeat(last[:, None], horizon, axis=1)
        return out

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        m = self.matrix_
        n, T = m.Y.shape
        start = max(0, T - self.spec_.lookback - 1)
        future_ex = self._future_exog(future, horizon)
        tail = np.hstack([m.Y[:, start:], np.full((n, horizon), np.nan)])
        ex = {c: np.hstack([m.exog[c][:, start:], future_ex[c]]) for c in m.exog}
        dates = m.dates[start:].append(m.future_dates(horizon))
        work = PanelMatrix(m.ids, dates, tail, m.first - start, m.freq, ex)
        rows = np.arange(n)
        for h in range(horizon):
            t = T - start + h
            X = self._features(work, rows, np.full(n, t))
            tail[:, t] = np.maximum(self.regressor_.predict(X), 0.0)
        return tail[:, T - start :]


def encoded_features(names: list[str], spec: FeatureSpec) -> ColumnTransformer:
    """Calendar features one-hot encoded; the others imputed (0 plus a missing flag) and standardised."""
    calendar = [names.index(c) for c in spec.calendar if c in names]
    numeric = [i for i in range(len(names)) if i not in calendar]
    impute = SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True, keep_empty_features=True)
    return ColumnTransformer([
        ("calendar", OneHotEncoder(handle_unknown="ignore"), calendar),
        ("numeric", make_pipeline(impute, StandardScaler()), numeric),
    ])


class LightGBMForecaster(GlobalForecaster):
    """One LightGBM model across all series (tweedie, poisson, l2 or l1 objective).

    ``n_jobs`` is the most threads a fit may use (``None``: the available CPUs); a fit uses one
    thread per :data:`ROWS_PER_THREAD` training rows, so small panels train on one thread
    (``n_threads_`` after fit). The forecasts do not depend on the thread count.
    ``feature_importance_`` (after fit) is the share of total split gain per feature.
    """

    def __init__(
        self,
        objective: str = "tweedie",
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        # Chosen by backtests on origins before the benchmark's test windows (daily and weekly
        # Online Retail): deeper trees and a heavier-tailed Tweedie fit intermittent demand best.
        num_leaves: int = 127,
        min_child_samples: int = 50,
        tweedie_variance_power: float = 1.5,
        features: GlobalFeatures = TREE_FEATURES,
        n_jobs: int | None = 2,
        random_state: int = 0,
    ):
        self.objective = objective
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.tweedie_variance_power = tweedie_variance_power
        self.features = features
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _regressor(self, names: list[str], spec: FeatureSpec):
        lgb = _lightgbm()
        if self.objective not in ("tweedie", "poisson", "l2", "l1"):
            raise ValueError(f"objective must be 'tweedie', 'poisson', 'l2' or 'l1', got {self.objective!r}.")
        extra = {"tweedie_variance_power": self.tweedie_variance_power} if self.objective == "tweedie" else {}
        self.n_threads_ = threads_for(self.n_train_rows_, self.n_jobs, ROWS_PER_THREAD)
        return lgb.LGBMRegressor(
            objective=self.objective,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            n_jobs=self.n_threads_,
            random_state=self.random_state,
            verbose=-1,
            **extra,
        )

    @property
    def feature_importance_(self) -> pd.Series:
        gain = self.regressor_.booster_.feature_importance(importance_type="gain")
        total = gain.sum() or 1.0
        return pd.Series(gain / total, index=self.feature_names_, name="importance").sort_values(
            ascending=False
        )


class LinearForecaster(GlobalForecaster):
    """Ridge regression on the LightGBM features (imputed, standardised, calendar one-hot encoded).

    ``feature_importance_`` is the absolute standardised coefficient share of each feature.
    """

    def __init__(self, alpha: float = 1.0, features: GlobalFeatures = LINEAR_FEATURES, random_state: int = 0):
        self.alpha = alpha
        self.features = features
        self.random_state = random_state

    def _regressor(self, names: list[str], spec: FeatureSpec):
        return make_pipeline(encoded_features(names, spec), Ridge(alpha=self.alpha))

    @property
    def feature_importance_(self) -> pd.Series:
        encode, ridge = self.regressor_[0], self.regressor_[-1]
        coef = np.abs(ridge.coef_)
        out_names = encode.get_feature_names_out()
        by_feature = {}
        for name, weight in zip(out_names, coef, strict=True):
            index = (
                int(name.split("__", 1)[1].lstrip("x").split("_")[0])
                if "missingindicator" not in name
                else None
            )
            if index is not None:
                key = self.feature_names_[index]
                by_feature[key] = by_feature.get(key, 0.0) + weight
        series = pd.Series(by_feature, name="importance")
        return (series / (series.sum() or 1.0)).sort_values(ascending=False)
