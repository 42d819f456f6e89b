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
BASKET_RULES = "basket-rules"  # tag: the algorithm behind "bought in the same basket" (association rules)
MEASURE_LABELS = {"cosine": "cosine", "pearson": "Pearson correlation", "jaccard": "Jaccard (shared buyers)"}


def _neighbour_params(similarity: str, shrinkage: float, entity: str) -> tuple[Param, ...]:
    return (
        Param("similarity", "Similarity", similarity, f"How alike two {entity} are: cosine of their purchase "
              "vectors, Pearson correlation, or Jaccard (share of buyers in common).", kind=str,
              choices=tuple(MEASURE_LABELS), choice_labels=MEASURE_LABELS),
        Param("k", "Neighbours k", 50, f"How many of the most similar {entity} are consulted.", kind=int,
              minimum=1, ui_range=(1, 200)),
        Param("shrinkage", "Caution with few shared buyers", shrinkage, "Distrust similarities resting on few "
              "shared buyers (shrinkage): "
              "similarity x n / (n + shrinkage), n = buyers in common.", minimum=0.0, ui_range=(0.0, 100.0),
              step=1.0),
        Param("min_overlap", "Minimum co-buyers", 1, "Ignore pairs with fewer buyers in common.", kind=int,
              minimum=1, ui_range=(1, 10)),
    )


def _sequence_params(last_baskets: int, recency: float) -> tuple[Param, ...]:
    return (
        Param("last_baskets", "Latest orders followed", last_baskets, "How many of the customer's latest orders "
              "are followed to what customers bought in their next order.", kind=int, minimum=1, ui_range=(1, 20)),
        Param("recency", "Weight of older orders", recency, "How much each older order counts next to the one "
              "after it (1: all the same; 0.5: half as much).", minimum=0.0, maximum=1.0, step=0.05),
    )


PROTOCOLS: dict[str, str] = {
    "discovery": "only products new to the customer count (what they already bought is not shown)",
    "all": "every product bought in the test window counts, repeat purchases included",
}
METRIC_LABELS: dict[str, str] = {  # plain words first; the method's name stays for those who know it
    "precision": "suggestions bought (precision@K)", "recall": "purchases foreseen (recall@K)",
    "ndcg": "ranking quality (NDCG@K)", "map": "early hits (MAP@K)", "hit_rate": "customers with a hit (hit rate@K)",
    "coverage": "catalogue coverage",
}

# Chosen by benchmarks/bench_recommend_defaults.py: the best mean precision@10 over popularity's on
# four 30-day windows of Online Retail imported as the app imports it (ties: the better worst
# window); the fifth, later window was only reported. Count-weighted cosine, the old default, came
# 42nd of 48 (2.11x against 2.32x): Jaccard does not let a few bulk buyers dominate a product.
ITEM_KNN_DEFAULTS: tuple[str, float] = ("jaccard", 50.0)

# Chosen on Online Retail's validation windows by benchmarks/bench_recommend.py (see the README).
EASE_DEFAULTS: tuple[str, float] = ("binary", 300.0)
# Chosen by benchmarks/bench_recommend_blend.py on five earlier windows of both protocols (issue 26): NDCG@10
# +3.4% over every purchase alike (0), ahead of 60 and 240 days.
EASE_HALF_LIFE = 120.0
# Chosen by benchmarks/bench_recommend_blend.py on five 30-day windows before the test window (issue 26):
# recency half-life (days) and weight of the products' repeat rate (60 days and 0 before).
BUY_AGAIN_DEFAULTS: tuple[float, float] = (240.0, 1.0)
NEXT_BASKET_DEFAULTS: tuple[int, float] = (5, 1.0)  # best of 9 on both protocols (the older 3, 0.5: last)
RULES_MIN_SUPPORT = 20

