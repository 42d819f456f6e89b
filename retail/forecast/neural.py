"""A neural-network forecaster: a dense network (multi-layer perceptron) across all series.

It learns on the same features as LightGBM (:mod:`retail.forecast.features`), encoded like
the linear model's (calendar one-hot, the rest imputed and standardised), with
scikit-learn's ``MLPRegressor`` and early stopping on a held-out tenth of the training rows
(the target standardised, so that the stopping rule means the same for any sales scale).

Sales levels differ by orders of magnitude between products, and a network trained on raw
units may spend itself on the biggest series. With ``scale_by_series`` the target and every
level feature (lags, rolling means and deviations, the series' own statistics) are divided
by the series' training mean before the network sees them and the forecast is multiplied
back: the network learns shapes shared by all series, as DeepAR-style global models do.
It is off by default: on backtests before the benchmark's test windows (Online Retail, 500
products, ``benchmarks/bench_forecast.py --tune-mlp``) the unscaled network had the lower WAPE
daily (0.965 against 0.988) and weekly (0.724 against 0.728); the standardised features and
target already keep the big series from dominating the fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from retail.forecast.features import FeatureSpec, GlobalFeatures
from retail.forecast.ml import TREE_FEATURES, GlobalForecaster, encoded_features

# features in units, divided by the series mean (which itself stays, standardised: the network sees the level)
LEVEL_PREFIXES = ("lag_", "mean_", "std_", "seasonal_mean_", "series_std")
# LightGBM's features on fewer training rows at most (a random sample above them): the network is slower than trees
NETWORK_FEATURES = replace(TREE_FEATURES, max_rows=500_000)


class SeriesScaled(RegressorMixin, BaseEstimator):
    """Fit ``regressor`` on the target and the level features divided by a per-row scale column.

    Parameters
    ----------
    regressor
        Any scikit-learn regressor (here the encoding pipeline and the network).
    scale_column
        Index of the feature holding the series' scale (its training mean).
    level_columns
        Indices of the features measured in units (divided by the scale too).
    """

    def __init__(self, regressor: BaseEstimator, scale_column: int, level_columns: tuple[int, ...]) -> None:
        self.regressor = regressor
        self.scale_column = scale_column
        self.level_columns = level_columns

    def _scaled(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = np.nan_to_num(X[:, self.scale_column], nan=1.0)
        scale = np.where(scale > 0, scale, 1.0)  # a series that never sold keeps its units
        out = np.array(X, dtype=np.float64, copy=True)
        columns = list(self.level_columns)
        out[:, columns] = out[:, columns] / scale[:, None]
        return out, scale

    def fit(self, X: np.ndarray, y: np.ndarray) -> SeriesScaled:
        scaled, scale = self._scaled(X)
        self.regressor_ = self.regressor.fit(scaled, np.asarray(y, dtype=np.float64) / scale)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        scaled, scale = self._scaled(X)
        return self.regressor_.predict(scaled) * scale


class MLPForecaster(GlobalForecaster):
    """A dense neural network across all series on the LightGBM features (scikit-learn ``MLPRegressor``).

    Parameters
    ----------
    hidden_units
        Neurons in the first hidden layer; each further layer has half as many.
    layers
        Hidden layers.
    alpha
        L2 penalty on the weights (larger: smoother, less detailed forecasts).
    scale_by_series
        Divide the target and the level features by each series' mean (see the module docstring;
        off by default, chosen on pre-test backtests).
    features
        What the network learns from (:class:`~retail.forecast.features.GlobalFeatures`): by default
        LightGBM's, on at most 500,000 training rows (a random sample above them).
    """

    def __init__(
        self,
        hidden_units: int = 64,
        layers: int = 2,
        alpha: float = 0.001,
        scale_by_series: bool = False,
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        features: GlobalFeatures = NETWORK_FEATURES,
        random_state: int = 0,
    ):
        self.hidden_units = hidden_units
        self.layers = layers
        self.alpha = alpha
        self.scale_by_series = scale_by_series
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.features = features
        self.random_state = random_state

    def _network(self) -> MLPRegressor:
        sizes = tuple(max(2, self.hidden_units // 2**layer) for layer in range(self.layers))
        return MLPRegressor(hidden_layer_sizes=sizes, alpha=self.alpha, learning_rate_init=self.learning_rate_init,
                            max_iter=self.max_iter, early_stopping=True, validation_fraction=0.1,
                            n_iter_no_change=10, random_state=self.random_state)

    def _regressor(self, names: list[str], spec: FeatureSpec):
        # the target is standardised too: early stopping's tolerance then means the same on any sales scale
        pipeline = TransformedTargetRegressor(make_pipeline(encoded_features(names, spec), self._network()),
                                              transformer=StandardScaler())
        if not self.scale_by_series or "series_mean" not in names:
            return pipeline
        levels = tuple(i for i, name in enumerate(names) if name.startswith(LEVEL_PREFIXES))
        return SeriesScaled(pipeline, names.index("series_mean"), levels)
