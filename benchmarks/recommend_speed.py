"""Speed checks of the recommendation benchmark: similarity, re-ranking, EASE's fit, basket rules."""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.data import schema  # noqa: E402
from retail.recommend import ItemKNN, build_interactions  # noqa: E402
from retail.recommend.ease import EASE  # noqa: E402
from retail.recommend.rules import BoughtTogether, count_pairs  # noqa: E402
from retail.recommend.similarity import SimilarityIndex  # noqa: E402

BAKERY = ROOT.parent / "shared" / "data" / "bakery_baskets" / "bread_basket.csv"


def rerank(frame: pd.DataFrame) -> None:
    data = build_interactions(frame)
    start = time.perf_counter()
    SimilarityIndex(data.matrix.T, "cosine").rows(np.arange(data.shape[1]))
    build = time.perf_counter() - start
    model = ItemKNN().fit(data)
    customer = data.customer_ids[np.argmax(np.diff(data.matrix.indptr))]  # the longest history
    timings = {}
    for label, params in (("k 50->20", {"k": 20}), ("k 20->100", {"k": 100}), ("shrinkage 10->50", {"shrinkage": 50.0}),
                          ("min overlap 1->2", {"min_overlap": 2}), ("exclude purchased off", {})):
        start = time.perf_counter()
        model.recommend(customer, n=10, exclude_purchased=not params, **params)
        timings[label] = time.perf_counter() - start
    print(f"\nfull item-item cosine similarity ({data.shape[1]:,} products, {data.shape[0]:,} customers): "
          f"{build:.2f} s")
    print(f"re-rank one customer ({len(data.history(data.customer_position(customer)))} products in history), "
          "no refit: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))


def hybrid_rerank(frame: pd.DataFrame) -> None:
    """The list the Recommendations page opens on: the hybrid's fit, then weight changes for the heaviest customer."""
    from retail.recommend import make_recommender

    data = build_interactions(frame)
    start = time.perf_counter()
    model = make_recommender("hybrid").fit(data)
    fit = time.perf_counter() - start
    customer = data.customer_ids[np.argmax(np.diff(data.matrix.indptr))]
    weights = model.get_params()["weights"]
    timings = {}
    for label, change in (("default weights", {}), ("trending to 1", {"trending": 1.0}),
                          ("EASE to 1", {"ease": 1.0}), ("item-kNN 0->0.5 (fitted on first use)", {"item-knn": 0.5}),
                          ("item-kNN 0.5->1", {"item-knn": 1.0})):
        start = time.perf_counter()
        model.recommend(customer, n=10, weights=weights | change)
        timings[label] = time.perf_counter() - start
    print(f"\nhybrid (the list the page opens on): fit {fit:.2f} s; re-rank the heaviest customer: "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))


def ease_fit(frame: pd.DataFrame) -> None:
    data = build_interactions(frame)
    timings = []
    for _ in range(3):
        tracemalloc.start()
        start = time.perf_counter()
        model = EASE().fit(data)
        timings.append(time.perf_counter() - start)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    start = time.perf_counter()
    model.recommend(data.customer_ids[0], n=10, l2=500.0)
    change = time.perf_counter() - start
    print(f"EASE fit on {data.shape[1]:,} products: {min(timings):.2f} s (best of 3; {max(timings):.2f} s worst), "
          f"peak {peak / 1e6:.0f} MB traced; a regularisation change re-ranks one customer in {change:.2f} s")


def groceries_sized(seed: int = 0) -> pd.DataFrame:
    """Baskets shaped like the Groceries data set: 9,835 baskets, 169 products, 4.4 products each."""
    rng = np.random.default_rng(seed)
    sizes = rng.geometric(1 / 4.4, size=9835)
    weights = 1.0 / np.arange(1, 170) ** 0.9
    products = rng.choice(169, size=sizes.sum(), p=weights / weights.sum())
    n = len(products)
    frame = schema.empty_canonical_frame().reindex(range(n))
    frame[schema.PRODUCT_ID] = [f"g{p}" for p in products]
    frame[schema.ORDER_ID] = np.repeat(np.arange(len(sizes)), sizes).astype(str)
    frame[schema.DATE] = pd.Timestamp("2024-01-01")
    frame[schema.QUANTITY] = 1.0
    frame[schema.LINE_TYPE] = schema.SALE
    return frame


def rules(frame: pd.DataFrame) -> None:
    from retail.data.ingest import as_plain_objects, load_data

    sets = {"Online Retail invoices": frame, "Groceries-sized synthetic": groceries_sized()}
    if BAKERY.exists():
        sets["The Bread Basket (bakery)"] = as_plain_objects(load_data(str(BAKERY)).frame)
    print("\n| basket rules | baskets | products | count pairs (min support 2) | every product's rules |")
    print("|---|---:|---:|---:|---:|")
    for label, lines in sets.items():
        data = build_interactions(lines)
        matrix = data.baskets.matrix
        start = time.perf_counter()
        count_pairs(matrix, 2)
        counting = time.perf_counter() - start
        model = BoughtTogether(min_support=2).fit(data)
        start = time.perf_counter()
        for product in data.product_ids[:500]:
            model.rules([product], n=20)
        per_product = (time.perf_counter() - start) / min(500, len(data.product_ids))
        print(f"| {label} | {matrix.shape[0]:,} | {matrix.shape[1]:,} | {counting:.3f} s | "
              f"{per_product * 1000:.1f} ms each |")


def speed(frame: pd.DataFrame) -> None:
    rerank(frame)
    hybrid_rerank(frame)
    ease_fit(frame)
    rules(frame)
