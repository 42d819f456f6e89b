"""Recommendation benchmark on Online Retail (the protocol of issues 4 and 15).

Protocol: lines with a customer id, invoice not cancelled (no leading 'C'), quantity > 0,
unit price > 0, StockCode of five digits optionally followed by one letter (variant rule:
85123A and 85123B are different products); implicit feedback = distinct invoices with the
product; test = the last 30 calendar days, train = before; customers with a train purchase
and a relevant test product; relevant products limited to the training catalogue; ties by
training popularity; K = 10. Protocols "discovery" and "all".

Tuning is honest: every setting is chosen on two validation windows (the 30 days before the
test cutoff, and the 30 days before those, each trained on what precedes it; the mean NDCG@10
of the two decides) and only then measured once on the test window. Two hybrids are reported:
the app's (the registry's ``HYBRID_WEIGHTS`` over components at their registry defaults, one
blend for both protocols) and one re-tuned for each protocol over the tuned components.

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
from recommend_speed import speed  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.recommend import Hybrid, make_recommender  # noqa: E402
from retail.recommend.evaluation import (  # noqa: E402
    EvaluationData,
    SplitSettings,
    evaluate,
    prepare_evaluation,
    ranking_metrics,
    sweep,
)
from retail.recommend.ranking import top_n  # noqa: E402
from retail.recommend.registry import HYBRID_WEIGHTS, RECOMMENDERS  # noqa: E402

K = 10
TEST_DAYS = 30
VALIDATION_WINDOWS = 2
PROTOCOLS = ("discovery", "all")
GRIDS: dict[str, dict[str, tuple]] = {
    "item-knn": {"similarity": ("cosine", "jaccard"), "shrinkage": (0.0, 10.0, 50.0), "k": (20, 50, 100)},
    "ease": {"input": ("binary", "count"), "l2": (2.0, 10.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0)},
    "next-basket": {"last_baskets": (1, 2, 3, 5, 10), "recency": (0.25, 0.5, 0.75, 1.0)},
    "rules": {"min_support": (2, 5, 10, 20, 40)},
}
WEIGHT_VALUES = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


def validation_windows(frame: pd.DataFrame, test_cutoff: pd.Timestamp, protocol: str) -> list[EvaluationData]:
    """The ``VALIDATION_WINDOWS`` 30-day windows before the test cutoff, latest first."""
    return [prepare_evaluation(frame[frame[schema.DATE] < test_cutoff - pd.Timedelta(days=TEST_DAYS * i)],
                               SplitSettings(test_days=TEST_DAYS, protocol=protocol))
            for i in range(VALIDATION_WINDOWS)]


def tune(name: str, windows: list[EvaluationData]) -> dict:
    """The grid setting with the best mean NDCG@10 over the validation windows (one fit per window)."""
    tables = [sweep(make_recommender(name), data, GRIDS[name], K) for data in windows]
    keys = list(GRIDS[name])
    mean = pd.concat(tables).groupby(keys, sort=False)["ndcg"].mean()
    best = mean.idxmax()
    settings = dict(zip(keys, best if isinstance(best, tuple) else (best,), strict=True))
    settings = {key: value.item() if hasattr(value, "item") else value for key, value in settings.items()}
    print(f"  validation {name}: best {settings}, mean NDCG@10 {mean.max():.4f} "
          f"(registry default {RECOMMENDERS.get(name).defaults()})")
    return settings


class Blend:
    """Per-customer normalised component scores of the validation windows, blended without refits."""

    def __init__(self, windows: dict[str, list[EvaluationData]], components: dict[str, dict]) -> None:
        self.cases = []
        for protocol, datas in windows.items():
            for data in datas:
                hybrid = Hybrid(components={n: make_recommender(n, **s) for n, s in components.items()},
                                weights={next(iter(components)): 1.0}).fit(data.train)
                parts = hybrid.component_scores(data.users)
                exclude = hybrid.binary_[data.users] if data.exclude_purchased else None
                self.cases.append((protocol, parts, hybrid.tie_order_, exclude, data.relevant))
        self.reference = {case: max(self.ndcg(case, {name: 1.0}) for name in components) for case in
                          range(len(self.cases))}

    def ndcg(self, case: int, weights: dict[str, float]) -> float:
        _, parts, order, exclude, relevant = self.cases[case]
        blended = sum(w * parts[name].astype(np.float32, copy=False) for name, w in weights.items() if w > 0)
        return ranking_metrics(top_n(blended, K, order, exclude), relevant, K)["ndcg"]

    def objective(self, weights: dict[str, float]) -> float:
        """Mean over the cases of NDCG@10 relative to the best single component of the case."""
        return float(np.mean([self.ndcg(case, weights) / self.reference[case] for case in range(len(self.cases))]))

    def ascend(self, start: dict[str, float]) -> tuple[dict[str, float], float]:
        """Coordinate ascent over ``WEIGHT_VALUES`` from ``start`` until no single change helps."""
        best, score = dict(start), self.objective(start)
        for _ in range(4):
            improved = False
            for name, value in itertools.product(list(best), WEIGHT_VALUES):
                candidate = best | {name: value}
                if any(candidate.values()) and (new := self.objective(candidate)) > score + 1e-5:
                    best, score, improved = candidate, new, True
            if not improved:
                break
        return best, score


def tune_app_hybrid(windows: dict[str, list[EvaluationData]]) -> dict[str, float]:
    """The app's one blend for both protocols: registry-default components, both protocols' windows."""
    components = {name: {} for name in HYBRID_WEIGHTS}
    blend = Blend(windows, components)
    weights, score = blend.ascend(dict(HYBRID_WEIGHTS))
    start = blend.objective(dict(HYBRID_WEIGHTS))
    print(f"\n== the app's hybrid, tuned on both protocols' validation windows: {weights} "
          f"(relative score {score:.4f}; the registry's HYBRID_WEIGHTS score {start:.4f})")
    if weights != HYBRID_WEIGHTS:
        print("   -> the registry's HYBRID_WEIGHTS differ from this: update retail/recommend/registry.py")
    return weights


def tune_protocol_hybrid(windows: list[EvaluationData], tuned: dict[str, dict]) -> dict[str, float]:
    blend = Blend({"one": windows}, {name: tuned.get(name, {}) for name in HYBRID_WEIGHTS})
    weights, _ = blend.ascend(dict(HYBRID_WEIGHTS))
    print(f"  validation hybrid (tuned components) best {weights}, NDCG@10 "
          f"{[round(blend.ndcg(case, weights), 4) for case in range(len(blend.cases))]}")
    return weights


def test_models(tuned: dict[str, dict], weights: dict[str, float]) -> dict:
    models = {name: make_recommender(name, **tuned.get(name, {})) for name in RECOMMENDERS.names}
    models["hybrid"] = Hybrid()  # the app's: registry weights and component defaults
    models["hybrid, tuned for the protocol"] = Hybrid(
        components={name: make_recommender(name, **tuned.get(name, {})) for name in HYBRID_WEIGHTS}, weights=weights)
    return models


def ease_cut(windows: list[EvaluationData]) -> None:
    """The bounded-memory path's accuracy: EASE on the products with most buyers only (validation)."""
    from retail.recommend import ease

    rows = []
    for limit in (500, 1000, 2000, 10_000):
        ease.MAX_PRODUCTS, saved = limit, ease.MAX_PRODUCTS
        try:
            ndcg = np.mean([sweep(make_recommender("ease"), data, {}, K)["ndcg"].iat[0] for data in windows])
        finally:
            ease.MAX_PRODUCTS = saved
        rows.append(f"{min(limit, windows[0].train.shape[1]):,} products: {ndcg:.4f}")
    print("  EASE limited to the products with most buyers (mean validation NDCG@10): " + "; ".join(rows))


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    started = time.perf_counter()
    frame = protocol_frame(path, require_customer=True)
    print(f"{len(frame):,} protocol lines, {frame[schema.CUSTOMER_ID].nunique():,} customers, "
          f"{frame[schema.PRODUCT_ID].nunique():,} products")
    test_cutoff = frame[schema.DATE].max().normalize() - pd.Timedelta(days=TEST_DAYS - 1)
    windows = {protocol: validation_windows(frame, test_cutoff, protocol) for protocol in PROTOCOLS}
    print(f"validation windows from {[f'{d.cutoff:%Y-%m-%d}' for d in windows['discovery']]}, "
          f"test from {test_cutoff:%Y-%m-%d}")
    app_weights = tune_app_hybrid(windows)
    for protocol in PROTOCOLS:
        print(f"\n== {protocol}: tuning on the validation windows")
        tuned = {name: tune(name, windows[protocol]) for name in GRIDS}
        weights = tune_protocol_hybrid(windows[protocol], tuned)
        if protocol == "discovery":
            ease_cut(windows[protocol])
        test = prepare_evaluation(frame, SplitSettings(cutoff=test_cutoff, protocol=protocol))
        start = time.perf_counter()
        table = evaluate(test_models(tuned, weights), test, k=K)
        print(f"\n{protocol}: {len(test.users):,} customers evaluated, test from {test.cutoff:%Y-%m-%d}, "
              f"all algorithms fitted and scored in {time.perf_counter() - start:.1f} s")
        print(markdown(table))
    print(f"\nthe app's hybrid weights chosen above: {app_weights}")
    speed(frame)
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s")


def markdown(table: pd.DataFrame) -> str:
    columns = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "fit_seconds", "score_seconds"]
    header = "| algorithm | P@10 | R@10 | NDCG@10 | MAP@10 | hit@10 | coverage | fit s | score s |"
    lines = [header, "|" + "---|" + "---:|" * 8]
    for row in table.to_dict(orient="records"):
        lines.append(f"| {row['algorithm']} | " + " | ".join(
            f"{row[c]:.3f}" if c not in ("fit_seconds", "score_seconds") else f"{row[c]:.2f}" for c in columns) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