# One blend for both protocols, chosen on Online Retail's five 30-day windows before the test window, both
# protocols, by benchmarks/bench_recommend_blend.py (issue 26; coordinate ascent from issue 15's blend, which
# had buy again 1, EASE 0.25, customer kNN 0); buy-again only acts when purchases are shown.
HYBRID_WEIGHTS: dict[str, float] = {"item-knn": 0.0, "user-knn": 0.1, "trending": 0.25, "content": 0.25,
                                    "buy-again": 2.0, "ease": 0.5, "next-basket": 0.0, "rules": 0.0}

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
             Param("half_life_days", "Recency half-life (days)", BUY_AGAIN_DEFAULTS[0], "After this many days a "
                   "purchase counts half as much.", minimum=1.0, ui_range=(7.0, 365.0), step=1.0),
             Param("repeat_weight", "Weight of the repeat rate", BUY_AGAIN_DEFAULTS[1], "How much a product's "
                   "repeat rate (share of its buyers who bought it again) counts: 0 treats every product alike.",
                   minimum=0.0, maximum=4.0, ui_range=(0.0, 2.0), step=0.25),
         )),
    Spec("item-knn", "item-based kNN",
         "Products bought together with the customer's products: best for discovering new products.",
         "retail.recommend.knn:ItemKNN", params=_neighbour_params(*ITEM_KNN_DEFAULTS, "products"),
         tags=frozenset({NEIGHBOURHOOD, SIMILAR_ITEMS})),
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
    Spec("ease", "learned product weights (EASE)",
         "Learns from all customers at once how much each product bought points to each other product "
         "(a linear autoencoder): the strongest single algorithm for discovering new products.",
         "retail.recommend.ease:EASE", params=(
             Param("input", "Purchases as", EASE_DEFAULTS[0], "Bought or not treats every buyer alike; number of "
                   "orders lets regular re-orders weigh more.", kind=str, choices=("binary", "count"),
                   choice_labels={"binary": "bought or not", "count": "number of orders"}),
             Param("l2", "Regularisation", EASE_DEFAULTS[1], "Larger values trust only pairs of products that many "
                   "customers share (steadier); smaller values follow rarer pairs.", minimum=0.1,
                   ui_range=(1.0, 2000.0), step=1.0),
             Param("half_life_days", "Recency half-life (days)", EASE_HALF_LIFE, "A product the customer last bought "
                   "this many days ago counts half as much as one bought just now (0: all alike).", minimum=0.0,
                   ui_range=(0.0, 365.0), step=1.0),
         )),
    Spec("next-basket", "next order",
         "What customers bought in the order after one holding the customer's latest products "
         "(purchase sequences).",
         "retail.recommend.sequence:NextBasket", params=_sequence_params(*NEXT_BASKET_DEFAULTS)),
    Spec("rules", "bought together (basket rules)",
         "Products often in the same basket as the customer's latest basket (association rules: support, "
         "confidence, lift).",
         "retail.recommend.rules:BoughtTogether", params=(
             Param("min_support", "Minimum baskets together", RULES_MIN_SUPPORT, "A pair of products makes a rule "
                   "only when bought together in at least this many baskets (its support).", kind=int, minimum=1,
                   ui_range=(1, 200)),
         ), tags=frozenset({BASKET_RULES})),
    Spec("hybrid", "hybrid", "A weighted blend of the other algorithms' scores (the weights were chosen on "
         "earlier months of a real shop; 0 leaves an algorithm out).",
         "retail.recommend.hybrid:Hybrid", params=(
             Param("weights", "Weights", HYBRID_WEIGHTS, "How much each algorithm counts in the blend "
                   "(0 leaves it out).", kind=dict, minimum=0.0, ui_range=(0.0, 2.0), step=0.25),
         ), tags=frozenset({DEFAULT})),
])


def make_recommender(name: str, **params: Any):
    """A new, unfitted recommender of algorithm ``name`` with the given default settings."""
    return RECOMMENDERS.get(name).build(**params)
