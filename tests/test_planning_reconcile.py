"""Reconciliation methods: the same numbers as Nixtla's hierarchicalforecast (a test-only dependency),
the closed form of MinT, coherence, and the cents that add up exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hierarchicalforecast.methods import BottomUp as NixtlaBottomUp
from hierarchicalforecast.methods import MinTrace as NixtlaMinTrace
from hierarchicalforecast.methods import TopDown as NixtlaTopDown
from hierarchicalforecast.utils import _shrunk_covariance_schaferstrimmer_no_nans
from scipy import sparse
from sklearn.exceptions import NotFittedError

from retail.planning.reconcile import BottomUp, MinTrace, Summing, TopDown, shrunk_covariance, to_cents
from retail.planning.registry import RECONCILERS


def grouped(products: int = 2, stores: int = 3) -> np.ndarray:
    """Summing matrix of products x stores: total, stores, products, then the bottom series."""
    bottom = products * stores
    rows = [np.ones(bottom)]
    rows += [np.array([float(j % stores == s) for j in range(bottom)]) for s in range(stores)]
    rows += [np.array([float(j // stores == p) for j in range(bottom)]) for p in range(products)]
    return np.vstack([*rows, np.eye(bottom)])


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    s = grouped()
    history = s @ rng.gamma(5, 10, size=(s.shape[1], 40))
    fitted = history + rng.normal(0, 4, size=history.shape) * np.sqrt(s.sum(axis=1))[:, None]
    base = s @ rng.gamma(5, 10, size=(s.shape[1], 6)) + rng.normal(0, 3, size=(s.shape[0], 6))
    return s, history, fitted, base


def test_mint_shrink_matches_hierarchicalforecast(data):
    s, history, fitted, base = data
    ours = MinTrace(bias=False, floor=0.0).fit(Summing(sparse.csr_matrix(s)), history, history - fitted)
    theirs = NixtlaMinTrace(method="mint_shrink").fit_predict(S=s, y_hat=base, y_insample=history,
                                                              y_hat_insample=fitted)["mean"]
    np.testing.assert_allclose(ours.reconcile(base), theirs, rtol=1e-9, atol=1e-9)


def test_shrunk_covariance_matches_hierarchicalforecast(data):
    _, history, fitted, _ = data
    np.testing.assert_allclose(shrunk_covariance(history - fitted),
                               _shrunk_covariance_schaferstrimmer_no_nans(history - fitted, 2e-8), rtol=1e-6)


def test_bottom_up_matches_hierarchicalforecast(data):
    s, _, _, base = data
    ours = BottomUp().fit(Summing(sparse.csr_matrix(s))).reconcile(base)
    np.testing.assert_allclose(ours, NixtlaBottomUp().fit_predict(S=s, y_hat=base)["mean"])


def test_top_down_matches_hierarchicalforecast_proportion_averages():
    rng = np.random.default_rng(3)
    s = np.vstack([np.ones(4), np.eye(4)])  # Nixtla's top-down takes strict hierarchies only
    history = s @ rng.gamma(4, 10, size=(4, 30))
    base = rng.gamma(4, 40, size=(5, 3))
    tags = {"total": np.array([0]), "total/store": np.arange(1, 5)}
    theirs = NixtlaTopDown(method="proportion_averages").fit_predict(S=s, y_hat=base, y_insample=history,
                                                                     tags=tags)["mean"]
    ours = TopDown().fit(Summing(sparse.csr_matrix(s)), history).reconcile(base)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("settings", [{"bias": True, "floor": 0.2}, {"bias": False, "floor": 0.5},
                                      {"bias": True, "floor": 0.0}])
def test_mint_is_the_generalised_least_squares_projection(data, settings):
    """Brute force: b = (S' W^-1 S)^-1 S' W^-1 y with the method's own W, for every setting."""
    s, history, fitted, base = data
    model = MinTrace(**settings).fit(Summing(sparse.csr_matrix(s)), history, history - fitted)
    inverse = np.linalg.inv(model.covariance_)
    expected = np.linalg.solve(s.T @ inverse @ s, s.T @ inverse @ base)
    np.testing.assert_allclose(model.bottom(base), expected, rtol=1e-7, atol=1e-7)


def test_bias_in_the_errors_makes_a_biased_level_count_less(data):
    s, history, fitted, _ = data
    summing = Summing(sparse.csr_matrix(s))
    residuals = history - fitted
    residuals[6:] += 30.0  # the bottom series all forecast 30 too low
    spread = MinTrace(bias=False, floor=0.0).fit(summing, history, residuals).covariance_
    around_zero = MinTrace(bias=True, floor=0.0).fit(summing, history, residuals).covariance_
    assert (np.diag(around_zero)[6:] > np.diag(spread)[6:] + 800).all()
    np.testing.assert_allclose(np.diag(around_zero), (residuals**2).mean(axis=1))  # mean squared errors


def test_floor_keeps_a_series_that_never_missed_from_taking_all_the_weight(data):
    s, history, fitted, _ = data
    residuals = history - fitted
    residuals[6] = 0.0
    model = MinTrace(bias=True, floor=0.2).fit(Summing(sparse.csr_matrix(s)), history, residuals)
    assert model.covariance_[6, 6] == pytest.approx((0.2 * history[6].mean()) ** 2)


@pytest.mark.parametrize("name", RECONCILERS.names)
def test_every_method_adds_up_and_never_goes_below_zero(data, name):
    s, history, fitted, base = data
    base = base.copy()
    base[0] *= 3.0  # the total disagrees with its parts
    base[-1] = -50.0  # a negative bottom forecast
    out = RECONCILERS.get(name).build().fit(Summing(sparse.csr_matrix(s)), history, history - fitted).reconcile(base)
    np.testing.assert_allclose(out, s @ out[-s.shape[1]:])
    assert (out >= 0).all()


def test_cents_add_up_exactly():
    rng = np.random.default_rng(0)
    s = grouped(3, 4)
    bottom = rng.uniform(0, 1000, size=(12, 5))
    out = to_cents(Summing(sparse.csr_matrix(s)), bottom)
    cents = np.rint(out * 100).astype(np.int64)
    np.testing.assert_array_equal(cents[0], cents[1:5].sum(axis=0))  # stores add up to the total
    np.testing.assert_array_equal(cents[5:8].sum(axis=0), cents[0])  # so do the products
    np.testing.assert_array_equal(cents[-12:], np.rint(bottom * 100))


def test_errors_say_what_to_do(data):
    s, history, _, base = data
    summing = Summing(sparse.csr_matrix(s))
    with pytest.raises(NotFittedError, match="call fit"):
        MinTrace().bottom(base)
    with pytest.raises(ValueError, match="backtest errors"):
        MinTrace().fit(summing, history, None)
    with pytest.raises(ValueError, match="sales history"):
        TopDown().fit(summing, None)
    with pytest.raises(ValueError, match="has 12"):
        BottomUp().fit(summing).bottom(base[:5])
    with pytest.raises(ValueError, match="identity"):
        Summing(sparse.csr_matrix(np.ones((3, 2))))
    with pytest.raises(ValueError, match="two backtest periods"):
        shrunk_covariance(np.ones((3, 1)))
