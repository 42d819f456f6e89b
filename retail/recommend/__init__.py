"""Recommendations per customer: interactions, similarity, recommenders and evaluation.

Typical use::

    from retail.recommend import build_interactions, make_recommender
    data = build_interactions(frame)
    model = make_recommender("item-knn", k=50).fit(data)
    model.recommend("17850", n=10)          # rank, product_id, product_name, score, reasons
    model.set_params(k=20).recommend("17850")  # re-ranks, no refit
"""

from retail.recommend.base import NotFittedError, Recommender
from retail.recommend.content import Content
from retail.recommend.hybrid import Hybrid
from retail.recommend.interactions import Interactions, InteractionSettings, build_interactions
from retail.recommend.knn import ItemKNN, UserKNN
from retail.recommend.popular import BuyAgain, Popularity, Trending
from retail.recommend.registry import ALGORITHMS, DESCRIPTIONS, make_recommender
from retail.recommend.similarity import SimilaritySettings, pairwise_similarity

__all__ = [
    "ALGORITHMS", "DESCRIPTIONS", "BuyAgain", "Content", "Hybrid", "InteractionSettings", "Interactions",
    "ItemKNN", "NotFittedError", "Popularity", "Recommender", "SimilaritySettings", "Trending", "UserKNN",
    "build_interactions", "make_recommender", "pairwise_similarity",
]
