"""Algorithm names used on the command line, in JSON and in the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retail.recommend.base import Recommender
from retail.recommend.content import Content
from retail.recommend.hybrid import Hybrid
from retail.recommend.knn import ItemKNN, UserKNN
from retail.recommend.popular import BuyAgain, Popularity, Trending

ALGORITHMS: dict[str, Callable[..., Recommender]] = {
    "popularity": Popularity,
    "trending": Trending,
    "buy-again": BuyAgain,
    "item-knn": ItemKNN,
    "user-knn": UserKNN,
    "content": Content,
    "hybrid": Hybrid,
}

DESCRIPTIONS: dict[str, str] = {
    "popularity": "Best sellers (distinct buyers). The baseline every algorithm must beat.",
    "trending": "Best sellers of the last weeks: strong before seasonal peaks.",
    "buy-again": "The customer's own products by frequency and recency: best when repeat purchases count.",
    "item-knn": "Products bought together with the customer's products: best for discovering new products.",
    "user-knn": "What the most similar customers bought.",
    "content": "Products described like the customer's products; also finds products nobody bought yet.",
    "hybrid": "A weighted blend of item-kNN, user-kNN, trending, content and buy-again.",
}


def make_recommender(name: str, **params: Any) -> Recommender:
    """A new, unfitted recommender of algorithm ``name`` with the given settings."""
    if name not in ALGORITHMS:
        raise ValueError(f"Unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}.")
    return ALGORITHMS[name](**params)
