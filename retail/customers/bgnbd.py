"""BG/NBD repeat buying and Gamma-Gamma spend per purchase, written from the papers with scipy.

* Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
  Pareto/NBD model", Marketing Science 24(2): while active, a customer buys at rate
  ``lambda ~ Gamma(r, alpha)``; after each purchase they drop out with probability
  ``p ~ Beta(a, b)``. Equations (6) (likelihood), (10) (expected purchases in the next ``t``)
  and (13) (probability of still being active) are implemented below.
* Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": the values of a
  customer's repeat purchases are Gamma(p, nu) around their own mean, ``nu ~ Gamma(q, gamma)``;
  the expected value of a customer's next purchase is equation (5).

A customer is summarised by ``x`` (repeat purchases: purchase days after the first),
``t_x`` (time from the first to the last purchase) and ``T`` (time from the first purchase to
the as-of date), in days here. Parameters are fitted by maximum likelihood with L-BFGS-B on
their logarithms (so they stay positive); identical summaries are fitted once with a weight.

Checked against the published CDNOW estimates (2,357 customers, 39 weeks, in weeks):
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; Gamma-Gamma
p = 6.25, q = 3.74, gamma = 15.44 (see ``tests/test_customers_bgnbd.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special

# The optimiser works on log-parameters; this keeps exp() finite when a fit wanders off.
_LOG_BOUNDS = (-12.0, 12.0)


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters (``alpha`` is in the time unit of the data, days here)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")

    def as_tuple(self) -> tuple[float, float, float, float]:
        return self.r, self.alpha, self.a, self.b


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters of the spend per purchase."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")

    @property
    def population_mean(self) -> float:
        """The expected value of a purchase of a customer we know nothing about (needs q > 1)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("nan")


def bgnbd_log_likelihood(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                         T: np.ndarray) -> np.ndarray:
    """The log-likelihood of each customer's ``(x, t_x, T)`` (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    shared = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
              + special.betaln(a, b + x) - special.betaln(a, b))
    still_active = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # Dropped out right after the last purchase: only possible after a repeat purchase.
    dropped = np.full_like(x, -np.inf)
    dropped[repeat] = (np.log(a) - np.log(b + x[repeat] - 1.0)
                       - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
    return shared + np.logaddexp(still_active, dropped)


def _unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how many times each occurs (the fit's weights)."""
    stacked = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(np.float64)


