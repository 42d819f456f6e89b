"""The hybrid's blend and EASE's recency half-life, chosen on five earlier windows (issue 26).

``bench_recommend.py`` tuned the hybrid on the two 30-day windows before the test window; on another
year of the shop that blend was no better than EASE alone. Here the choice rests on the five 30-day
windows before the test window (cutoffs 2011-06-13 .. 2011-10-11, each trained on what precedes it),
both protocols, and the test window (from 2011-11-10) is scored once, after everything is chosen.

Rules, fixed before running:

1. EASE's recency half-life (a customer's older purchases count less when their list is scored): the
   value in ``HALF_LIVES`` with the best mean NDCG@10 of EASE alone over the ten cases (5 windows x 2
   protocols), each case relative to the plain EASE's NDCG of the case.
2. The blend: coordinate ascent from the registry's weights over ``WEIGHT_VALUES`` (as in
   ``bench_recommend.py``), with EASE at the chosen half-life; objective = mean over the ten cases of
   NDCG@10 relative to the best single component of the case.

Run: ``.venv/bin/python benchmarks/bench_recommend_blend.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_recommend import TEST_DAYS, Blend, K  # noqa: E402
from online_retail import protocol_frame  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.recommend import Hybrid, make_recommender  # noqa: E402
from retail.recommend.evaluation import EvaluationData, SplitSettings, prepare_evaluation, score_model  # noqa: E402
from retail.recommend.registry import HYBRID_WEIGHTS  # noqa: E402

WINDOWS = 5
PROTOCOLS = ("discovery", "all")
HALF_LIVES = (0.0, 30.0, 60.0, 120.0, 240.0)
BLENDED = ("buy-again", "trending", "content", "ease", "item-knn", "user-knn")  # next order and rules: 0 before


def windows(frame: pd.DataFrame, test_cutoff: pd.Timestamp) -> dict[str, list[EvaluationData]]:
    cutoffs = [test_cutoff - pd.Timedelta(days=TEST_DAYS * i) for i in range(WINDOWS, 0, -1)]
    return {protocol: [prepare_evaluation(frame[frame[schema.DATE] < cut + pd.Timedelta(days=TEST_DAYS)],
                                          SplitSettings(cutoff=cut, protocol=protocol)) for cut in cutoffs]
            for protocol in PROTOCOLS}


def half_life(cases: dict[str, list[EvaluationData]]) -> float:
    """Rule 1: EASE's half-life with the best mean NDCG relative to plain EASE."""
    table = {}
    for value in HALF_LIVES:
        table[value] = [score_model(make_recommender("ease", half_life_days=value).fit(data.train), data, K)["ndcg"]
                        for protocol in PROTOCOLS for data in cases[protocol]]
    plain = np.array(table[0.0])
    print("| EASE recency half-life (days) | " + " | ".join(f"{p} {d.cutoff:%m-%d}" for p in PROTOCOLS
                                                         for d in cases[p]) + " | mean vs plain |")
    print("|---|" + "---:|" * (len(plain) + 1))
    for value, scores in table.items():
        print(f"| {value:g} | " + " | ".join(f"{s:.4f}" for s in scores) + f" | {np.mean(scores / plain):.4f} |")
    return max(table, key=lambda v: np.mean(np.array(table[v]) / plain))


def per_case(blend: Blend, weights: dict[str, float]) -> list[float]:
    return [blend.ndcg(case, weights) for case in range(len(blend.cases))]


def main() -> None:
    started = time.perf_counter()
    frame = protocol_frame(require_customer=True)
    test_cutoff = frame[schema.DATE].max().normalize() - pd.Timedelta(days=TEST_DAYS - 1)
    cases = windows(frame, test_cutoff)
    print(f"windows from {[f'{d.cutoff:%Y-%m-%d}' for d in cases['discovery']]}; test from {test_cutoff:%Y-%m-%d}\n")
    chosen = half_life(cases)
    print(f"\nchosen half-life: {chosen:g} days")
    blend = Blend(cases, {name: ({"half_life_days": chosen} if name == "ease" else {}) for name in BLENDED})
    old = {name: HYBRID_WEIGHTS[name] for name in BLENDED}
    weights, score = blend.ascend(old)
    print(f"blend chosen: {weights} (relative score {score:.4f}; the registry's weights {blend.objective(old):.4f})\n")
    labels = [f"{p} {d.cutoff:%m-%d}" for p in PROTOCOLS for d in cases[p]]
    print("| NDCG@10 | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for label, chosen_weights in (("registry's blend, plain EASE", None), ("new blend, EASE with half-life", weights)):
        if chosen_weights is None:
            plain = Blend(cases, {name: {} for name in BLENDED})
            scores = per_case(plain, old)
        else:
            scores = per_case(blend, chosen_weights)
        print(f"| {label} | " + " | ".join(f"{s:.4f}" for s in scores) + " |")
    print("\nthe test window, scored once with what was chosen above:\n")
    print("| NDCG@10 on the test window | discovery | all |\n|---|---:|---:|")
    components = {name: make_recommender(name, **({"half_life_days": chosen} if name == "ease" else {}))
                  for name in HYBRID_WEIGHTS}
    for label, model in (("the old hybrid (registry weights, plain EASE)", Hybrid()),
                         ("EASE alone, plain", make_recommender("ease")),
                         (f"EASE alone, half-life {chosen:g} days", make_recommender("ease", half_life_days=chosen)),
                         ("the new hybrid", Hybrid(components=components, weights=HYBRID_WEIGHTS | weights))):
        row = []
        for protocol in PROTOCOLS:
            data = prepare_evaluation(frame, SplitSettings(cutoff=test_cutoff, protocol=protocol))
            row.append(score_model(model.fit(data.train), data, K)["ndcg"])
        print(f"| {label} | {row[0]:.3f} | {row[1]:.3f} |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
