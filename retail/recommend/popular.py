"""Non-personal and own-history recommenders: popularity, trending, buy-again."""

from __future__ import annotations

import numpy as np

from retail.formatting import count
from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.interactions import Interactions


class Popularity(Recommender):
    """Products with the most distinct buyers over the training period."""

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        return np.tile(self.popularity_, (len(users), 1))

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        return [f"popular: bought by {count(int(self.popularity_[i]), 'customer')}" for i in items]


class Trending(Recommender):
    """Products with the most distinct buyers in the last ``window_days`` of the training data.

    Parameters
    ----------
    window_days
        Length of the recent window in days (default 30).
    """

    def __init__(self, window_days: int = 30) -> None:
        self.window_days = window_days

    def recent_buyers(self, window_days: int | None = None) -> np.ndarray:
        """Distinct customers whose last purchase of each product falls in the window."""
        age = self._check_fitted().age_days  # stored as days + 1
        recent = age.data <= self.settings(**({} if window_days is None else {"window_days": window_days}))[
            "window_days"]
        return np.bincount(age.indices[recent], minlength=age.shape[1]).astype(np.float64)

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        return np.tile(self.recent_buyers(settings["window_days"]), (len(users), 1))

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        recent = self.recent_buyers(settings["window_days"])
        return [f"{count(int(recent[i]), 'buyer')} in the last {settings['window_days']} days "
                f"({int(self.popularity_[i]):,} in all)" for i in items]


REPEAT_PRIOR = (0.3, 1.0)  # a product's repeat rate starts from 0.3, worth one buyer (smooths rare products)


class BuyAgain(Recommender):
    """The customer's own products ranked by purchase frequency, recency and how often the product is re-bought.

    ``score = orders * 0.5 ** (days_since_last / half_life_days) * repeat_rate ** repeat_weight``, where a
    product's repeat rate is the share of its buyers who bought it in more than one order (smoothed
    towards 0.3): a customer's tea towels come back, their one-off Christmas tree does not. Products never
    bought score 0 (so they follow in popularity order). Repurchases are the point, so ``exclude_purchased``
    defaults to False.

    Parameters
    ----------
    half_life_days
        Days after which a purchase counts half.
    repeat_weight
        Exponent of the product's repeat rate (0: every product alike).
    """

    default_exclude_purchased = False
    discovers = False

    def __init__(self, half_life_days: float = 240.0, repeat_weight: float = 1.0) -> None:
        self.half_life_days = half_life_days
        self.repeat_weight = repeat_weight

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        counts = interactions.counts
        repeaters = np.bincount(counts.indices[counts.data > 1], minlength=counts.shape[1])
        self.repeat_rate_ = (repeaters + REPEAT_PRIOR[0] * REPEAT_PRIOR[1]) / (self.popularity_ + REPEAT_PRIOR[1])

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        interactions = self._check_fitted()
        counts = user_rows(interactions.counts, users)
        age = user_rows(interactions.age_days, users)
        counts.data = counts.data * 0.5 ** ((age.data - 1.0) / settings["half_life_days"])
        if settings["repeat_weight"] > 0:
            counts.data = counts.data * self.repeat_rate_[counts.indices] ** settings["repeat_weight"]
        return counts.toarray()

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        interactions = self._check_fitted()
        counts = interactions.counts[user].toarray()[0]
        age = interactions.age_days[user].toarray()[0]
        reasons = []
        for i in items:
            if counts[i] > 0:
                when = (interactions.reference_date - np.timedelta64(int(age[i] - 1), "D")).strftime("%Y-%m-%d")
                times = "once" if counts[i] == 1 else f"{int(counts[i])} times"
                reasons.append(f"you bought it {times}, last on {when}")
            else:
                reasons.append(f"not bought before; popular with {count(int(self.popularity_[i]), 'customer')}")
        return reasons
