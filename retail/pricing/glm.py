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

Each step is a true Newton step (observed information: with a large negative binomial dispersion
the usual Fisher scoring steps cycle), and a product that has settled leaves the batch, so a few
slow products no longer keep every other one iterating. A product still moving at :data:`MAX_ITER`
steps is reported as not settled (``converged``).

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
MAX_ITER = 60  # Newton steps at most; a product still moving then is reported as not settled


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

    def start(self) -> Start:
        """This fit's solution as the start of another fit of the same products (another prior)."""
        return Start(self.coef, self.event_effect, self.alpha)


@dataclass
class Events:
    """The promotion event of each row of a chunk: ``index`` (P, N), numbered 0.. within the
    product, -1 outside promotions; each event's effect has prior sd ``sd``."""

    index: np.ndarray
    sd: float
    width: int | None = None  # event slots per product (default: the most any product has)

    def __post_init__(self) -> None:
        P, N = self.index.shape
        self.count = self.width if self.width is not None else int(self.index.max()) + 1 if self.index.size else 0
        inside = (self.index >= 0).ravel()
        column = (np.repeat(np.arange(P), N) * self.count + self.index.ravel())[inside]
        self.matrix = sparse.csr_matrix((np.ones(int(inside.sum())), (column, np.flatnonzero(inside))),
                                        shape=(P * self.count, P * N))
        self.precision = 1.0 / self.sd ** 2

    def subset(self, rows: np.ndarray) -> Events:
        """The events of some products (``rows``: a mask or positions), with as many slots as before."""
        return Events(self.index[rows], self.sd, self.count)

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


