"""BG/NBD and Gamma-Gamma against brute-force integrals and the published CDNOW estimates.

The CDNOW summary (``tests/data/public/cdnow_summary.csv``: 2,357 customers of the CDNOW cohort,
39-week calibration period, in weeks; x, t_x, T and the mean value of repeat purchases, as Bruce
Hardie publishes it and the `lifetimes` package ships it) must give the published estimates: Fader,
Hardie & Lee (2005) r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; Fader &
Hardie (2013) p = 6.25, q = 3.74, gamma = 15.44.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from retail.customers import bgnbd
from retail.customers.bgnbd import BGNBDParams, GammaGammaParams
from tests.conftest import ROOT

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


def cdnow_summary() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "data" / "public" / "cdnow_summary.csv")


def test_fit_gives_the_published_cdnow_estimates():
    summary = cdnow_summary()
    assert len(summary) == CDNOW_CUSTOMERS and (summary["x"] == 0).sum() == CDNOW_NO_REPEAT
    fitted = bgnbd.fit_bgnbd(summary["x"].to_numpy(float), summary["t_x"].to_numpy(), summary["T"].to_numpy())
    assert [round(value, 3) for value in (fitted.r, fitted.alpha, fitted.a, fitted.b)] == [0.243, 4.414, 0.793, 2.426]
    assert round(fitted.log_likelihood, 1) == -9582.4


def test_gamma_gamma_likelihood_equals_the_integral():
    p, q, gamma = CDNOW_SPEND.p, CDNOW_SPEND.q, CDNOW_SPEND.gamma
    n, mean = 3.0, 21.5

    def density(nu: float) -> float:  # the mean of n Gamma(p, nu) values is Gamma(p n, n nu)
        return stats.gamma.pdf(mean, p * n, scale=1 / (n * nu)) * stats.gamma.pdf(nu, q, scale=1 / gamma)

    value, _ = integrate.quad(density, 0, 50, epsabs=1e-14, limit=200)
    closed = bgnbd.gamma_gamma_log_likelihood((p, q, gamma), np.array([n]), np.array([mean]))[0]
    assert closed == pytest.approx(np.log(value), abs=1e-6)


def test_gamma_gamma_gives_the_published_cdnow_estimates():
    repeat = cdnow_summary().query("x > 0")
    fitted = bgnbd.fit_gamma_gamma(repeat["x"].to_numpy(float), repeat["zbar"].to_numpy())
    assert [round(fitted.p, 2), round(fitted.q, 2)] == [CDNOW_SPEND.p, CDNOW_SPEND.q]
    assert fitted.gamma == pytest.approx(CDNOW_SPEND.gamma, abs=0.01)
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
