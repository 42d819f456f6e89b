"""What a fitted count model says about each row, and draws of it for intervals.

:func:`linear_predictor` gives the log of the expected units of every panel row (with the
coefficients moved to the elasticity actually used, :meth:`Estimates.adjusted`). Because the
model is log-linear, the counterfactuals follow row by row without the design: at the regular
price and without the promotion, ``eta + beta (log regular - log price) - gamma``; at the
promotion price without its display, ``eta - gamma``. :func:`coefficient_draws` samples the
coefficients of one product for intervals.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from retail.pricing.design import batches
from retail.pricing.estimators import Estimates
from retail.pricing.panel import PricePanel

DRAWS = 400


def linear_predictor(panel: PricePanel, estimates: Estimates) -> np.ndarray:
    """log expected units per row of ``panel.rows`` (NaN for rows left out of the fit)."""
    coef, _ = estimates.adjusted()
    eta = np.full(len(panel.rows), np.nan)
    with threadpool_limits(1, user_api="blas"):
        for batch in batches(panel, estimates.layout, estimates.reference):
            values = np.matmul(batch.X, coef[batch.products][..., None])[..., 0]
            eta[batch.row[batch.mask]] = values[batch.mask]
    return eta


def promo_coefficient(estimates: Estimates) -> np.ndarray:
    """The promotion's own (display) effect per product, after :meth:`Estimates.adjusted` (0 without one)."""
    coef, _ = estimates.adjusted()
    column = estimates.layout.promo
    return coef[:, column] if column is not None else np.zeros(len(coef))


def coefficient_draws(coef: np.ndarray, cov: np.ndarray, rng: np.random.Generator, n: int = DRAWS) -> np.ndarray:
    """(n, K) draws of one product's coefficients ``coef`` (K,) with covariance ``cov`` (K, K)."""
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    return coef + rng.standard_normal((n, len(values))) @ root.T
