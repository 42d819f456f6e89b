"""Purchase propensity: the probability that a customer buys in the next ``horizon`` days.

A model learns from the previous period: the customers' facts at ``as_of - horizon`` against
whether they bought in the ``horizon`` days up to ``as_of`` (so the label it learns from is
never the period it scores). It then scores the facts at ``as_of``. Every model is calibrated
(Platt scaling, cross-validated on the training period): "0.6" means six in ten such customers
bought last time. Nothing on or after ``as_of`` is read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from retail.customers.history import History, features
from retail.customers.value import training_window
from retail.errors import NotFittedError

RFM_COLUMNS = ("recency_days", "purchase_days", "log_monetary", "tenure_days")
ACTIVITY_COLUMNS = (*RFM_COLUMNS, "purchase_days_30", "purchase_days_90", "purchase_days_180", "log_sales_90",
                    "active_months")
_COUNTS = ("recency_days", "purchase_days", "tenure_days", "purchase_days_30", "purchase_days_90",
           "purchase_days_180")
CALIBRATION_FOLDS = 5


def model_inputs(facts: pd.DataFrame, columns: tuple[str, ...], has_money: bool = True) -> pd.DataFrame:
    """The chosen facts, counts on a log scale (one more purchase matters more at 1 than at 100);
    without amounts, money is replaced by units."""
    chosen = [c if has_money or c != "log_monetary" else "log_units" for c in columns]
    table = facts[chosen].copy()
    for column in _COUNTS:
        if column in table:
            table[column] = np.log1p(table[column].clip(lower=0))
    return table


class PropensityModel(ABC):
    """Base class: settings in ``__init__``, ``fit(history, as_of, horizon)``, ``predict_proba(history, as_of)``."""

    name: ClassVar[str] = "base"

    def get_params(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if not key.endswith("_")}

    @abstractmethod
    def _inputs(self, facts: pd.DataFrame, has_money: bool) -> pd.DataFrame:
        """The model's input columns from :func:`~retail.customers.history.features`."""

    @abstractmethod
    def _estimator(self):
        """A new, unfitted scikit-learn classifier (calibrated by the base class)."""

    def fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> Self:
        """Learn from the previous period (facts at ``as_of - horizon``, purchases until ``as_of``)."""
        from sklearn.calibration import CalibratedClassifierCV

        as_of = pd.Timestamp(as_of).normalize()
        known = history.before(as_of)
        facts, happened = training_window(known, as_of, int(horizon))
        labels = happened["bought"].to_numpy()
        self._check_labels(labels, as_of, horizon)
        folds = int(min(CALIBRATION_FOLDS, labels.sum(), (~labels).sum()))
        estimator = self._estimator()
        if folds >= 2:
            estimator = CalibratedClassifierCV(estimator, method="sigmoid", cv=folds)
        self.model_ = estimator.fit(self._inputs(facts, known.has_money), labels)
        self.base_rate_ = float(labels.mean())
        return self

    @staticmethod
    def _check_labels(labels: np.ndarray, as_of: pd.Timestamp, horizon: int) -> None:
        if labels.all() or not labels.any():
            raise ValueError(f"In the {horizon} days before {as_of:%d %b %Y} {'every' if labels.all() else 'no'} "
                             "customer bought: nothing to learn who buys from. Choose another date or horizon.")

    def _scoring_facts(self, history: History, as_of: pd.Timestamp) -> pd.DataFrame:
        """The facts scored at ``as_of`` (``history`` is already cut there); raises before ``fit``."""
        if not hasattr(self, "model_"):
            raise NotFittedError(f"This {self.name} model is not fitted yet: call fit(history, as_of, horizon) first.")
        return features(history, as_of)

    def predict_proba(self, history: History, as_of: pd.Timestamp) -> pd.Series:
        """P(buys in the next horizon) per customer with a purchase before ``as_of``."""
        as_of = pd.Timestamp(as_of).normalize()
        known = history.before(as_of)
        facts = self._scoring_facts(known, as_of)
        scores = self.model_.predict_proba(self._inputs(facts, known.has_money))[:, 1]
        return pd.Series(scores, index=facts.index, name="propensity")


class LogisticPropensity(PropensityModel):
    """Logistic regression on scaled facts (the seeds' method).

    Parameters
    ----------
    features : ``"rfm"`` (recency, frequency, money, tenure) or ``"activity"`` (plus recent windows).
    C : inverse regularisation strength.
    """

    name = "logistic"

    def __init__(self, features: str = "activity", C: float = 0.1) -> None:
        self.features = features
        self.C = C

    def _inputs(self, facts: pd.DataFrame, has_money: bool) -> pd.DataFrame:
        return model_inputs(facts, RFM_COLUMNS if self.features == "rfm" else ACTIVITY_COLUMNS, has_money)

    def _estimator(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000))


class LightGBMPropensity(PropensityModel):
    """Gradient-boosted trees on the activity facts."""

    name = "lightgbm-propensity"

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.03, num_leaves: int = 4) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves

    def _inputs(self, facts: pd.DataFrame, has_money: bool) -> pd.DataFrame:
        return model_inputs(facts, ACTIVITY_COLUMNS, has_money)

    def _estimator(self):
        from lightgbm import LGBMClassifier

        return LGBMClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                              num_leaves=self.num_leaves, min_child_samples=40, subsample=0.8, subsample_freq=1,
                              random_state=0, n_jobs=1, verbose=-1)


class RecencyPropensity(LogisticPropensity):
    """The baseline: a logistic curve on the days since the last purchase, nothing else."""

    name = "recency"

    def __init__(self) -> None:
        super().__init__(features="rfm", C=1.0)

    def get_params(self) -> dict[str, Any]:
        return {}

    def _inputs(self, facts: pd.DataFrame, has_money: bool) -> pd.DataFrame:
        return model_inputs(facts, ("recency_days",), has_money)
