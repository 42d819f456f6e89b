"""Sequence-aware recommendations: what customers buy in the order *after* one holding a product.

Transitions are counted over every pair of one customer's consecutive baskets (orders):
``T[i, j]`` = pairs whose earlier basket holds ``i`` and whose next basket holds ``j``
(``i == j`` counts too: customers coming back for the same product). They are
cosine-normalised, ``T[i, j] / sqrt(n_i m_j)`` with ``n_i`` the earlier baskets holding
``i`` and ``m_j`` the next baskets holding ``j``, so best sellers do not follow everything.
A customer's scores are the transitions from their last few baskets, the most recent
weighing most.

:class:`NextBasket` ranks by transitions alone; :class:`BuyAgainThenNext` lists the
customer's own products first (buy-again order) and fills the rest with transitions.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.baskets import Baskets
from retail.recommend.interactions import Interactions
from retail.recommend.popular import BuyAgain


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

    name = "next-basket"

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
                               f"{int(self.popularity_[item]):,} customers")
                continue
            source = self.product_name(recent.indices[best])
            times = int(counts[best, col])
            again = "came back for it" if recent.indices[best] == item else "came back for this"
            reasons.append(f"customers who bought {source} {again} in their next order "
                           f"({times:,} time{'s' if times != 1 else ''})")
        return reasons


class BuyAgainThenNext(Recommender):
    """The customer's own products first (by frequency and recency), then next-order transitions.

    Parameters
    ----------
    half_life_days
        Buy-again's recency half-life.
    last_baskets, recency
        As for :class:`NextBasket`.
    """

    name = "buy-again-next"
    default_exclude_purchased = False

    def __init__(self, half_life_days: float = 60.0, last_baskets: int = 5, recency: float = 1.0) -> None:
        self.half_life_days = half_life_days
        self.last_baskets = last_baskets
        self.recency = recency

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        self._again = BuyAgain(half_life_days=settings["half_life_days"]).fit(interactions)
        self._next = NextBasket(last_baskets=settings["last_baskets"], recency=settings["recency"]).fit(interactions)

    def _parts(self, settings: Settings) -> tuple[dict, dict]:
        again = {"half_life_days": settings["half_life_days"]}
        return again, {"last_baskets": settings["last_baskets"], "recency": settings["recency"]}

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        again, following = self._parts(settings)
        own = self._again._scores(users, again)
        nxt = self._next._scores(users, following)
        # own products score in (1, 2], the others in [0, 1): a strict "buy again, then next" order
        own_scale = np.max(own, axis=1, keepdims=True)
        next_scale = np.max(np.abs(nxt), axis=1, keepdims=True)
        own = np.divide(own, own_scale, out=np.zeros_like(own), where=own_scale > 0)
        nxt = np.divide(nxt, next_scale, out=np.zeros_like(nxt), where=next_scale > 0)
        return np.where(own > 0, 1.0 + own, 0.999 * nxt)

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        again, following = self._parts(settings)
        bought = user_rows(self.binary_, np.array([user])).toarray()[0, items] > 0
        reasons = np.empty(len(items), dtype=object)
        if bought.any():
            reasons[bought] = self._again._reasons(user, items[bought], again)
        if (~bought).any():
            reasons[~bought] = self._next._reasons(user, items[~bought], following)
        return list(reasons)
