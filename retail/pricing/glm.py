"""Poisson and negative binomial regressions for many products at once (batched IRLS).

Each product is its own regression of daily units on its design (:mod:`retail.pricing.design`),
but all products of a chunk are solved together: one (P, K, K) system per iteration, so 200
products take a fraction of a second instead of one statsmodels fit each. A small ridge
(``prior``: a precision per coefficient) keeps effects without data (a store the product never
sold in, a pinned price effect) finite. Results match ``statsmodels`` GLM on the same rows.

Promotion events (:class:`Events`) may get an effect of their own: a display, a leaflet or a
good spot differ from one promotion to the next, and a model with one promotion effect reads
that difference as price response (the deeper promotion was also the better displayed one).
Each event's effect is a random effect around the product's usual promotion effect, with a
spread ``sd`` shared by the shop (:func:`event_spread` estimates it from the data). The event
effects are eliminated from every Newton step (events do not overlap, so their block is
diagonal): the cost stays that of the plain model.

Uncertainty: ``"model"`` scales the inverse information by the Pearson dispersion (quasi-
likelihood); ``"robust"`` is the sandwich clustered by calendar week, which also covers
misspecified variance and demand shocks that last several days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

MAX_ETA = 30.0
MAX_STEP = 5.0
JITTER = 1e-8  # added to every precision: an exactly singular system (a column of zeros) stays solvable
NEGBIN_FROM = 2  # IRLS iteration from which the negative binomial dispersion is re-estimated at each step


@dataclass
class GlmFit:
    """Coefficients (P, K), covariances (P, K, K), dispersion alpha and Pearson scale (P,); with
    events, their effects ``event_effect`` and the information of each (``event_information``, (P, E))."""

    coef: np.ndarray
    cov: np.ndarray
    alpha: np.ndarray
    scale: np.ndarray
    converged: np.ndarray
    hessian: np.ndarray
    event_effect: np.ndarray | None = None
    event_information: np.ndarray | None = None


@dataclass
class Events:
    """The promotion event of each row of a chunk: ``index`` (P, N), numbered 0.. within the
    product, -1 outside promotions; each event's effect has prior sd ``sd``."""

    index: np.ndarray
    sd: float

    def __post_init__(self) -> None:
        P, N = self.index.shape
        self.count = int(self.index.max()) + 1 if self.index.size else 0
        inside = (self.index >= 0).ravel()
        column = (np.repeat(np.arange(P), N) * self.count + self.index.ravel())[inside]
        self.matrix = sparse.csr_matrix((np.ones(int(inside.sum())), (column, np.flatnonzero(inside))),
                                        shape=(P * self.count, P * N))
        self.precision = 1.0 / self.sd ** 2

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per product and event, the sum of ``values`` (P, N[, K]) over the event's rows: (P, E[, K])."""
        P, N = self.index.shape
        flat = values.reshape(P * N, -1)
        return np.asarray(self.matrix @ flat).reshape((P, self.count) + values.shape[2:])

    def gather(self, per_event: np.ndarray) -> np.ndarray:
        """Each row's value of ``per_event`` (P, E[, K]); zero outside promotions."""
        extra = (1,) * (per_event.ndim - 2)
        if not self.count:
            return np.zeros(self.index.shape + per_event.shape[2:])
        rows = np.take_along_axis(per_event, np.maximum(self.index, 0).reshape(self.index.shape + extra), axis=1)
        return np.where((self.index >= 0).reshape(self.index.shape + extra), rows, 0.0)


def _linear(X: np.ndarray, coef: np.ndarray) -> np.ndarray:
    return np.clip(np.matmul(X, coef[..., None])[..., 0], -MAX_ETA, MAX_ETA)


def _system(X: np.ndarray, weight: np.ndarray, prior: np.ndarray) -> np.ndarray:
    Xw = X * weight[..., None]
    A = np.matmul(Xw.transpose(0, 2, 1), X)
    A[:, np.arange(X.shape[2]), np.arange(X.shape[2])] += prior + JITTER
    return A


@dataclass
class _Step:
    """One Newton step's solution and its curvature (the event effects eliminated)."""

    coef: np.ndarray
    event: np.ndarray | None
    curvature: np.ndarray
    event_rows: np.ndarray | None = None  # (P, E, K): X'W summed per event
    event_information: np.ndarray | None = None  # (P, E): W summed per event + the prior precision


def _newton(X: np.ndarray, weight: np.ndarray, working: np.ndarray, prior: np.ndarray,
            events: Events | None) -> _Step:
    """The weighted least squares of one IRLS step; with events, their block eliminated (Schur complement)."""
    A = _system(X, weight, prior)
    b = np.matmul(X.transpose(0, 2, 1), (weight * working)[..., None])[..., 0]
    if events is None or events.count == 0:
        return _Step(np.linalg.solve(A, b[..., None])[..., 0], None, A)
    B = events.sums(X * weight[..., None])
    D = events.sums(weight) + events.precision
    c = events.sums(weight * working)
    S = A - np.einsum("pek,pe,pej->pkj", B, 1.0 / D, B)
    coef = np.linalg.solve(S, (b - np.einsum("pek,pe->pk", B, c / D))[..., None])[..., 0]
    event = (c - np.einsum("pek,pk->pe", B, coef)) / D
    return _Step(coef, event, S, B, D)


