"""Repeat-purchase (value) models: expected purchases and spend per customer over the next ``horizon`` days.

Every model is fitted on the history known at ``as_of`` and predicts from it
(:meth:`ValueModel.fit` / :meth:`ValueModel.predict`), so nothing on or after ``as_of`` can
reach a prediction. Purchases are purchase days (see :mod:`retail.customers.history`).

* :class:`BGNBDValue`: BG/NBD + Gamma-Gamma (:mod:`retail.customers.bgnbd`), fitted on every
  customer's whole history.
* :class:`LightGBMValue`: trees trained on the facts at ``as_of - horizon`` against what
  happened in the following ``horizon`` days, then applied to the facts at ``as_of``.
* :class:`LastPeriod`: the baseline; the last ``horizon`` days repeat themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from retail.customers import bgnbd
from retail.customers.history import CUSTOMER, DAY, History, features, outcome, summary
from retail.errors import NotFittedError

PREDICTION_COLUMNS = ["expected_purchases", "expected_spend"]


class ValueModel(ABC):
    """Base class: settings in ``__init__``, ``fit(history, as_of, horizon)``, ``predict(...)``."""

    name: ClassVar[str] = "base"

    def get_params(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if not key.endswith("_")}

    def fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> Self:
        """Learn from the history known at ``as_of`` (later days are ignored); returns ``self``."""
        as_of = pd.Timestamp(as_of).normalize()
        self._fit(history.before(as_of), as_of, int(horizon))
        self.fitted_ = True
        return self

    def predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        """``expected_purchases`` and ``expected_spend`` (NaN without amounts) in [as_of, as_of + horizon),
        one row per customer with a purchase before ``as_of``."""
        if not getattr(self, "fitted_", False):
            raise NotFittedError(f"This {self.name} model is not fitted yet: call fit(history, as_of, horizon) first.")
        as_of = pd.Timestamp(as_of).normalize()
        known = history.before(as_of)
        table = self._predict(known, as_of, int(horizon))
        if not known.has_money:
            table["expected_spend"] = np.nan
        return table

    @abstractmethod
    def _fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> None: ...

    @abstractmethod
    def _predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame: ...


def repeat_value(history: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer: ``repeat_purchases`` and ``repeat_value``, the average sales of the purchase days
    after the first (the Gamma-Gamma model's input; the first purchase is left out as in the paper)."""
    table = summary(history, as_of)
    bought = history.before(as_of).days
    bought = bought[bought["purchased"]]
    first_value = bought.groupby(CUSTOMER)["sales"].first().reindex(table.index)  # days are sorted
    total = bought.groupby(CUSTOMER)["sales"].sum().reindex(table.index)
    repeat = table["repeat_purchases"]
    mean = (total - first_value) / repeat.where(repeat > 0)
    return pd.DataFrame({"repeat_purchases": repeat, "repeat_value": mean}, index=table.index)


class BGNBDValue(ValueModel):
    """BG/NBD for the number of purchases, Gamma-Gamma for their value.

    Parameters
    ----------
    penalizer : L2 penalty on the log-parameters of both fits (0: plain maximum likelihood).
    """

    name = "bgnbd"

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> None:
        table = summary(history, as_of)
        self.params_ = bgnbd.fit_bgnbd(table["repeat_purchases"].to_numpy(), table["active_span_days"].to_numpy(),
                                       table["tenure_days"].to_numpy(), self.penalizer)
        self.spend_params_ = None
        if history.has_money:
            values = repeat_value(history, as_of)
            try:
                self.spend_params_ = bgnbd.fit_gamma_gamma(values["repeat_purchases"].to_numpy(),
                                                           values["repeat_value"].to_numpy(), self.penalizer)
            except ValueError:  # too few repeat buyers with a positive amount: no spend model
                self.spend_params_ = None

    def _predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        table = summary(history, as_of)
        x, t_x, T = (table[c].to_numpy(dtype=np.float64) for c in ("repeat_purchases", "active_span_days",
                                                                     "tenure_days"))
        purchases = bgnbd.expected_purchases(self.params_, float(horizon), x, t_x, T)
        out = pd.DataFrame({"expected_purchases": purchases,
                            "probability_active": bgnbd.probability_alive(self.params_, x, t_x, T)},
                           index=table.index)
        out["expected_spend"] = np.nan
        if self.spend_params_ is not None:
            values = repeat_value(history, as_of)
            per_purchase = bgnbd.expected_purchase_value(self.spend_params_, values["repeat_purchases"].to_numpy(),
                                                         values["repeat_value"].to_numpy())
            out["expected_spend"] = purchases * per_purchase
        return out[[*PREDICTION_COLUMNS, "probability_active"]]

    def describe(self) -> dict[str, float]:
        """The fitted parameters by name (for the evaluation tab and the saved run)."""
        p = self.params_
        out = {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b}
        if self.spend_params_ is not None:
            out |= {"p": self.spend_params_.p, "q": self.spend_params_.q, "gamma": self.spend_params_.gamma}
        return {key: float(value) for key, value in out.items()}