def _minimise(objective, start: np.ndarray) -> np.ndarray:
    result = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[_LOG_BOUNDS] * len(start))
    return np.exp(result.x)


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, penalizer: float = 0.0) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters.

    Parameters
    ----------
    x, t_x, T : repeat purchases, time of the last purchase and length of observation per customer.
    penalizer : weight of an L2 penalty on the log-parameters (0: the paper's plain maximum likelihood).
    """
    (ux, ut, uT), weights = _unique_rows(x, t_x, T)
    if len(ux) == 0 or weights.sum() < 2:
        raise ValueError("The repeat-purchase model needs at least two customers with a purchase history.")
    scale = float(np.mean(uT)) or 1.0  # fit in units of the mean observation time: well conditioned
    total = weights.sum()

    def objective(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        ll = bgnbd_log_likelihood((r, alpha, a, b), ux, ut / scale, uT / scale)
        return -float(weights @ ll) / total + penalizer * float(log_params @ log_params)

    r, alpha, a, b = _minimise(objective, np.zeros(4))
    params = (r, alpha * scale, a, b)
    ll = float(weights @ bgnbd_log_likelihood(params, ux, ut, uT))
    return BGNBDParams(*params, log_likelihood=ll)


def _log_active_odds(params: BGNBDParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): the odds of having dropped out (x > 0)."""
    r, alpha, a, b = params.as_tuple()
    odds = np.full_like(x, -np.inf, dtype=np.float64)
    repeat = x > 0
    odds[repeat] = (np.log(a) - np.log(b + x[repeat] - 1.0)
                    + (r + x[repeat]) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
    return odds


def probability_alive(params: BGNBDParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still a customer at ``T``) (eq. 13); 1 for customers who bought only once."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return special.expit(-_log_active_odds(params, x, t_x, T))


def expected_purchases(params: BGNBDParams, t: float, x: np.ndarray, t_x: np.ndarray,
                       T: np.ndarray) -> np.ndarray:
    """Expected purchases in the next ``t`` (eq. 10), computed as P(alive) x E[purchases | alive].

    Given alive, the rate is Gamma(r + x, alpha + T) and the dropout probability Beta(a, b + x),
    independent; a customer with rate lambda and dropout p makes (1 - exp(-lambda p t)) / p
    purchases on average. Averaging over the rate gives a closed form in p, and the average over
    p is a Gauss-Jacobi quadrature. This equals eq. (10) (whose Gauss hypergeometric function is
    numerically fragile for customers with hundreds of purchases) and is stable for every x.
    """
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    r, alpha, a, b = params.as_tuple()
    alive = probability_alive(params, x, t_x, T)
    given_alive = np.empty_like(x)
    for value in np.unique(x):  # the Beta(a, b + x) weights depend on x only
        rows = x == value
        nodes, weights = _beta_quadrature(a, b + value)
        shape = r + value
        ratio = np.log(alpha + T[rows])[:, None] - np.log(alpha + T[rows][:, None] + nodes[None, :] * t)
        per_p = -np.expm1(shape * ratio) / nodes[None, :]
        given_alive[rows] = per_p @ weights
    return alive * given_alive


def _beta_quadrature(a: float, b: float, points: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in (0, 1) and weights summing to 1 for averages over p ~ Beta(a, b).

    Gauss-Jacobi by Golub-Welsch (eigen-decomposition of the Jacobi matrix), with the weights
    normalised from the eigenvectors: scipy's ``roots_jacobi`` scales them by a constant that
    overflows when ``b`` is in the thousands (a customer with many purchases, a near-degenerate fit).
    """
    # Weight (1 - u)^al (1 + u)^be on [-1, 1] with p = (1 + u) / 2: al = b - 1, be = a - 1.
    al, be = b - 1.0, a - 1.0
    k = np.arange(points, dtype=np.float64)
    s = 2.0 * k + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = np.where(s * (s + 2.0) != 0, (be * be - al * al) / (s * (s + 2.0)), (be - al) / (al + be + 2.0))
        k1, s1 = k[1:], s[1:]
        off = 4.0 * k1 * (k1 + al) * (k1 + be) * (k1 + al + be) / (s1 * s1 * (s1 + 1.0) * (s1 - 1.0))
    # k = 1 with al + be = -1 is 0/0 above; its limit cancels the (k + al + be) / (s - 1) factor.
    off[0] = 4.0 * (1.0 + al) * (1.0 + be) / ((2.0 + al + be) ** 2 * (3.0 + al + be))
    nodes, vectors = linalg.eigh_tridiagonal(diagonal, np.sqrt(np.clip(off, 0.0, None)))
    weights = vectors[0] ** 2
    return np.clip((1.0 + nodes) / 2.0, 0.0, 1.0), weights / weights.sum()


def expected_purchases_closed_form(params: BGNBDParams, t: float, x: np.ndarray, t_x: np.ndarray,
                                   T: np.ndarray) -> np.ndarray:
    """Eq. (10) as printed, with scipy's hyp2f1 (for tests against :func:`expected_purchases`)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    r, alpha, a, b = params.as_tuple()
    z = t / (alpha + T + t)
    hyper = special.hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    numerator = (a + b + x - 1.0) / (a - 1.0) * (1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyper)
    return numerator / (1.0 + np.exp(_log_active_odds(params, x, t_x, T)))


def gamma_gamma_log_likelihood(params: tuple[float, float, float], purchases: np.ndarray,
                               mean_value: np.ndarray) -> np.ndarray:
    """Log-likelihood of each customer's mean purchase value given ``purchases`` > 0 (FH 2013, eq. 3)."""
    p, q, gamma = params
    n = np.asarray(purchases, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)
    return (special.gammaln(p * n + q) - special.gammaln(p * n) - special.gammaln(q) + q * np.log(gamma)
            + (p * n - 1.0) * np.log(m) + p * n * np.log(n) - (p * n + q) * np.log(gamma + n * m))


def fit_gamma_gamma(purchases: np.ndarray, mean_value: np.ndarray, penalizer: float = 0.0) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from customers with repeat purchases of positive value."""
    n = np.asarray(purchases, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)
    keep = (n > 0) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        raise ValueError("The spend model needs at least two customers with repeat purchases of positive value.")
    n, m = n[keep], m[keep]
    scale = float(np.mean(m))  # values in units of their mean: well conditioned

    def objective(log_params: np.ndarray) -> float:
        ll = gamma_gamma_log_likelihood(tuple(np.exp(log_params)), n, m / scale)
        return -float(ll.mean()) + penalizer * float(log_params @ log_params)

    p, q, gamma = _minimise(objective, np.array([0.0, np.log(2.0), 0.0]))
    params = (p, q, gamma * scale)
    return GammaGammaParams(*params, log_likelihood=float(gamma_gamma_log_likelihood(params, n, m).sum()))


def expected_purchase_value(params: GammaGammaParams, purchases: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """E[value of a purchase | history] (FH 2013, eq. 5): a weighted mean of the population's and
    the customer's own average; the population mean for customers without repeat purchases."""
    n = np.asarray(purchases, dtype=np.float64)
    m = np.nan_to_num(np.asarray(mean_value, dtype=np.float64), nan=0.0)
    own = (n > 0) & (m > 0)
    p, q, gamma = params.p, params.q, params.gamma
    out = np.full_like(n, params.population_mean)
    out[own] = p * (gamma + n[own] * m[own]) / (p * n[own] + q - 1.0)
    return out
