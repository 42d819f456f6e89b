"""Sequence-aware recommendations: what customers buy in the order *after* one holding a product.

Transitions are counted over every pair of one customer's consecutive baskets (orders):
``T[i, j]`` = pairs whose earlier basket holds ``i`` and whose next basket holds ``j``
(``i == j`` counts too: customers coming back for the same product). They are
cosine-normalised, ``T[i, j] / sqrt(n_i m_j)`` with ``n_i`` the earlier baskets holding
``i`` and ``m_j`` the next baskets holding ``j``, so best sellers do not follow everything.
A customer's scores are the transitions from their last few baskets, the most recent
weighing most.

A "buy again, then next order" list (the customer's own products first, transitions after
them) was measured and dropped: on Online Retail it scored the same as buy-again alone to the
third decimal on every window (customers' own products fill the ten places), see the README's
"Learning models" benchmark.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from retail.formatting import count
from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.baskets import Baskets
from retail.recommend.interactions import Interactions


def transition_counts(baskets: Baskets) -> sp.csr_matrix:
    """Products x products: consecutive basket pairs from a basket holding ``i`` to one holding ``j``."""
    earlier, later = baskets.consecutive_pairs()
    return sp.csr_matrix(baskets.matrix[earlier].T @ baskets.matrix[later])


def cosine_transitions(counts: sp.csr_matrix, baskets: Baskets) -> sp.csr_matrix:
    """``counts[i, j] / sqrt(n_i m_j)`` (see the module docstring)."""
    earlier, later = baskets.consecutive_pairs()
    out_degree = np.asarray(baskets.matrix[earlier].sum(axis=0)).ravel()
    in_degree = np.asarray(baskets.matrix[later].sum(axis=0)).ravel()
    scale = lambda d: sp.diags(np.divide(1.0, np.sqrt(d), out=np.zeros(len(d)), where=d > 0))  # noqa: E731
    return sp.csr_matrix(scale(out_degree) @ counts @ scale(in_degree))


def recent_baskets(baskets: Baskets, n_customers: int, last: int, decay: float) -> sp.csr_matrix:
    """Customers x products: the products of each customer's ``last`` baskets, the latest
    weighing 1, the one before ``decay``, then ``decay**2`` ...; a product in several of
    them adds up."""
    rows = np.arange(baskets.named)
    owner = baskets.customer[: baskets.named]
    age = baskets.customer_indptr[owner + 1] - 1 - rows  # 0 = the customer's latest basket
    keep = age < last
    weights = sp.csr_matrix((decay ** age[keep].astype(np.float64), (owner[keep], rows[keep])),
                            shape=(n_customers, baskets.n_baskets))
    return sp.csr_matrix(weights @ baskets.matrix)


class NextBasket(Recommender):
    """What customers bought in their next order after buying what this customer bought lately.

    Parameters
    ----------
    last_baskets
        How many of the customer's latest orders are followed.
    recency
        Weight of each older order relative to the next newer one (1: all equal).
    """

    def __init__(self, last_baskets: int = 5, recency: float = 1.0) -> None:
        self.last_baskets = last_baskets
        self.recency = recency

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        baskets = interactions.baskets
        if baskets is None:
            raise ValueError("Next-order recommendations need the purchases as baskets: build the interactions "
                             "with retail.recommend.build_interactions(frame).")
        self.transition_counts_ = transition_counts(baskets)
        self.transitions_ = cosine_transitions(self.transition_counts_, baskets)
        self._recent(settings)

    def _recent(self, settings: Settings) -> sp.csr_matrix:
        last, decay = int(settings["last_baskets"]), float(settings["recency"])
        return self._derived.get(("recent", last, decay), lambda: recent_baskets(
            self.interactions_.baskets, self.binary_.shape[0], last, decay))

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        return (user_rows(self._recent(settings), users) @ self.transitions_).toarray()

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        recent = self._recent(settings)[user]
        contributions = recent.data[:, None] * self.transitions_[recent.indices][:, items].toarray()
        counts = self.transition_counts_[recent.indices][:, items].toarray()
        reasons = []
        for col, item in enumerate(items):
            best = int(np.argmax(contributions[:, col])) if len(recent.indices) else 0
            if not len(recent.indices) or contributions[best, col] <= 0:
                reasons.append(f"no next-order link to your latest orders; popular with "
                               f"{count(int(self.popularity_[item]), 'customer')}")
                continue
            source = self.product_name(recent.indices[best])
            times = int(counts[best, col])
            again = "came back for it" if recent.indices[best] == item else "came back for this"
            reasons.append(f"customers who bought {source} {again} in their next order "
                           f"({times:,} time{'s' if times != 1 else ''})")
        return reasons
