"""Forecasts that add up: reconciliation of the forecasts of every level of a hierarchy.

A hierarchy is its summing matrix ``S`` (:class:`Summing`): one row per series of every level
(the aggregates first, the bottom series last, as an identity block), one column per bottom
series; the coherent forecasts of all series are ``S @ b`` for bottom forecasts ``b``. Each
method turns the *base* forecasts of every series (made level by level, so they need not add
up) into bottom forecasts:

* :class:`BottomUp`: the bottom series' own forecasts.
* :class:`TopDown`: the total's forecast split by each bottom series' share of past sales
  (proportions of the historical averages).
* :class:`MinTrace`: the minimum-trace projection of Wickramasuriya, Athanasopoulos and Hyndman
  (2019), ``b = (S' W^-1 S)^-1 S' W^-1 y``, computed in its constraint form
  ``y - W U (U' W U)^-1 U' y`` with ``U' = [I, -S_aggregates]``; ``W`` is the base forecasts'
  error matrix shrunk toward its diagonal (Schaefer and Strimmer 2005). Two choices differ from
  the textbook (both settings; with ``bias=False, floor=0`` it is exactly MinT-shrink): the
  errors are taken around zero, not around their mean, so a level whose forecasts run low counts
  as less reliable (a biased level is what reconciliation should lean away from), and each
  series' error spread is at least ``floor`` times its average sales, so a series that happened
  never to miss in a few backtest windows cannot claim all the weight.

Every method is checked against Nixtla's hierarchicalforecast in ``tests/test_planning_reconcile.py``.
Bottom forecasts below zero are set to zero before adding up (demand is never negative), and
:func:`to_cents` rounds the bottom series and adds them up in whole cents, so every level adds
up exactly as shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

logger = logging.getLogger(__name__)

_EPS = 2e-8


@dataclass(frozen=True)
class Summing:
    """The summing matrix ``S`` (series x bottom series): the aggregates' rows first, then an identity."""

    matrix: sparse.csr_matrix

    def __post_init__(self) -> None:
        n_series, n_bottom = self.matrix.shape
        if n_bottom < 1 or n_series <= n_bottom:
            raise ValueError("a hierarchy needs at least one bottom series and one aggregate (the total).")
        bottom = self.matrix[n_series - n_bottom:].toarray()
        if not np.array_equal(bottom, np.eye(n_bottom)):
            raise ValueError("the summing matrix's last rows must be the bottom series themselves (an identity).")

    @property
    def n_bottom(self) -> int:
        return self.matrix.shape[1]

    @property
    def n_aggregates(self) -> int:
        return self.matrix.shape[0] - self.matrix.shape[1]

    @property
    def total_row(self) -> int:
        """The row that adds up every bottom series."""
        return int(np.asarray(self.matrix.sum(axis=1)).ravel().argmax())

    def add_up(self, bottom: np.ndarray) -> np.ndarray:
        """Every series from the bottom series (``(n_bottom, ...)`` -> ``(n_series, ...)``)."""
        return np.asarray(self.matrix @ bottom)


def shrunk_covariance(residuals: np.ndarray, ridge: float = _EPS, centre: bool = True) -> np.ndarray:
    """Covariance of ``residuals`` (series x samples), off-diagonal terms shrunk toward zero.

    The shrinkage intensity is Schaefer and Strimmer's (2005) estimate for the correlations:
    the summed estimated variance of the sample correlations over their summed squares (both
    over distinct pairs), clipped to [0, 1]. The diagonal keeps the sample variances (at least
    ``ridge``). ``centre=False`` measures the errors around zero (mean squared errors and their
    cross products, bias included) instead of around their mean.
    """
    r = np.asarray(residuals, dtype=np.float64)
    n, samples = r.shape
    if samples < 2:
        raise ValueError("the error covariance needs at least two backtest periods; use more windows.")
    centred = r - r.mean(axis=1, keepdims=True) if centre else r
    covariance = centred @ centred.T / (samples - 1 if centre else samples)
    standard = centred / (np.sqrt((centred**2).mean(axis=1, keepdims=True)) + _EPS)
    mean_products = standard @ standard.T / samples
    squares = standard**2
    spread = squares @ squares.T - samples * mean_products**2
    off = ~np.eye(n, dtype=bool)
    intensity = spread[off].sum() / (samples * (samples - 1)) / (float((mean_products[off] ** 2).sum()) + _EPS)
    shrunk = (1.0 - float(np.clip(intensity, 0.0, 1.0))) * covariance
    np.fill_diagonal(shrunk, np.maximum(np.diag(covariance), ridge))
    return shrunk


