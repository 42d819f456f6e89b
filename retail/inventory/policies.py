"""Order-up-to levels S per item and review: the spreadsheet rule and the forecast quantile.

A policy is built from its registry entry (:data:`retail.inventory.registry.POLICIES`) and
asked for the levels of a batch of targets at once: ``levels(history, reviews, terms,
targets)`` returns S for every (target row, item, review). The level of a review on day t
reads only demand before t, so a replay of those days cannot have been seen by the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from retail.inventory.demand import DemandHistory
from retail.inventory.registry import CYCLE, SPREADSHEET_DAYS
from retail.inventory.terms import Terms
from retail.progress import Progress, quiet


@dataclass(frozen=True)
class Reviews:
    """Review days per item: ``first`` day (index into the history) and ``count`` reviews, ``review`` apart."""

    first: np.ndarray
    count: np.ndarray

    def days(self, review: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(items, max reviews)`` review days and the mask of the real ones."""
        k = np.arange(max(int(self.count.max(initial=0)), 1))
        return self.first[:, None] + k[None, :] * review[:, None], k[None, :] < self.count[:, None]


@dataclass
class Levels:
    """What a policy decided: S per (target row, item, review) and the demand range behind it.

    ``forecast`` is the expected demand over the protection period; ``low`` / ``high`` its 80%
    range; ``quantile`` the probability level S stands at (ours: chosen by replay; the
    spreadsheet: the normal distribution's). Arrays without a target axis are ``(items, reviews)``.
    """

    order_up_to: np.ndarray
    forecast: np.ndarray
    low: np.ndarray
    high: np.ndarray
    quantile: np.ndarray


class OrderPolicy:
    """Base of the ordering policies: the terms every policy takes (see ``TERMS`` in the registry)."""

    def __init__(self, service_level: float = 0.95, service_measure: str = CYCLE, review_days: int = 7,
                 lead_days: int = 7, lead_days_sd: float = 0.0, pack_size: int = 1, min_order: int = 0):
        self.service_level = service_level
        self.service_measure = service_measure
        self.review_days = review_days
        self.lead_days = lead_days
        self.lead_days_sd = lead_days_sd
        self.pack_size = pack_size
        self.min_order = min_order

    def levels(self, history: DemandHistory, reviews: Reviews, terms: Terms, targets: np.ndarray,
               progress: Progress = quiet) -> Levels:  # pragma: no cover - abstract
        raise NotImplementedError


def normal_loss_inverse(loss: np.ndarray) -> np.ndarray:
    """z with ``E[max(Z - z, 0)] = loss`` for a standard normal Z (the fill-rate safety factor)."""
    z = np.linspace(-5.0, 8.0, 2601)
    expected_short = norm.pdf(z) - z * norm.sf(z)  # decreasing in z
    return np.interp(loss, expected_short[::-1], z[::-1])


class SpreadsheetPolicy(OrderPolicy):
    """S = mean x (review + lead) + z x sd, with sd = sqrt(P x daily sd^2 + mean^2 x lead sd^2).

    Cycle service: z = the normal quantile of the target. Fill rate: z such that the normal
    expected shortage per cycle is (1 - target) x the demand of one review period.
    """

    def __init__(self, sample_days: int = SPREADSHEET_DAYS, **terms):
        super().__init__(**terms)
        self.sample_days = sample_days

    def levels(self, history: DemandHistory, reviews: Reviews, terms: Terms, targets: np.ndarray,
               progress: Progress = quiet) -> Levels:
        days, _ = reviews.days(terms.review)
        mean, sd = history.window_stats(days, self.sample_days)
        cover = terms.protection[:, None].astype(float)
        spread = np.sqrt(cover * sd * sd + (mean * terms.lead_sd[:, None]) ** 2)
        expected = mean * cover
        targets = np.asarray(targets, dtype=float)[:, :, None]
        if terms.measure == CYCLE:
            z = np.broadcast_to(norm.ppf(targets), (targets.shape[0], *days.shape))
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                loss = (1.0 - targets) * mean * terms.review[:, None] / spread
            z = np.where(spread > 0, normal_loss_inverse(np.nan_to_num(loss, nan=0.0, posinf=10.0)), 0.0)
        order_up_to = np.ceil(np.maximum(expected + z * spread, 0.0) - 1e-9)
        progress(1.0, "spreadsheet levels")
        return Levels(order_up_to, expected, np.maximum(expected - 1.2816 * spread, 0.0),
                      expected + 1.2816 * spread, norm.cdf(z))