def _newton_weights(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights and working residuals of a true Newton step (observed information) at dispersion ``alpha``.

    The expected information ``mu / (1 + alpha mu)`` (Fisher scoring) is what the covariance uses,
    but as a step it undershoots or overshoots where alpha is large: on the sample (wholesale orders,
    alpha 5-150) a sixth of the products cycled between two points until the iteration cap. The
    observed information ``mu (1 + alpha y) / (1 + alpha mu)^2`` (Poisson: ``mu``) has the same
    optimum and reaches it in about 11 steps.
    """
    a = alpha[:, None]
    weight = mu * (1 + a * y) / (1 + a * mu) ** 2
    return weight, (y - mu) / ((1 + a * mu) * np.maximum(weight, 1e-300))


@dataclass
class Start:
    """Where IRLS starts: coefficients (P, K), event effects (P, E) or None, dispersion (P,); e.g. a
    first pass's solution for a second pass with other priors."""

    coef: np.ndarray
    event: np.ndarray | None
    alpha: np.ndarray


@dataclass
class _Active:
    """The rows of the products still iterating (all of them at first): design, counts, priors, events."""

    X: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    prior: np.ndarray
    events: Events | None

    def keep(self, rows: np.ndarray) -> _Active:
        prior = self.prior[rows] if np.ndim(self.prior) == 2 else self.prior
        return _Active(self.X[rows], self.y[rows], self.mask[rows], prior,
                       None if self.events is None else self.events.subset(rows))


def _update(part: _Active, coef: np.ndarray, event: np.ndarray | None, alpha: np.ndarray,
            estimate_alpha: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """One Newton step of the products in ``part``: (coefficients, event effects, alpha, largest change)."""
    events = part.events
    eta = np.clip(_linear(part.X, coef) + (events.gather(event) if events is not None else 0.0), -MAX_ETA, MAX_ETA)
    mu = np.exp(eta)
    if estimate_alpha:
        alpha = dispersion(part.y, mu, part.mask)
    weight, residual = _newton_weights(part.y, mu, alpha)
    step = _newton(part.X, weight * part.mask, eta + residual, part.prior, events)
    new, new_event = _limited(step.coef, coef), event
    change = np.abs(new - coef).max(axis=1)
    if event is not None and event.shape[1]:
        new_event = _limited(step.event, event)
        change = np.maximum(change, np.abs(new_event - event).max(axis=1))
    return new, new_event, alpha, change


def _initial(y: np.ndarray, mask: np.ndarray, K: int) -> Start:
    """The usual start: every coefficient zero but the level (log of the mean), no event effect, Poisson."""
    coef = np.zeros((len(y), K))
    coef[:, 0] = np.log(np.maximum((y * mask).sum(1) / np.maximum(mask.sum(1), 1), 1e-3))
    return Start(coef, None, np.zeros(len(y)))


@dataclass
class IrlsResult:
    """Coefficients (P, K), event effects (P, E) or None, dispersion and whether each product settled (P,)."""

    coef: np.ndarray
    event: np.ndarray | None
    alpha: np.ndarray
    converged: np.ndarray


def irls(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, family: str = "poisson",
         events: Events | None = None, max_iter: int | None = None, tol: float = 1e-7, start: Start | None = None,
         active_set: bool = True) -> IrlsResult:
    """Penalised IRLS (Newton steps) for a log-link count model.

    ``family="negbin"`` re-estimates each product's dispersion alpha (variance = mu + alpha mu^2)
    at every step from the third on (from the first with a ``start``, which brings its alpha);
    ``"poisson"`` keeps it at zero. With ``active_set`` a product whose step fell below ``tol``
    is done and leaves the batch: later iterations solve only the products still moving (a few
    slow ones used to keep the whole batch iterating). ``active_set=False`` updates every product
    until all are done (the reference the active set is tested against).
    """
    mask = mask.astype(np.float64)
    negbin, settle_from = family == "negbin", NEGBIN_FROM + 1 if family == "negbin" and start is None else 0
    begin = start or _initial(y, mask, X.shape[2])
    coef, alpha = begin.coef.copy(), begin.alpha.copy() if negbin else np.zeros(len(X))
    event = None
    if events is not None:
        event = np.zeros((len(X), events.count)) if begin.event is None else begin.event.copy()
    rows, part = np.arange(len(X)), _Active(X, y, mask, prior, events)
    converged = np.zeros(len(X), dtype=bool)
    for iteration in range(max_iter or MAX_ITER):
        estimate_alpha = negbin and (iteration >= NEGBIN_FROM or start is not None)
        new, new_event, alpha[rows], change = _update(part, coef[rows], None if event is None else event[rows],
                                                      alpha[rows], estimate_alpha)
        coef[rows] = new
        if event is not None:
            event[rows] = new_event
        done = (change < tol * (1 + np.abs(new).max(axis=1))) & (iteration >= settle_from)
        converged[rows] = done
        if done.all():
            break
        if active_set and done.any():  # the settled products leave: later iterations cost what still moves
            rows, part = rows[~done], part.keep(~done)
    return IrlsResult(coef, event, alpha, converged)


def dispersion(y: np.ndarray, mu: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Moment estimate of the negative binomial alpha per product (0 when there is no over-dispersion)."""
    m = mask.astype(np.float64)
    excess = (((y - mu) ** 2 - y) * m).sum(1)
    return np.maximum(excess / np.maximum((mu ** 2 * m).sum(1), 1e-12), 0.0)


def fit_counts(X: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, week: np.ndarray,
               family: str = "poisson", errors: str = "model", events: Events | None = None,
               start: Start | None = None) -> GlmFit:
    """Fit a Poisson (``family='poisson'``) or negative binomial (``'negbin'``) model per product,
    with a random effect per promotion event when ``events`` is given, from ``start`` when given
    (a first pass's fit: :meth:`GlmFit.start`). ``converged`` says which products settled."""
    solved = irls(X, y, mask, prior, family, events, start=start)
    coef, alpha = solved.coef, solved.alpha
    eta = _linear(X, coef) + (events.gather(solved.event) if events is not None and events.count else 0.0)
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
    return GlmFit(coef, cov, alpha, scale, solved.converged, final.curvature, solved.event, final.event_information)


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
