"""Targeting models: who should be contacted, ranked by a score learned from a randomised test.

Every model has the same interface, scikit-learn style: ``__init__`` stores its settings,
``fit(X, treatment, y)`` learns and returns ``self`` (``X`` numeric facts, ``treatment`` 1 for
contacted, ``y`` the 0 / 1 outcome), ``predict(X)`` returns one score per customer, higher = target
first. For the uplift models the score is the predicted *extra* chance of the outcome that the
contact gives; the response model's score is the chance of the outcome when contacted (it cannot
tell who would have responded anyway), and random order's is noise. The registry
(:data:`~retail.experiments.registry.UPLIFT_MODELS`) lists them.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

# LightGBM's console output would interleave with the command line's progress lines.
_QUIET = {"verbose": -1, "n_jobs": 1}


class UpliftModel(BaseEstimator):
    """The shared interface (see the module)."""

    #: True when ``predict`` returns an estimate of the extra chance (not just an order).
    estimates_uplift = True

    def fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> UpliftModel:
        treatment, y = np.asarray(treatment).astype(int), np.asarray(y).astype(int)
        if len(X) != len(treatment) or len(X) != len(y):
            raise ValueError(f"Facts, treatment and outcome differ in length: {len(X)}, {len(treatment)}, {len(y)}.")
        if len(y) == 0:
            raise ValueError("There are no customers to learn from: a targeting model needs the contacted and the "
                             "control customers of a test.")
        for group, name in ((1, "contacted"), (0, "control")):
            outcomes = y[treatment == group]
            if len(np.unique(outcomes)) < 2:
                raise ValueError(f"The {name} customers of this part all have the same outcome: nothing to learn "
                                 "from. A larger test (or a more common outcome) is needed.")
        self._fit(np.asarray(X, dtype=float), treatment, y)
        self.fitted_ = True
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if not getattr(self, "fitted_", False):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(X, treatment, y) first.")
        return self._predict(np.asarray(X, dtype=float))

    def _fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RandomOrder(UpliftModel):
    """Customers in random order (seeded): targeting without a model."""

    estimates_uplift = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> None:
        pass

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.random.default_rng(self.seed).random(len(X))


def _logistic(C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def _trees(n_estimators: int, learning_rate: float, num_leaves: int, min_child_samples: int, regression=False):
    import lightgbm as lgb

    kind = lgb.LGBMRegressor if regression else lgb.LGBMClassifier
    return kind(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                min_child_samples=min_child_samples, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                random_state=0, **_QUIET)


class ResponseModel(UpliftModel):
    """Logistic regression of the outcome on the contacted customers only."""

    estimates_uplift = False

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def _fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> None:
        self.model_ = _logistic(self.C).fit(X[treatment == 1], y[treatment == 1])

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(X)[:, 1]


class TwoModel(UpliftModel):
    """One classifier on the contacted, one on the control group; uplift = the difference."""

    def _classifier(self):
        raise NotImplementedError

    def _fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> None:
        self.treated_ = self._classifier().fit(X[treatment == 1], y[treatment == 1])
        self.control_ = self._classifier().fit(X[treatment == 0], y[treatment == 0])

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.treated_.predict_proba(X)[:, 1] - self.control_.predict_proba(X)[:, 1]


class TwoModelLogistic(TwoModel):
    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def _classifier(self):
        return _logistic(self.C)


class _TreeSettings:
    def __init__(self, n_estimators: int = 200, learning_rate: float = 0.03, num_leaves: int = 4,
                 min_child_samples: int = 100) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples

    def _tree(self, regression: bool = False):
        return _trees(self.n_estimators, self.learning_rate, self.num_leaves, self.min_child_samples, regression)


class TwoModelLightGBM(_TreeSettings, TwoModel):
    def _classifier(self):
        return self._tree()


class XLearner(_TreeSettings, UpliftModel):
    """Kuenzel et al. (2019): outcome models per group, then the imputed individual effects
    (``y - control model`` for the contacted, ``treated model - y`` for the control customers)
    learned by a regression per group, blended by the share contacted."""

    def _fit(self, X: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> None:
        on, off = treatment == 1, treatment == 0
        treated = self._tree().fit(X[on], y[on])
        control = self._tree().fit(X[off], y[off])
        self.effect_treated_ = self._tree(regression=True).fit(X[on], y[on] - control.predict_proba(X[on])[:, 1])
        self.effect_control_ = self._tree(regression=True).fit(X[off], treated.predict_proba(X[off])[:, 1] - y[off])
        # In a randomised test the chance of being contacted is the same for everyone: the share.
        self.share_contacted_ = float(on.mean())

    def _predict(self, X: np.ndarray) -> np.ndarray:
        g = self.share_contacted_
        return g * self.effect_control_.predict(X) + (1 - g) * self.effect_treated_.predict(X)
