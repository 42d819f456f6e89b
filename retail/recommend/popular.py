"""Non-personal and own-history recommenders: popularity, trending, buy-again."""

from __future__ import annotations

import numpy as np

from retail.formatting import count
from retail.recommend.base import Recommender, Settings, user_rows


class Popularity(Recommender):
    """Products with the most distinct buyers over the training period."""

    name = "popularity"

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

    name = "trending"

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


class BuyAgain(Recommender):
    """The customer's own products ranked by purchase frequency with a recency decay.

    ``score = orders * 0.5 ** (days_since_last / half_life_days)``; products never bought
    score 0 (so they follow in popularity order). Repurchases are the point, so
    ``exclude_purchased`` defaults to False.

    Parameters
    ----------
    half_life_days
        Days after which a purchase counts half (default 60).
    """

    name = "buy-again"
    default_exclude_purchased = False

    def __init__(self, half_life_days: float = 60.0) -> None:
        self.half_life_days = half_life_days

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        interactions = self._check_fitted()
        counts = user_rows(interactions.counts, users)
        age = user_rows(interactions.age_days, users)
        counts.data = counts.data * 0.5 ** ((age.data - 1.0) / settings["half_life_days"])
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
