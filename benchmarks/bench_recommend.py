"""Recommendation benchmark on Online Retail (the protocol of issue 4).

Protocol: lines with a customer id, invoice not cancelled (no leading 'C'), quantity > 0,
unit price > 0, StockCode of five digits optionally followed by one letter (variant rule:
85123A and 85123B are different products); implicit feedback = distinct invoices with the
product; test = the last 30 calendar days, train = before; customers with a train purchase
and a relevant test product; relevant products limited to the training catalogue; ties by
training popularity; K = 10. Protocols "discovery" and "all".

Tuning is honest: settings are chosen on a validation split (the 30 days before the test
cutoff, trained on what precedes them) and only then measured once on the test window.

Run: ``.venv/bin/python benchmarks/bench_recommend.py [path/to/online_retail.parquet]``
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from online_retail import DATA, protocol_frame  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.recommend import Hybrid, ItemKNN, build_interactions, make_recommender  # noqa: E402
from retail.recommend.evaluation import (  # noqa: E402
    EvaluationData,
    SplitSettings,
    evaluate,
    prepare_evaluation,
    ranking_metrics,
    score_model,
)
from retail.recommend.hybrid import default_components  # noqa: E402
from retail.recommend.ranking import top_n  # noqa: E402
from retail.recommend.registry import RECOMMENDERS  # noqa: E402
from retail.recommend.similarity import SimilarityIndex  # noqa: E402

K = 10
TEST_DAYS = 30


def tune_item_knn(data: EvaluationData) -> dict:
    """Best (similarity, shrinkage, k) on the validation split; one fit, settings re-ranked."""
    model = ItemKNN().fit(data.train)
    best: tuple[float, dict] = (-1.0, {})
    for similarity, shrinkage, k in itertools.product(("cosine", "jaccard"), (0.0, 10.0, 50.0), (20, 50, 100)):
        params = {"similarity": similarity, "shrinkage": shrinkage, "k": k}
        ndcg = score_model(model, data, K, **params)["ndcg"]
        best = max(best, (ndcg, params), key=lambda t: t[0])
    print(f"  validation item-knn best {best[1]} ndcg {best[0]:.4f}")
    return best[1]


def tune_hybrid(data: EvaluationData, item_params: dict, grid: dict[str, tuple]) -> dict[str, float]:
    """Weights on the validation split, blending cached component scores (no refits)."""
    hybrid = Hybrid(components=tuned_components(item_params), weights={"item-knn": 1.0}).fit(data.train)
    parts = hybrid.component_scores(data.users, list(grid))
    exclude = hybrid.binary_[data.users] if data.exclude_purchased else None
    best: tuple[float, dict] = (-1.0, {})
    for combo in itertools.product(*grid.values()):
        weights = dict(zip(grid, combo, strict=True))
        if not any(weights.values()):
            continue
        blended = sum(w * parts[name] for name, w in weights.items())
        ndcg = ranking_metrics(top_n(blended, K, hybrid.tie_order_, exclude), data.relevant, K)["ndcg"]
        best = max(best, (ndcg, weights), key=lambda t: t[0])
    print(f"  validation hybrid best {best[1]} ndcg {best[0]:.4f}")
    return best[1]


def tuned_components(item_params: dict) -> dict:
    """The hybrid's default components with item-kNN at the tuned settings."""
    return default_components() | {"item-knn": ItemKNN(**item_params)}


def models_for(item_params: dict, weights: dict[str, float]) -> dict:
    models = {name: make_recommender(name) for name in RECOMMENDERS.names if name not in ("item-knn", "hybrid")}
    models["item-knn"] = ItemKNN(**item_params)
    models["hybrid"] = Hybrid(components=tuned_components(item_params), weights=weights)
    return {name: models[name] for name in RECOMMENDERS.names}


def speed(frame: pd.DataFrame) -> None:
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


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    frame = protocol_frame(path, require_customer=True)
    print(f"{len(frame):,} protocol lines, {frame[schema.CUSTOMER_ID].nunique():,} customers, "
          f"{frame[schema.PRODUCT_ID].nunique():,} products")
    last = frame[schema.DATE].max().normalize()
    test_cutoff = last - pd.Timedelta(days=TEST_DAYS - 1)
    valid_frame = frame[frame[schema.DATE] < test_cutoff]
    grids = {
        "discovery": {"item-knn": (1.0,), "user-knn": (0.0, 0.5, 1.0), "trending": (0.0, 0.25, 0.5, 1.0),
                      "content": (0.0, 0.25, 0.5)},
        "all": {"buy-again": (1.0,), "user-knn": (0.0, 0.25, 0.5), "item-knn": (0.0, 0.25, 0.5),
                "trending": (0.0, 0.1, 0.25)},
    }
    for protocol in ("discovery", "all"):
        print(f"\n== {protocol}: tuning on the validation window (30 days before {test_cutoff:%Y-%m-%d})")
        valid = prepare_evaluation(valid_frame, SplitSettings(test_days=TEST_DAYS, protocol=protocol))
        item_params = tune_item_knn(valid)
        weights = tune_hybrid(valid, item_params, grids[protocol])
        test = prepare_evaluation(frame, SplitSettings(cutoff=test_cutoff, protocol=protocol))
        start = time.perf_counter()
        table = evaluate(models_for(item_params, weights), test, k=K)
        total = time.perf_counter() - start
        print(f"\n{protocol}: {len(test.users):,} customers evaluated, test from {test.cutoff:%Y-%m-%d}, "
              f"all algorithms fitted and scored in {total:.1f} s")
        print(markdown(table))
    speed(frame)


def markdown(table: pd.DataFrame) -> str:
    columns = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "fit_seconds", "score_seconds"]
    header = "| algorithm | P@10 | R@10 | NDCG@10 | MAP@10 | hit@10 | coverage | fit s | score s |"
    lines = [header, "|" + "---|" * 9]
    for row in table.to_dict(orient="records"):
        lines.append(f"| {row['algorithm']} | " + " | ".join(
            f"{row[c]:.3f}" if c not in ("fit_seconds", "score_seconds") else f"{row[c]:.2f}" for c in columns) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
