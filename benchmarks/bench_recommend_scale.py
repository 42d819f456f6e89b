"""Scale run through the app's own code: 100,000 customers x 20,000 products, ~5M purchases.

Synthetic purchases with Zipf-like product popularity and customer activity (seeded) become a
canonical frame, then `build_interactions` and `ItemKNN().fit` exactly as the Recommendations
page and ``python -m retail recommend`` run them (above 8,000 products item-kNN keeps 200
candidate neighbours per product). Prints the time of each step, one customer's re-rank after a
k and a shrinkage change, the evaluation of 10,000 test customers, and the peak resident memory.
Targets (scale issue): fit < 30 s, peak < 3 GB, re-rank < 200 ms, evaluation < 60 s. EASE, next-order
transitions and basket rules are fitted too (issue 15: EASE must not run out of memory here).

Run: ``.venv/bin/python benchmarks/bench_recommend_scale.py [--customers 100000 --products 20000]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from retail.data import schema  # noqa: E402
from retail.recommend.ease import EASE, MAX_PRODUCTS  # noqa: E402
from retail.recommend.evaluation import SplitSettings, prepare_evaluation, score_model  # noqa: E402
from retail.recommend.interactions import build_interactions  # noqa: E402
from retail.recommend.knn import ItemKNN  # noqa: E402
from retail.recommend.rules import BoughtTogether  # noqa: E402
from retail.recommend.sequence import NextBasket  # noqa: E402


def synthetic(customers: int, products: int, lines: int, seed: int = 0) -> pd.DataFrame:
    """Canonical sale lines over 2024 with skewed popularity and activity."""
    rng = np.random.default_rng(seed)
    item_p = 1.0 / np.arange(1, products + 1) ** 0.8
    user_p = 1.0 / np.arange(1, customers + 1) ** 0.5
    users = rng.choice(customers, size=lines, p=user_p / user_p.sum())
    items = rng.choice(products, size=lines, p=item_p / item_p.sum())
    frame = schema.empty_canonical_frame().reindex(range(lines))
    frame[schema.CUSTOMER_ID] = pd.Categorical(users).rename_categories(lambda c: f"c{c}").astype(str)
    frame[schema.PRODUCT_ID] = pd.Categorical(items).rename_categories(lambda p: f"p{p}").astype(str)
    frame[schema.DATE] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, lines), unit="D")
    frame[schema.ORDER_ID] = None
    frame[schema.QUANTITY], frame[schema.UNIT_PRICE] = 1.0, 1.0
    frame[schema.REVENUE] = 1.0
    frame[schema.LINE_TYPE] = schema.SALE
    return frame


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def timed(label: str, rows: list, action):
    start = time.perf_counter()
    value = action()
    rows.append((label, time.perf_counter() - start, peak_gb()))
    return value


def learned(data, heavy: str, rows: list) -> None:
    """The learned models of issue 15 on the same interactions."""
    ease = timed(f"EASE().fit (the {MAX_PRODUCTS:,} products with most buyers, float32)", rows,
                 lambda: EASE().fit(data))
    timed("EASE: recommend for the heaviest customer", rows, lambda: ease.recommend(heavy, n=10))
    timed("EASE: re-rank after a regularisation change 300 -> 100 (a new inversion)", rows,
          lambda: ease.recommend(heavy, n=10, l2=100.0))
    timed("NextBasket().fit (next-order transitions)", rows, lambda: NextBasket().fit(data))
    timed("BoughtTogether().fit (basket rules, min support 20)", rows, lambda: BoughtTogether().fit(data))


def approximation_check() -> None:
    """Online Retail (3,658 products, the exact dense path in the app) scored through the
    large-catalogue path too: 200 candidates per product, shrinkage re-ranking within them."""
    from online_retail import DATA, protocol_frame

    from retail.recommend import knn

    if not DATA.exists():
        print("(../shared/data missing: no accuracy check of the candidate approximation)")
        return
    split = prepare_evaluation(protocol_frame(DATA, require_customer=True), SplitSettings(test_days=30))
    exact = score_model(ItemKNN().fit(split.train), split, 10)
    limit, knn.DENSE_LIMIT = knn.DENSE_LIMIT, 0
    try:
        bounded = score_model(ItemKNN().fit(split.train), split, 10)
    finally:
        knn.DENSE_LIMIT = limit
    print("candidate approximation on Online Retail (discovery, K 10, app defaults):")
    for name, metrics in (("exact (dense)", exact), (f"{knn.CANDIDATES} candidates per product", bounded)):
        print(f"  {name:<28} precision {metrics['precision']:.4f}  NDCG {metrics['ndcg']:.4f}")
    print()


def main() -> None:
    approximation_check()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=5_400_000)
    args = parser.parse_args()
    rows: list[tuple[str, float, float]] = []
    frame = timed("synthetic frame", rows, lambda: synthetic(args.customers, args.products, args.lines))
    data = timed("build_interactions", rows, lambda: build_interactions(frame))
    model = timed("ItemKNN().fit (candidates + default neighbourhoods)", rows, lambda: ItemKNN().fit(data))
    heavy = data.customer_ids[np.argmax(np.diff(data.matrix.indptr))]
    timed("re-rank the heaviest customer, k 50 -> 20", rows, lambda: model.recommend(heavy, n=10, k=20))
    timed("re-rank after a shrinkage change 50 -> 10", rows, lambda: model.recommend(heavy, n=10, shrinkage=10.0))
    model = None  # let the item-kNN model go before EASE's dense matrices
    learned(data, heavy, rows)
    split = timed("split for evaluation (last 30 days)", rows,
                  lambda: prepare_evaluation(frame, SplitSettings(test_days=30)))
    split.users = split.users[:10_000]
    split.relevant = split.relevant[:10_000]
    fitted = timed("fit on the training part", rows, lambda: ItemKNN().fit(split.train))
    metrics = timed("evaluate 10,000 test customers", rows, lambda: score_model(fitted, split, 10))
    fitted = None
    fitted = timed("EASE: fit on the training part", rows, lambda: EASE().fit(split.train))
    ease_metrics = timed("EASE: evaluate 10,000 test customers", rows, lambda: score_model(fitted, split, 10))
    print(f"{data.shape[0]:,} customers x {data.shape[1]:,} products, {data.matrix.nnz:,} pairs; "
          f"precision@10 item-kNN {metrics['precision']:.4f}, EASE {ease_metrics['precision']:.4f}\n")
    print("| step | seconds | peak memory so far, GB |\n|---|---:|---:|")
    for label, seconds, peak in rows:
        print(f"| {label} | {seconds:.2f} | {peak:.2f} |")
    print("\ntargets: fit < 30 s, peak < 3 GB, re-rank < 0.2 s, evaluation < 60 s")


if __name__ == "__main__":
    main()
