"""How well a ranking finds the customers a campaign moves: the Qini curve and coefficient, and
the uplift among the top k%.

Both follow scikit-uplift (``sklift.metrics``), the library the issue's reference figures were
computed with: the Qini curve at each distinct score is ``treated responders - control responders
x treated / control`` among the customers ranked so far; the Qini coefficient is the area between
that curve and the straight line of random order, divided by the same area of the perfect ranking
(treated responders first, control responders last: ``qini_auc_score(negative_effect=True)``).
``uplift_at_k`` is sklift's ``strategy="overall"``: the response rate of the treated minus that of
the control customers among the top k% of all customers.
"""

from __future__ import annotations

import numpy as np


def _check(y: np.ndarray, score: np.ndarray, treatment: np.ndarray,
           yes_no: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, score, treatment = (np.asarray(a, dtype=float) for a in (y, score, treatment))
    if not len(y) == len(score) == len(treatment):
        raise ValueError(f"Outcome, score and treatment differ in length: {len(y)}, {len(score)}, {len(treatment)}.")
    if not np.isin(treatment, (0.0, 1.0)).all() or (yes_no and not np.isin(y, (0.0, 1.0)).all()):
        raise ValueError("The Qini measures need a yes / no outcome and a yes / no treatment (0 or 1).")
    return y, score, treatment


def qini_curve(y: np.ndarray, score: np.ndarray, treatment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customers ranked so far (0 first) and the Qini curve there; ties in ``score`` move together."""
    y, score, treatment = _check(y, score, treatment)
    order = np.argsort(score, kind="mergesort")[::-1]
    y, treatment, score = y[order], treatment[order], score[order]
    ends = np.r_[np.where(np.diff(score))[0], len(score) - 1]
    treated = np.cumsum(treatment)[ends]
    treated_responses = np.cumsum(y * treatment)[ends]
    control_responses = np.cumsum(y * (1 - treatment))[ends]
    ranked = ends + 1
    control = ranked - treated
    ratio = np.divide(treated, control, out=np.zeros_like(treated), where=control != 0)
    curve = treated_responses - control_responses * ratio
    return np.r_[0, ranked].astype(float), np.r_[0.0, curve]


def _area(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


def perfect_qini_curve(y: np.ndarray, treatment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Qini curve of the perfect ranking: treated responders first, control responders last."""
    y, treatment = np.asarray(y, dtype=float), np.asarray(treatment, dtype=float)
    return qini_curve(y, y * treatment - y * (1 - treatment), treatment)


def qini_coefficient(y: np.ndarray, score: np.ndarray, treatment: np.ndarray) -> float:
    """The area between the Qini curve and random order, as a share of the perfect ranking's."""
    x, curve = qini_curve(y, score, treatment)
    x_best, best = perfect_qini_curve(y, treatment)
    baseline = _area(np.array([0.0, x_best[-1]]), np.array([0.0, best[-1]]))
    perfect = _area(x_best, best) - baseline
    if perfect == 0:
        return float("nan")
    return (_area(x, curve) - baseline) / perfect


def uplift_at_k(y: np.ndarray, score: np.ndarray, treatment: np.ndarray, k: float = 0.3) -> float:
    """Response rate of the treated minus that of the control customers among the top ``k`` share."""
    y, score, treatment = _check(y, score, treatment)
    if not 0.0 < k <= 1.0:
        raise ValueError(f"k must be a share between 0 and 1; got {k}.")
    top = np.argsort(score, kind="mergesort")[::-1][: int(len(y) * k)]
    treated = treatment[top] == 1
    if treated.all() or not treated.any():
        return float("nan")
    return float(y[top][treated].mean() - y[top][~treated].mean())


def uplift_by_share(y: np.ndarray, score: np.ndarray, treatment: np.ndarray,
                    shares: np.ndarray) -> np.ndarray:
    """:func:`uplift_at_k` at every share of ``shares`` (one sort); ``y`` may be an amount (spend)."""
    y, score, treatment = _check(y, score, treatment, yes_no=False)
    order = np.argsort(score, kind="mergesort")[::-1]
    y, treatment = y[order], treatment[order]
    treated_n, control_n = np.cumsum(treatment), np.cumsum(1 - treatment)
    treated_y, control_y = np.cumsum(y * treatment), np.cumsum(y * (1 - treatment))
    at = np.maximum((np.asarray(shares) * len(y)).astype(int), 1) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return treated_y[at] / treated_n[at] - control_y[at] / control_n[at]
