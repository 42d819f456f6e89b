"""Learned models that build on BG/NBD: its outputs as features of gradient-boosted trees (issue 26).

BG/NBD reads a customer's whole history through a model of how people buy and leave; trees read
recent activity, money and regularity and learn from the previous period what followed. Together:

* :class:`AnchoredValue`: Poisson / Tweedie trees on the customer facts *plus* BG/NBD's probability
  of being active and expected purchases, trained on the previous period; their per-customer
  predictions are then scaled so that the totals equal BG/NBD's (and Gamma-Gamma's) totals. The
  trees rank customers; BG/NBD, whose totals were the closest on the development windows, sets
  how many purchases (and how much money) the whole base will bring. Trees trained on a file's
  early months overstate the total (every customer looks new then), which the anchor removes.
* :class:`CountPropensity`: the probability of at least one purchase from the same trees' expected
  purchases, calibrated (Platt) on out-of-fold predictions of the previous period. A count model
  learns from *how often* customers bought, not only whether, and ranks buyers better on the
  development windows than a classifier on the same facts.

Nothing on or after ``as_of`` is read: the BG/NBD of the features is fitted on the history known
at the date the facts describe.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from retail.customers import bgnbd
from retail.customers.history import History, features, summary
from retail.customers.propensity import CALIBRATION_FOLDS, LightGBMPropensity
from retail.customers.value import BGNBDValue, LightGBMValue, training_window
from retail.errors import NotFittedError

BGNBD_COLUMNS = ("bgnbd_probability_active", "bgnbd_expected_purchases")


def facts_with_bgnbd(history: History, as_of: pd.Timestamp, horizon: int,
                     params: bgnbd.BGNBDParams | None = None) -> pd.DataFrame:
    """:func:`~retail.customers.history.features` at ``as_of`` plus BG/NBD's probability of being active
    and expected purchases in the next ``horizon`` days, from a BG/NBD fitted on the history before
    ``as_of`` (or the ``params`` given, fitted on that same history)."""
    as_of = pd.Timestamp(as_of).normalize()
    known = history.before(as_of)
    table = summary(known, as_of)
    x, t_x, T = (table[c].to_numpy(dtype=np.float64) for c in ("repeat_purchases", "active_span_days", "tenure_days"))
    params = params if params is not None else bgnbd.fit_bgnbd(x, t_x, T)
    facts = features(known, as_of)
    facts[BGNBD_COLUMNS[0]] = bgnbd.probability_alive(params, x, t_x, T)
    facts[BGNBD_COLUMNS[1]] = bgnbd.expected_purchases(params, float(horizon), x, t_x, T)
    return facts


def _scaled_to(values: pd.Series, total: float) -> pd.Series:
    """``values`` scaled to sum to ``total`` (unchanged when either sum is not positive)."""
    own = float(values.sum())
    return values * (total / own) if own > 0 and np.isfinite(total) and total > 0 else values


class AnchoredValue(LightGBMValue):
    """Trees on customer facts and BG/NBD's outputs, totals anchored on BG/NBD + Gamma-Gamma.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves : the trees' settings (as :class:`LightGBMValue`).
    penalizer : the anchoring BG/NBD's penalty (as :class:`~retail.customers.value.BGNBDValue`).
    """

    name = "anchored"

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.03, num_leaves: int = 4,
                 penalizer: float = 0.0) -> None:
        super().__init__(n_estimators, learning_rate, num_leaves)
        self.penalizer = penalizer

    def _facts(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        anchor = getattr(self, "anchor_", None)  # fitted at as_of_: its parameters describe that history
        same = anchor is not None and pd.Timestamp(as_of) == self.as_of_
        return facts_with_bgnbd(history, as_of, horizon, anchor.params_ if same else None)

    def _fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> None:
        self.anchor_ = None
        super()._fit(history, as_of, horizon)
        self.anchor_ = BGNBDValue(self.penalizer).fit(history, as_of, horizon)
        self.as_of_ = as_of

    def _predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        anchor = self.anchor_.predict(history, as_of, horizon)
        trees = super()._predict(history, as_of, horizon)
        out = pd.DataFrame(index=trees.index)
        out["expected_purchases"] = _scaled_to(trees["expected_purchases"], float(anchor["expected_purchases"].sum()))
        out["expected_spend"] = _scaled_to(pd.Series(trees["expected_spend"], index=trees.index, dtype=np.float64),
                                           float(anchor["expected_spend"].sum(min_count=1)))
        out["probability_active"] = anchor["probability_active"].reindex(out.index)
        return out

    def describe(self) -> dict[str, float]:
        """The anchoring BG/NBD's (and Gamma-Gamma's) fitted parameters."""
        return self.anchor_.describe()


class _PlattOnCounts:
    """P(bought) = sigmoid(a * log(expected purchases) + b) over a fitted Poisson regressor."""

    def __init__(self, regressor, calibration) -> None:
        self.regressor = regressor
        self.calibration = calibration

    def predict_proba(self, inputs: pd.DataFrame) -> np.ndarray:
        return self.calibration.predict_proba(_log_counts(self.regressor.predict(inputs)))


def _log_counts(counts: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.asarray(counts, dtype=np.float64), 1e-6, None))[:, None]


class CountPropensity(LightGBMPropensity):
    """P(at least one purchase) from Poisson trees' expected purchases (facts plus BG/NBD's outputs).

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves : the trees' settings (as :class:`LightGBMPropensity`).
    """

    name = "purchase-count"

    def _inputs(self, facts: pd.DataFrame, has_money: bool) -> pd.DataFrame:
        return facts[self.columns_] if hasattr(self, "columns_") else facts

    def _estimator(self):
        return LightGBMValue(self.n_estimators, self.learning_rate, self.num_leaves)._model("poisson")

    def fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> Self:
        """Learn counts and their calibration from the previous period (see the module)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import KFold, cross_val_predict

        as_of = pd.Timestamp(as_of).normalize()
        facts, happened = training_window(history.before(as_of), as_of, int(horizon), facts_with_bgnbd)
        labels = happened["bought"].to_numpy()
        self._check_labels(labels, as_of, horizon)
        counts = happened["purchases"].to_numpy(dtype=np.float64)
        folds = KFold(n_splits=int(min(CALIBRATION_FOLDS, len(labels))), shuffle=True, random_state=0)
        out_of_fold = cross_val_predict(self._estimator(), facts, counts, cv=folds)
        calibration = LogisticRegression().fit(_log_counts(out_of_fold), labels)
        self.columns_ = list(facts.columns)
        self.horizon_ = int(horizon)
        self.model_ = _PlattOnCounts(self._estimator().fit(facts, counts), calibration)
        self.base_rate_ = float(labels.mean())
        return self

    def _scoring_facts(self, history: History, as_of: pd.Timestamp) -> pd.DataFrame:
        if not hasattr(self, "horizon_"):
            raise NotFittedError(f"This {self.name} model is not fitted yet: call fit(history, as_of, horizon) first.")
        return facts_with_bgnbd(history, as_of, self.horizon_)
