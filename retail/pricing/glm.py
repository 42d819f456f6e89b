"""Poisson and negative binomial regressions for many products at once (batched IRLS).

Each product is its own regression of daily units on its design (:mod:`retail.pricing.design`),
but all products of a chunk are solved together: one (P, K, K) system per iteration, so 200
products take a fraction of a second instead of one statsmodels fit each. A small ridge
(``prior``: a precision per coefficient) keeps effects without data (a store the product never
sold in, a pinned price effect) finite. Results match ``statsmodels`` GLM on the same rows.

Uncertainty: ``"model"`` scales the inverse information by the Pearson dispersion (quasi-
likelihood); ``"robust"`` is the sandwich clustered by calendar week, which also covers
misspecified variance and demand shocks that last several days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

MAX_ETA = 30.0
MAX_STEP = 5.0
JITTER = 1e-8  # added to every precision: an exactly singular system (a column of zeros) stays solvable


@dataclass
class GlmFit:
    """Coefficients (P, K), covariances (P, K, K), dispersion alpha and Pearson scale (P,)."""

    coef: np.ndarray
    cov: np.ndarray
    alpha: np.ndarray
    scale: np.ndarray
    converged: np.ndarray
    hessian: np.ndarray


def _linear(X: np.ndarray, coef: np.ndarray) -> np.ndarray:
    return np.clip(np.matmul(X, coef[..., None])[..., 0], -MAX_ETA, MAX_ETA)


def _system(X: np.ndarray, weight: np.ndarray, prior: np.ndarray) -> np.ndarray:
    Xw = X * weight[..., None]
    A = np.matmul(Xw.transpose(0, 2, 1), X)
    A[:, np.arange(X.shape[2]), np.arange(X.shape[2])] += prior + JITTER
    return A


def irls(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, alpha: np.ndarray | None = None,
         start: np.ndarray | None = None, max_iter: int = 60, tol: float = 1e-7) -> tuple[np.ndarray, np.ndarray]:
    """Penalised IRLS for a log-link count model; returns (coefficients, converged).

    ``alpha`` (P,) is the negative binomial dispersion (variance = mu + alpha mu^2); zeros: Poisson.
    A product whose step fell below ``tol`` is done and leaves the batch: the iterations that follow
    solve only the products still moving (a few slow ones used to keep the whole batch iterating).
    """
    P, _, K = X.shape
    alpha = np.zeros(P) if alpha is None else alpha
    weight_mask = mask.astype(np.float64)
    if start is None:
        start = np.zeros((P, K))
        mean = (y * weight_mask).sum(1) / np.maximum(weight_mask.sum(1), 1)
        start[:, 0] = np.log(np.maximum(mean, 1e-3))
    coef, converged = start.copy(), np.zeros(P, dtype=bool)
    rows = np.arange(P)
    Xa, ya, ma, aa, pa = X, y, weight_mask, alpha, prior
    for _ in range(max_iter):
        step = _irls_step(Xa, ya, ma, aa, pa, coef[rows])
        coef[rows] += step
        done = np.abs(step).max(axis=1) < tol * (1 + np.abs(coef[rows]).max(axis=1))
        converged[rows] = done
        if done.all():
            break
        if done.any():  # the finished products leave: later iterations cost what is still moving
            keep = ~done
            rows, Xa, ya, ma, aa = rows[keep], Xa[keep], ya[keep], ma[keep], aa[keep]
            pa = pa[keep] if np.ndim(pa) == 2 else pa
    return coef, converged


def _irls_step(X: np.ndarray, y: np.ndarray, weight_mask: np.ndarray, alpha: np.ndarray, prior: np.ndarray,
               coef: np.ndarray) -> np.ndarray:
    """One Newton step of every product in the batch, at most ``MAX_STEP`` in any coefficient."""
    eta = _linear(X, coef)
    mu = np.exp(eta)
    weight = mu / (1 + alpha[:, None] * mu) * weight_mask
    working = eta + (y - mu) / mu
    A = _system(X, weight, prior)
    b = np.matmul(X.transpose(0, 2, 1), (weight * working)[..., None])[..., 0]
    step = np.linalg.solve(A, b[..., None])[..., 0] - coef
    biggest = np.abs(step).max(axis=1, keepdims=True)
    return np.where(biggest > MAX_STEP, step * MAX_STEP / np.maximum(biggest, 1e-12), step)


def dispersion(X: np.ndarray, y: np.ndarray, mask: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Moment estimate of the negative binomial alpha per product (0 when there is no over-dispersion)."""
    mu = np.exp(_linear(X, coef))
    m = mask.astype(np.float64)
    excess = (((y - mu) ** 2 - y) * m).sum(1)
    return np.maximum(excess / np.maximum((mu ** 2 * m).sum(1), 1e-12), 0.0)


def fit_counts(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, week: np.ndarray,
               family: str = "poisson", errors: str = "model", rounds: int = 3) -> GlmFit:
    """Fit a Poisson (``family='poisson'``) or negative binomial (``'negbin'``) model per product."""
    alpha = np.zeros(len(X))
    coef, converged = irls(X, y, mask, prior)
    if family == "negbin":
        for _ in range(rounds):
            alpha = dispersion(X, y, mask, coef)
            coef, converged = irls(X, y, mask, prior, alpha, start=coef)
    mu = np.exp(_linear(X, coef))
    weight_mask = mask.astype(np.float64)
    A = _system(X, mu / (1 + alpha[:, None] * mu) * weight_mask, prior)
    inverse = np.linalg.inv(A)
    dof = np.maximum(weight_mask.sum(1) - X.shape[2], 1.0)
    scale = (((y - mu) ** 2 / (mu * (1 + alpha[:, None] * mu))) * weight_mask).sum(1) / dof
    if errors == "robust":
        cov = _clustered(X, (y - mu) / (1 + alpha[:, None] * mu) * weight_mask, week, inverse)
    else:
        cov = inverse * np.maximum(scale, 1.0)[:, None, None] if family == "poisson" else inverse * scale[:, None, None]
    return GlmFit(coef, cov, alpha, scale, converged, A)


def _clustered(X: np.ndarray, residual: np.ndarray, week: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Sandwich covariance with scores summed per (product, week)."""
    P, N, K = X.shape
    weeks = int(week.max()) + 2
    cluster = (np.arange(P)[:, None] * weeks + np.where(week >= 0, week, weeks - 1)).ravel()
    onehot = sparse.csr_matrix((np.ones(P * N), (cluster, np.arange(P * N))), shape=(P * weeks, P * N))
    scores = np.asarray(onehot @ (X * residual[..., None]).reshape(P * N, K)).reshape(P, weeks, K)
    meat = np.matmul(scores.transpose(0, 2, 1), scores)
    groups = np.maximum((np.abs(scores).sum(2) > 0).sum(1), 2)
    meat *= (groups / (groups - 1))[:, None, None]
    return np.matmul(np.matmul(inverse, meat), inverse)