def _limited(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``new``, or a step toward it no longer than MAX_STEP in any coefficient."""
    step = new - old
    biggest = np.abs(step).max(axis=1, keepdims=True) if step.shape[1] else np.zeros((len(step), 1))
    return old + np.where(biggest > MAX_STEP, step * MAX_STEP / np.maximum(biggest, 1e-12), step)


def irls(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, family: str = "poisson",
         events: Events | None = None, max_iter: int = 60, tol: float = 1e-7) -> tuple[_Step, np.ndarray, np.ndarray]:
    """Penalised IRLS for a log-link count model; returns (last step, alpha, converged).

    ``family="negbin"`` re-estimates each product's dispersion alpha (variance = mu + alpha mu^2)
    at every step from the third on; ``"poisson"`` keeps it at zero.
    """
    P, _, K = X.shape
    alpha, weight_mask = np.zeros(P), mask.astype(np.float64)
    coef = np.zeros((P, K))
    mean = (y * weight_mask).sum(1) / np.maximum(weight_mask.sum(1), 1)
    coef[:, 0] = np.log(np.maximum(mean, 1e-3))
    event = np.zeros((P, events.count)) if events is not None else None
    converged = np.zeros(P, dtype=bool)
    for iteration in range(max_iter):
        eta = np.clip(_linear(X, coef) + (events.gather(event) if events is not None else 0.0), -MAX_ETA, MAX_ETA)
        mu = np.exp(eta)
        if family == "negbin" and iteration >= NEGBIN_FROM:
            alpha = dispersion(y, mu, mask)
        step = _newton(X, mu / (1 + alpha[:, None] * mu) * weight_mask, eta + (y - mu) / mu, prior, events)
        new = _limited(step.coef, coef)
        change = np.abs(new - coef).max(axis=1)
        if event is not None and event.shape[1]:
            step.event = _limited(step.event, event)
            change = np.maximum(change, np.abs(step.event - event).max(axis=1))
            event = step.event
        coef = new
        converged = change < tol * (1 + np.abs(coef).max(axis=1))
        if converged.all() and (family != "negbin" or iteration > NEGBIN_FROM):
            break
    step.coef = coef
    return step, alpha, converged


def dispersion(y: np.ndarray, mu: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Moment estimate of the negative binomial alpha per product (0 when there is no over-dispersion)."""
    m = mask.astype(np.float64)
    excess = (((y - mu) ** 2 - y) * m).sum(1)
    return np.maximum(excess / np.maximum((mu ** 2 * m).sum(1), 1e-12), 0.0)


def fit_counts(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, week: np.ndarray,
               family: str = "poisson", errors: str = "model", events: Events | None = None) -> GlmFit:
    """Fit a Poisson (``family='poisson'``) or negative binomial (``'negbin'``) model per product,
    with a random effect per promotion event when ``events`` is given."""
    step, alpha, converged = irls(X, y, mask, prior, family, events)
    coef = step.coef
    eta = _linear(X, coef) + (events.gather(step.event) if events is not None and events.count else 0.0)
    mu = np.exp(np.clip(eta, -MAX_ETA, MAX_ETA))
    weight_mask = mask.astype(np.float64)
    final = _newton(X, mu / (1 + alpha[:, None] * mu) * weight_mask, eta, prior, events)
    inverse = np.linalg.inv(final.curvature)
    dof = np.maximum(weight_mask.sum(1) - X.shape[2], 1.0)
    scale = (((y - mu) ** 2 / (mu * (1 + alpha[:, None] * mu))) * weight_mask).sum(1) / dof
    if errors == "robust":
        design = X if final.event_rows is None else X - events.gather(final.event_rows / final.event_information[..., None])
        cov = _clustered(design, (y - mu) / (1 + alpha[:, None] * mu) * weight_mask, week, inverse)
    else:
        cov = inverse * np.maximum(scale, 1.0)[:, None, None] if family == "poisson" else inverse * scale[:, None, None]
    return GlmFit(coef, cov, alpha, scale, converged, final.curvature, step.event, final.event_information)


def event_spread(effect: np.ndarray, information: np.ndarray, sd: float) -> float:
    """The shop's spread of promotion-event effects (sd, log scale), by maximum likelihood.

    ``effect`` / ``information`` (events,): the shrunk effects of a fit with prior sd ``sd`` and
    their information (data + prior). Each event's own estimate is the effect un-shrunk,
    ``effect x information / (information - prior)``, with variance ``1 / (information - prior)``;
    those vary around zero by the spread sought plus their own noise.
    """
    data = information - 1.0 / sd ** 2
    keep = data > 1e-6
    if keep.sum() < 3:
        return sd
    own, variance = effect[keep] * information[keep] / data[keep], 1.0 / data[keep]

    def minus_log_likelihood(log_sd: float) -> float:
        total = np.exp(2 * log_sd) + variance
        return float(np.sum(np.log(total) + own ** 2 / total))

    best = optimize.minimize_scalar(minus_log_likelihood, bounds=(np.log(1e-3), np.log(3.0)), method="bounded")
    return float(np.exp(best.x))


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
