"""BG/NBD and Gamma-Gamma against brute-force integrals and the published CDNOW estimates.

The CDNOW estimates (Fader, Hardie & Lee 2005: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, in
weeks; Fader & Hardie 2013: p = 6.25, q = 3.74, gamma = 15.44) are checked on a cohort built from the
paper's published description of the data: 2,357 customers whose first purchase falls in the first
12 weeks of a 39-week calibration period (so T runs from 27 to 39 weeks), drawn from the published
model - four times over, so the estimates are tight - whose share of customers without a repeat
purchase matches the paper's histogram (1,411 of 2,357). On the real CDNOW summary this code
returns r = 0.2426, alpha = 4.4136, a = 0.7929, b = 2.4256, log-likelihood -9582.43.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from retail.customers import bgnbd
from retail.customers.bgnbd import BGNBDParams, GammaGammaParams

CDNOW = BGNBDParams(0.243, 4.414, 0.793, 2.426)
CDNOW_SPEND = GammaGammaParams(6.25, 3.74, 15.44)
CDNOW_CUSTOMERS, CDNOW_NO_REPEAT = 2357, 1411


def _prior(params: BGNBDParams):
    """The mixing density g(lambda) f(p), in plain math (scipy.stats is too slow inside dblquad)."""
    r, alpha, a, b = params.as_tuple()
    log_norm = r * math.log(alpha) - math.lgamma(r) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    return lambda lam, p: math.exp(log_norm + (r - 1) * math.log(lam) - alpha * lam
                                   + (a - 1) * math.log(p) + (b - 1) * math.log1p(-p))


def _integral(function) -> float:
    value, _ = integrate.dblquad(function, 1e-12, 1 - 1e-12, 1e-12, 15, epsabs=1e-12, epsrel=1e-8)
    return value


def brute_force_likelihood(params: BGNBDParams, x: int, t_x: float, T: float) -> float:
    """The individual likelihood (FHL eq. 3) integrated over lambda ~ Gamma(r, alpha), p ~ Beta(a, b)."""
    prior = _prior(params)

    def individual(lam: float, p: float) -> float:
        alive = (1 - p) ** x * lam ** x * math.exp(-lam * T)
        dropped = p * (1 - p) ** (x - 1) * lam ** x * math.exp(-lam * t_x) if x > 0 else 0.0
        return (alive + dropped) * prior(lam, p)

    return _integral(individual)


def brute_force_expectation(params: BGNBDParams, t: float, x: int, t_x: float, T: float) -> float:
    """E[purchases in (T, T + t]] from the posterior of (lambda, p), by numerical integration: alive with
    weight (1 - p)^x lambda^x exp(-lambda T), then (1 - exp(-lambda p t)) / p purchases on average."""
    prior = _prior(params)

    def future(lam: float, p: float) -> float:
        return (1 - p) ** x * lam ** x * math.exp(-lam * T) * -math.expm1(-lam * p * t) / p * prior(lam, p)

    return _integral(future) / brute_force_likelihood(params, x, t_x, T)


CASES = [(0, 0.0, 10.0), (1, 2.0, 10.0), (3, 7.5, 12.0), (6, 11.0, 12.0), (2, 1.0, 30.0)]
SMOOTH = BGNBDParams(0.8, 5.0, 1.4, 2.2)  # a > 1: the Beta density is bounded, quadrature is exact enough


@pytest.mark.parametrize(("x", "t_x", "T"), CASES)
def test_log_likelihood_equals_the_integral(x, t_x, T):
    closed = bgnbd.bgnbd_log_likelihood(SMOOTH.as_tuple(), np.array([x]), np.array([t_x]), np.array([T]))[0]
    assert closed == pytest.approx(np.log(brute_force_likelihood(SMOOTH, x, t_x, T)), abs=1e-6)


@pytest.mark.parametrize(("x", "t_x", "T"), CASES)
def test_expected_purchases_equal_the_integral_and_eq_10(x, t_x, T):
    args = (SMOOTH, 8.0, np.array([float(x)]), np.array([t_x]), np.array([T]))
    expected = brute_force_expectation(SMOOTH, 8.0, x, t_x, T)
    assert bgnbd.expected_purchases(*args)[0] == pytest.approx(expected, rel=1e-5)
    assert bgnbd.expected_purchases_closed_form(*args)[0] == pytest.approx(expected, rel=1e-5)


def test_quadrature_matches_eq_10_on_cdnow_scale_parameters():
    x = np.array([0, 1, 2, 5, 10, 20, 40], dtype=float)
    t_x = np.minimum(x * 1.5, 30.0)
    T = np.full_like(x, 38.0)
    quadrature = bgnbd.expected_purchases(CDNOW, 39.0, x, t_x, T)
    assert quadrature == pytest.approx(bgnbd.expected_purchases_closed_form(CDNOW, 39.0, x, t_x, T), rel=1e-8)


def test_customers_with_hundreds_of_purchases_stay_finite():
    params = BGNBDParams(0.7, 65.0, 1e-5, 957.0)  # the near-degenerate fit Online Retail gives
    x = np.array([0.0, 50.0, 300.0, 1200.0])
    out = bgnbd.expected_purchases(params, 90.0, x, np.array([0.0, 200.0, 280.0, 283.0]), np.full(4, 283.0))
    assert np.isfinite(out).all() and (out >= 0).all() and out[-1] > out[1]


def test_probability_alive_is_one_without_repeat_purchases_and_falls_with_silence():
    x, T = np.array([0.0, 4.0, 4.0]), np.array([20.0, 20.0, 20.0])
    alive = bgnbd.probability_alive(CDNOW, x, np.array([0.0, 19.0, 2.0]), T)
    assert alive[0] == 1.0 and alive[1] > alive[2]


def simulate_cohort(params: BGNBDParams, customers: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, t_x, T of a CDNOW-like cohort: first purchases over 12 weeks, calibration ends at week 39."""
    rng = np.random.default_rng(seed)
    T = 39.0 - rng.uniform(0.0, 12.0, customers)
    lam = rng.gamma(params.r, 1.0 / params.alpha, customers)
    p = rng.beta(params.a, params.b, customers)
    x, t_x = np.zeros(customers), np.zeros(customers)
    now, active = np.zeros(customers), np.ones(customers, dtype=bool)
    while active.any():  # each round: the next purchase of everyone still buying and inside the window
        now[active] += rng.exponential(1.0, active.sum()) / lam[active]
        bought = active & (now <= T)
        x[bought] += 1
        t_x[bought] = now[bought]
        active = bought & (rng.random(customers) >= p)
    return x, t_x, T


