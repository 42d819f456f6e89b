"""Log-log least squares on the sale rows only: the naive answers the count models are measured against.

``log(units) = a + elasticity x log(price) (+ controls)``, fitted per product over the days
that have a sale row. Days without sales are missing from such a fit, and a promotion's
display lift passes for price response unless it is controlled for: that is why these are the
baselines, not the answer.
"""

from __future__ import annotations

import numpy as np

from retail.pricing.glm import GlmFit


def fit_logs(X: np.ndarray, y: np.ndarray, rows: np.ndarray, prior: np.ndarray) -> GlmFit:
    """Least squares of log units on ``X`` over ``rows`` (P, N) with units > 0, per product."""
    use = rows & (y > 0)
    weight = use.astype(np.float64)
    target = np.log(np.where(use, y, 1.0))
    Xw = X * weight[..., None]
    A = np.matmul(Xw.transpose(0, 2, 1), X)
    K = X.shape[2]
    A[:, np.arange(K), np.arange(K)] += prior
    b = np.matmul(Xw.transpose(0, 2, 1), target[..., None])
    coef = np.linalg.solve(A, b)[..., 0]
    residual = (target - np.matmul(X, coef[..., None])[..., 0]) * weight
    dof = np.maximum(weight.sum(1) - K, 1.0)
    sigma2 = (residual ** 2).sum(1) / dof
    inverse = np.linalg.inv(A)
    P = len(X)
    return GlmFit(coef, inverse * sigma2[:, None, None], np.zeros(P), sigma2, np.ones(P, dtype=bool), A)
