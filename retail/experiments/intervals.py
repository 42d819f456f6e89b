"""Intervals for the difference a campaign made: two proportions (a rate with the offer against
the control group's) and the difference of two means by bootstrap (spend per customer).

Spend uses the bias-corrected and accelerated (BCa) bootstrap. The two-proportion interval is
Newcombe's hybrid score interval (1998, method 10: Wilson intervals of both rates combined, from
statsmodels' ``confint_proportions_2indep``), which keeps its coverage for rare outcomes and small
groups where the textbook Wald interval falls short; a test checks it against the paper's table.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

METHODS = {"newcombe": "newcomb", "wald": "wald"}  # ours -> statsmodels' name


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"The interval level must be between 0 and 1; got {level}.")
    return float(stats.norm.ppf(0.5 + level / 2.0))


def two_proportion_interval(count1: float, total1: float, count0: float, total0: float, level: float = 0.95,
                            method: str = "newcombe") -> tuple[float, float, float]:
    """The difference ``count1 / total1 - count0 / total0`` and its interval at ``level``.

    Parameters
    ----------
    count1, total1 : successes and size of the group with the offer.
    count0, total0 : the same of the control group.
    method : ``"newcombe"`` (hybrid score, the default) or ``"wald"``.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown interval method {method!r}; choose one of {', '.join(METHODS)}.")
    _z(level)
    if total1 <= 0 or total0 <= 0:
        return float("nan"), float("nan"), float("nan")
    low, high = confint_proportions_2indep(count1, total1, count0, total0, method=METHODS[method], compare="diff",
                                           alpha=1.0 - level)
    return float(count1 / total1 - count0 / total0), float(low), float(high)


def two_proportion_pvalue(count1: float, total1: float, count0: float, total0: float) -> float:
    """Two-sided p-value of the pooled two-proportion z test (no difference between the groups)."""
    if total1 <= 0 or total0 <= 0:
        return float("nan")
    if count1 + count0 in (0, total1 + total0):  # everyone or no one responded: no difference to test
        return 1.0
    return float(proportions_ztest([count1, count0], [total1, total0])[1])


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``resamples`` bootstrap samples of ``values``.

    Spend is zero for most customers, so only the draws that land on a non-zero value are
    simulated: their number is binomial, and which non-zero values they hit is uniform. The
    resampled sums have exactly the distribution of the plain bootstrap's, at a fraction of the work.
    """
    n = len(values)
    spent = values[values != 0]
    if len(spent) == 0:
        return np.zeros(resamples)
    hits = rng.binomial(n, len(spent) / n, size=resamples)
    drawn = spent[rng.integers(0, len(spent), size=int(hits.sum()))]
    sums = np.bincount(np.repeat(np.arange(resamples), hits), weights=drawn, minlength=resamples)
    return sums / n


def _acceleration(treated: np.ndarray, control: np.ndarray) -> float:
    """BCa's acceleration of a difference of means, from its exact empirical influence values
    (what the jackknife approximates): ``(x - mean) / n`` per treated customer, minus that per control."""
    influence = np.concatenate([(treated - treated.mean()) / len(treated), -(control - control.mean()) / len(control)])
    spread = np.sum(influence**2)
    return float(np.sum(influence**3) / (6.0 * spread**1.5)) if spread > 0 else 0.0


def bootstrap_difference(treated: np.ndarray, control: np.ndarray, level: float = 0.95, resamples: int = 2000,
                         seed: int = 0) -> tuple[float, float, float]:
    """``mean(treated) - mean(control)`` and its bias-corrected and accelerated (BCa) bootstrap interval
    (Efron 1987; the groups resampled apart). Spend is skewed (most customers spend nothing, a few a
    lot), where the plain percentile interval covers too rarely; BCa corrects for that skew."""
    treated, control = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if len(treated) == 0 or len(control) == 0:
        return float("nan"), float("nan"), float("nan")
    z = _z(level)
    rng = np.random.default_rng(seed)
    observed = float(treated.mean() - control.mean())
    differences = _resampled_means(treated, resamples, rng) - _resampled_means(control, resamples, rng)
    below = (np.sum(differences < observed) + 0.5 * np.sum(differences == observed)) / resamples
    if not 0.0 < below < 1.0:  # every resample on one side (no spend at all, say): nothing to correct
        return observed, float(differences.min()), float(differences.max())
    bias, accel = float(stats.norm.ppf(below)), _acceleration(treated, control)
    tails = [stats.norm.cdf(bias + (bias + q) / (1.0 - accel * (bias + q))) for q in (-z, z)]
    low, high = np.quantile(differences, tails)
    return observed, float(low), float(high)