def test_fit_recovers_the_published_cdnow_estimates():
    x, t_x, T = simulate_cohort(CDNOW, 4 * CDNOW_CUSTOMERS, seed=7)
    assert (x == 0).mean() == pytest.approx(CDNOW_NO_REPEAT / CDNOW_CUSTOMERS, abs=0.03)  # like the paper's data
    fitted = bgnbd.fit_bgnbd(x, t_x, T)
    assert fitted.r == pytest.approx(CDNOW.r, rel=0.15)
    assert fitted.alpha == pytest.approx(CDNOW.alpha, rel=0.2)
    assert fitted.a == pytest.approx(CDNOW.a, rel=0.35)
    assert fitted.b == pytest.approx(CDNOW.b, rel=0.35)
    published = bgnbd.bgnbd_log_likelihood(CDNOW.as_tuple(), x, t_x, T).sum()
    assert fitted.log_likelihood >= published  # the maximum is at least as good as the truth
    # the fit predicts the cohort's next 39 weeks as well as the true parameters do
    ours = bgnbd.expected_purchases(fitted, 39.0, x, t_x, T).sum()
    assert ours == pytest.approx(bgnbd.expected_purchases(CDNOW, 39.0, x, t_x, T).sum(), rel=0.05)


def test_gamma_gamma_likelihood_equals_the_integral():
    p, q, gamma = CDNOW_SPEND.p, CDNOW_SPEND.q, CDNOW_SPEND.gamma
    n, mean = 3.0, 21.5

    def density(nu: float) -> float:  # the mean of n Gamma(p, nu) values is Gamma(p n, n nu)
        return stats.gamma.pdf(mean, p * n, scale=1 / (n * nu)) * stats.gamma.pdf(nu, q, scale=1 / gamma)

    value, _ = integrate.quad(density, 0, 50, epsabs=1e-14, limit=200)
    closed = bgnbd.gamma_gamma_log_likelihood((p, q, gamma), np.array([n]), np.array([mean]))[0]
    assert closed == pytest.approx(np.log(value), abs=1e-6)


def test_gamma_gamma_recovers_the_published_cdnow_estimates():
    rng = np.random.default_rng(3)
    customers = 20_000
    n = rng.integers(1, 8, customers).astype(float)
    nu = rng.gamma(CDNOW_SPEND.q, 1 / CDNOW_SPEND.gamma, customers)
    mean = rng.gamma(CDNOW_SPEND.p * n, 1 / (nu * n))
    fitted = bgnbd.fit_gamma_gamma(n, mean)
    assert fitted.p == pytest.approx(CDNOW_SPEND.p, rel=0.1)
    assert fitted.q == pytest.approx(CDNOW_SPEND.q, rel=0.1)
    assert fitted.gamma == pytest.approx(CDNOW_SPEND.gamma, rel=0.15)
    value = bgnbd.expected_purchase_value(fitted, np.array([0.0, 5.0]), np.array([np.nan, 40.0]))
    assert value[0] == pytest.approx(fitted.population_mean)
    assert fitted.population_mean < value[1] < 40.0  # shrunk from the customer's own mean towards everyone's


def test_fits_say_what_is_missing():
    with pytest.raises(ValueError, match="at least two customers"):
        bgnbd.fit_bgnbd(np.array([1.0]), np.array([2.0]), np.array([5.0]))
    with pytest.raises(ValueError, match="repeat purchases of positive value"):
        bgnbd.fit_gamma_gamma(np.array([0.0, 1.0]), np.array([0.0, 3.0]))


def test_beta_quadrature_has_the_beta_moments():
    for a, b in [(0.79, 2.43), (2.0, 300.0), (1e-5, 957.0), (0.5, 5000.0)]:
        nodes, weights = bgnbd._beta_quadrature(a, b)
        assert weights.sum() == pytest.approx(1.0)
        assert nodes @ weights == pytest.approx(a / (a + b), rel=1e-9)
        assert (nodes ** 2) @ weights == pytest.approx(a * (a + 1) / ((a + b) * (a + b + 1)), rel=1e-7)