class Reconciler(BaseEstimator):
    """Base: ``fit(summing, history, residuals)`` returns ``self``; ``bottom(base)`` the bottom forecasts.

    ``history`` is (series x periods) actual sales up to the forecast's origin; ``residuals`` is
    (series x samples) errors of the base forecasts (actual - forecast) from the backtest.
    """

    summing_: Summing

    def fit(self, summing: Summing, history: np.ndarray | None = None,
            residuals: np.ndarray | None = None) -> Reconciler:
        self.summing_ = summing
        self._fit(summing, history, residuals)
        return self

    def _fit(self, summing: Summing, history: np.ndarray | None, residuals: np.ndarray | None) -> None:
        """Learn what the method needs (nothing by default)."""

    def bottom(self, base: np.ndarray) -> np.ndarray:
        """Bottom forecasts (n_bottom x horizon) from the base forecasts of every series (n_series x horizon)."""
        if not hasattr(self, "summing_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(summing, ...) first.")
        base = np.asarray(base, dtype=np.float64)
        if base.shape[0] != self.summing_.matrix.shape[0]:
            raise ValueError(f"base forecasts have {base.shape[0]} series; the hierarchy has "
                             f"{self.summing_.matrix.shape[0]}.")
        return self._bottom(base)

    def _bottom(self, base: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reconcile(self, base: np.ndarray) -> np.ndarray:
        """Coherent forecasts of every series: the bottom forecasts, negatives set to zero, added up."""
        return self.summing_.add_up(np.maximum(self.bottom(base), 0.0))


class BottomUp(Reconciler):
    """The bottom series' own forecasts, added up."""

    def _bottom(self, base: np.ndarray) -> np.ndarray:
        return base[self.summing_.n_aggregates:]


class TopDown(Reconciler):
    """The total's forecast split by each bottom series' share of the total's past sales."""

    def _fit(self, summing: Summing, history: np.ndarray | None, residuals: np.ndarray | None) -> None:
        if history is None:
            raise ValueError("top-down needs the sales history to take each series' share from.")
        history = np.nan_to_num(np.asarray(history, dtype=np.float64))
        total = history[summing.total_row].sum()
        bottom = history[summing.n_aggregates:].sum(axis=1)
        self.proportions_ = bottom / total if total > 0 else np.full(summing.n_bottom, 1.0 / summing.n_bottom)

    def _bottom(self, base: np.ndarray) -> np.ndarray:
        return self.proportions_[:, None] * base[self.summing_.total_row][None, :]


class MinTrace(Reconciler):
    """Minimum-trace reconciliation with a shrunk error matrix (MinT-shrink; see the module for
    ``bias`` and ``floor``)."""

    def __init__(self, bias: bool = True, floor: float = 0.2, ridge: float = _EPS):
        self.bias = bias
        self.floor = floor
        self.ridge = ridge

    def _fit(self, summing: Summing, history: np.ndarray | None, residuals: np.ndarray | None) -> None:
        if residuals is None:
            raise ValueError("MinT needs the base forecasts' backtest errors (residuals).")
        self.covariance_ = shrunk_covariance(residuals, self.ridge, centre=not self.bias)
        if self.floor > 0:
            if history is None:
                raise ValueError("MinT's floor is a share of each series' average sales: pass the history.")
            spread = self.floor * np.nan_to_num(np.asarray(history, dtype=np.float64)).mean(axis=1)
            np.fill_diagonal(self.covariance_, np.maximum(np.diag(self.covariance_), spread**2))
        aggregates = summing.matrix[: summing.n_aggregates]
        # W U with U' = [I, -S_aggregates]: the covariance of the constraint violations' parts
        w_u = self.covariance_[:, : summing.n_aggregates] - np.asarray(
            (aggregates @ self.covariance_[:, summing.n_aggregates:].T).T)
        self.w_u_ = w_u
        self.u_w_u_ = w_u[: summing.n_aggregates] - np.asarray(aggregates @ w_u[summing.n_aggregates:])

    def _bottom(self, base: np.ndarray) -> np.ndarray:
        a = self.summing_.n_aggregates
        violation = base[:a] - np.asarray(self.summing_.matrix[:a] @ base[a:])  # U' y: how far from adding up
        try:
            weights = np.linalg.solve(self.u_w_u_, violation)
        except np.linalg.LinAlgError:
            logger.info("MinT: the error covariance is singular, solving by least squares")
            weights = np.linalg.lstsq(self.u_w_u_, violation, rcond=None)[0]
        return (base - self.w_u_ @ weights)[a:]


def to_cents(summing: Summing, bottom: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Every series from bottom forecasts rounded to ``decimals``, added up in whole hundredths, so each
    level adds up exactly as written (no rounding drift between a store's products and the store)."""
    scale = 10**decimals
    whole = np.rint(np.asarray(bottom, dtype=np.float64) * scale).astype(np.int64)
    return np.asarray(summing.matrix.astype(np.int64) @ whole) / scale