Facts = Callable[[History, pd.Timestamp, int], pd.DataFrame]  # (history, as_of, horizon) -> facts per customer


def activity_facts(history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
    """:func:`~retail.customers.history.features` (the horizon does not change them)."""
    return features(history, as_of)


def training_window(history: History, as_of: pd.Timestamp, horizon: int,
                    facts: Facts = activity_facts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facts at ``as_of - horizon`` and what those customers did in the ``horizon`` days up to ``as_of``.

    Raises
    ------
    ValueError
        Nobody bought before ``as_of - horizon``: the history is shorter than the horizon.
    """
    cut = as_of - pd.Timedelta(days=horizon)
    if history.first_day >= cut:
        raise ValueError(f"The models learn from what customers did in the {horizon} days before {as_of:%d %b %Y}, "
                         f"so they need purchases from before {cut:%d %b %Y}; the history starts "
                         f"{history.first_day:%d %b %Y}. Choose a later as-of date or a shorter horizon.")
    known = facts(history.before(cut), cut, horizon)
    return known, outcome(history, known.index, cut, horizon)


class LightGBMValue(ValueModel):
    """Poisson trees for purchases and Tweedie trees for spend, learned on the previous period."""

    name = "lightgbm-value"

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.03, num_leaves: int = 4) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves

    def _model(self, objective: str):
        from lightgbm import LGBMRegressor

        return LGBMRegressor(objective=objective, n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                             num_leaves=self.num_leaves, min_child_samples=40, subsample=0.8, subsample_freq=1,
                             random_state=0, n_jobs=1, verbose=-1)

    def _facts(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        """The trees' inputs per customer at ``as_of`` (subclasses add their own)."""
        return activity_facts(history, as_of, horizon)

    def _fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> None:
        facts, happened = training_window(history, as_of, horizon, self._facts)
        self.columns_ = list(facts.columns)
        self.purchases_ = self._model("poisson").fit(facts, happened["purchases"])
        self.spend_ = (self._model("tweedie").fit(facts, happened["spend"].clip(lower=0))
                       if history.has_money and happened["spend"].gt(0).any() else None)

    def _predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        facts = self._facts(history, as_of, horizon)[self.columns_]
        spend = self.spend_.predict(facts) if self.spend_ is not None else np.nan
        return pd.DataFrame({"expected_purchases": self.purchases_.predict(facts), "expected_spend": spend},
                            index=facts.index)


class LastPeriod(ValueModel):
    """The baseline: purchases and spend of the last ``horizon`` days, again."""

    name = "last-period"

    def _fit(self, history: History, as_of: pd.Timestamp, horizon: int) -> None:
        return None

    def _predict(self, history: History, as_of: pd.Timestamp, horizon: int) -> pd.DataFrame:
        customers = summary(history, as_of).index
        last = outcome(history, customers, as_of - pd.Timedelta(days=horizon), horizon)
        return pd.DataFrame({"expected_purchases": last["purchases"].astype(np.float64),
                             "expected_spend": last["spend"]}, index=customers)


__all__ = ["DAY", "BGNBDValue", "LastPeriod", "LightGBMValue", "ValueModel", "repeat_value", "training_window"]
