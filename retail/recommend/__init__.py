"""Recommendations per customer: interactions, similarity, recommenders and evaluation.

Typical use::

    from retail.recommend import build_interactions, make_recommender
    data = build_interactions(frame)
    model = make_recommender("item-knn").fit(data)
    model.recommend("17850", n=10)         # rank, product_id, product_name, score, reasons
    model.recommend("17850", n=10, k=20)   # another setting for this call: re-ranks, no refit

What algorithms exist is declared in :mod:`retail.recommend.registry`. Names are imported
on first use (PEP 562), so ``import retail.recommend.registry`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Recommender": "base", "Content": "content", "Hybrid": "hybrid",
    "Interactions": "interactions", "InteractionSettings": "interactions", "build_interactions": "interactions",
    "ItemKNN": "knn", "UserKNN": "knn", "BuyAgain": "popular", "Popularity": "popular", "Trending": "popular",
    "RECOMMENDERS": "registry", "make_recommender": "registry",
    "SimilaritySettings": "similarity", "pairwise_similarity": "similarity",
    "EASE": "ease", "NextBasket": "sequence", "BoughtTogether": "rules",
    "Baskets": "baskets",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'retail.recommend' has no attribute {name!r}")
    return getattr(importlib.import_module(f"retail.recommend.{_EXPORTS[name]}"), name)
