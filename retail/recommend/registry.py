"""The recommender algorithms that exist, their labels and their parameters (declared once).

The command line's ``--algorithm`` choices and setting flags, the Recommendations page's
algorithm list and sliders, settings validation and the README's algorithm table are all
generated from :data:`RECOMMENDERS`. Adding an algorithm: a
:class:`~retail.recommend.base.Recommender` subclass and one :class:`Spec` here.
"""

from __future__ import annotations

from typing import Any

from retail.registry import Param, Registry, Spec

BASELINE = "baseline"  # tag: the algorithm every other one must beat
DEFAULT = "default"  # tag: the algorithm shown first
NEIGHBOURHOOD = "neighbourhood"  # tag: kNN algorithms (similarity, k, shrinkage)
SIMILAR_ITEMS = "similar-items"  # tag: the algorithm behind "customers who bought this also bought"
MEASURE_LABELS = {"cosine": "cosine", "pearson": "Pearson correlation", "jaccard": "Jaccard (shared buyers)"}


def _neighbour_params(similarity: str, shrinkage: float, entity: str) -> tuple[Param, ...]:
    return (
        Param("similarity", "Similarity", similarity, f"How alike two {entity} are: cosine of their purchase "
              "vectors, Pearson correlation, or Jaccard (share of buyers in common).", kind=str,
              choices=tuple(MEASURE_LABELS), choice_labels=MEASURE_LABELS),
        Param("k", "Neighbours k", 50, f"How many of the most similar {entity} are consulted.", kind=int,
              minimum=1, ui_range=(1, 200)),
        Param("shrinkage", "Shrinkage", shrinkage, "Distrust similarities resting on few shared buyers: "
              "similarity x n / (n + shrinkage), n = buyers in common.", minimum=0.0, ui_range=(0.0, 100.0),
              step=1.0),
        Param("min_overlap", "Minimum co-buyers", 1, "Ignore pairs with fewer buyers in common.", kind=int,
              minimum=1, ui_range=(1, 10)),
    )


PROTOCOLS: dict[str, str] = {
    "discovery": "only products new to the customer count (what they already bought is not shown)",
    "all": "every product bought in the test window counts, repeat purchases included",
}
METRIC_LABELS: dict[str, str] = {
    "precision": "precision@K", "recall": "recall@K", "ndcg": "NDCG@K", "map": "MAP@K",
    "hit_rate": "hit rate@K", "coverage": "catalogue coverage",
}

# Chosen by benchmarks/bench_recommend_defaults.py: the best mean precision@10 over popularity's on
# four 30-day windows of Online Retail imported as the app imports it (ties: the better worst
# window); the fifth, later window was only reported. Count-weighted cosine, the old default, came
# 42nd of 48 (2.11x against 2.32x): Jaccard does not let a few bulk buyers dominate a product.
ITEM_KNN_DEFAULTS: tuple[str, float] = ("jaccard", 50.0)

# Tuned on Online Retail's validation window (discovery); buy-again only acts when purchases are shown.
HYBRID_WEIGHTS: dict[str, float] = {"item-knn": 1.0, "user-knn": 0.0, "trending": 1.0, "content": 0.5,
                                    "buy-again": 1.0}

RECOMMENDERS = Registry("algorithm", [
    Spec("popularity", "popularity", "Best sellers (distinct buyers). The baseline every algorithm must beat.",
         "retail.recommend.popular:Popularity", tags=frozenset({BASELINE})),
    Spec("trending", "trending", "Best sellers of the last weeks: strong before seasonal peaks.",
         "retail.recommend.popular:Trending", params=(
             Param("window_days", "Recent window (days)", 30, "How far back counts as recent.", kind=int,
                   minimum=1, ui_range=(7, 120)),
         )),
    Spec("buy-again", "buy again",
         "The customer's own products by frequency and recency: best when repeat purchases count.",
         "retail.recommend.popular:BuyAgain", params=(
             Param("half_life_days", "Recency half-life (days)", 60.0, "After this many days a purchase counts "
                   "half as much.", minimum=1.0, ui_range=(7.0, 365.0), step=1.0),
         )),
    Spec("item-knn", "item-based kNN",
         "Products bought together with the customer's products: best for discovering new products.",
         "retail.recommend.knn:ItemKNN", params=_neighbour_params(*ITEM_KNN_DEFAULTS, "products"),
         tags=frozenset({NEIGHBOURHOOD, DEFAULT, SIMILAR_ITEMS})),
    Spec("user-knn", "customer-based kNN", "What the most similar customers bought.",
         "retail.recommend.knn:UserKNN", params=_neighbour_params("cosine", 0.0, "customers"),
         tags=frozenset({NEIGHBOURHOOD})),
    Spec("content", "content-based",
         "Products described like the customer's products; also finds products nobody bought yet.",
         "retail.recommend.content:Content", params=(
             Param("text_model", "Text model", "tfidf", "Word weights (TF-IDF) match shared words; topics "
                   "(LDA) match related words.", kind=str, choices=("tfidf", "lda"),
                   choice_labels={"tfidf": "word weights (TF-IDF)", "lda": "topics (LDA)"}),
             Param("n_topics", "Topics", 30, "Topics of the LDA text model.", kind=int, minimum=2,
                   ui_range=(5, 100)),
         )),
    Spec("hybrid", "hybrid", "A weighted blend of item-kNN, customer-kNN, trending, content and buy-again.",
         "retail.recommend.hybrid:Hybrid", params=(
             Param("weights", "Weights", HYBRID_WEIGHTS, "How much each algorithm counts in the blend "
                   "(0 leaves it out).", kind=dict, minimum=0.0, ui_range=(0.0, 2.0), step=0.25),
         )),
])


def make_recommender(name: str, **params: Any):
    """A new, unfitted recommender of algorithm ``name`` with the given default settings."""
    return RECOMMENDERS.get(name).build(**params)
