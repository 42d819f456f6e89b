"""The hybrid's blend and EASE's recency half-life, chosen on five earlier windows (issue 26).

``bench_recommend.py`` tuned the hybrid on the two 30-day windows before the test window; on another
year of the shop that blend was no better than EASE alone. Here the choice rests on the five 30-day
windows before the test window (cutoffs 2011-06-13 .. 2011-10-11, each trained on what precedes it),
both protocols, and the test window (from 2011-11-10) is scored once, after everything is chosen.

Rules, fixed before running:

0. Buy again's recency half-life and weight of the products' repeat rate: the pair in ``BUY_AGAIN_GRID``
   with the best mean NDCG@10 over the five windows of the protocol with repurchases (the only one it
   takes part in).
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
from retail.recommend.base import Recommender, normalise_rows  # noqa: E402
from retail.recommend.evaluation import EvaluationData, SplitSettings, prepare_evaluation, score_model  # noqa: E402
from retail.recommend.registry import HYBRID_WEIGHTS  # noqa: E402

WINDOWS = 5
PROTOCOLS = ("discovery", "all")
HALF_LIVES = (0.0, 30.0, 60.0, 120.0, 240.0)
BUY_AGAIN_GRID = tuple((h, w) for h in (60.0, 120.0, 240.0) for w in (0.0, 0.5, 1.0, 2.0))
# The app's blend before issue 26 (tuned on two validation windows by bench_recommend.py): the starting point.
OLD_WEIGHTS = {"item-knn": 0.0, "user-knn": 0.0, "trending": 0.25, "content": 0.25, "buy-again": 1.0, "ease": 0.25,
               "next-basket": 0.0, "rules": 0.0}
BEFORE = {"ease": {"half_life_days": 0.0}, "buy-again": {"half_life_days": 60.0, "repeat_weight": 0.0}}
BLENDED = ("buy-again", "trending", "content", "ease", "item-knn", "user-knn")  # next order and rules: 0 before


def windows(frame: pd.DataFrame, test_cutoff: pd.Timestamp) -> dict[str, list[EvaluationData]]:
    cutoffs = [test_cutoff - pd.Timedelta(days=TEST_DAYS * i) for i in range(WINDOWS, 0, -1)]
    return {protocol: [prepare_evaluation(frame[frame[schema.DATE] < cut + pd.Timedelta(days=TEST_DAYS)],
                                          SplitSettings(cutoff=cut, protocol=protocol)) for cut in cutoffs]
            for protocol in PROTOCOLS}


def buy_again(cases: list[EvaluationData]) -> dict[str, float]:
    """Rule 0: buy again's settings with the best mean NDCG on the windows with repurchases."""
    rows = []
    for half_life_days, repeat_weight in BUY_AGAIN_GRID:
        settings = {"half_life_days": half_life_days, "repeat_weight": repeat_weight}
        scores = [score_model(make_recommender("buy-again", **settings).fit(data.train), data, K)["ndcg"]
                  for data in cases]
        rows.append((settings, scores))
    print("| buy again: half-life, repeat-rate weight | " + " | ".join(f"{d.cutoff:%m-%d}" for d in cases)
          + " | mean |\n|---|" + "---:|" * (len(cases) + 1))
    for settings, scores in rows:
        print(f"| {settings['half_life_days']:g} days, {settings['repeat_weight']:g} | "
              + " | ".join(f"{s:.4f}" for s in scores) + f" | {np.mean(scores):.4f} |")
    return max(rows, key=lambda row: np.mean(row[1]))[0]


def half_life(cases: dict[str, list[EvaluationData]]) -> float:
    """Rule 1: EASE's half-life with the best mean NDCG relative to plain EASE (one fit per window)."""
    table: dict[float, list[float]] = {value: [] for value in HALF_LIVES}
    for protocol in PROTOCOLS:
        for shared, data in zip(cases["discovery"], cases[protocol], strict=True):
            model = fitted(shared.train, "ease")
            for value in HALF_LIVES:
                table[value].append(score_model(model, data, K, half_life_days=value)["ndcg"])
    plain = np.array(table[0.0])
    print("| EASE recency half-life (days) | " + " | ".join(f"{p} {d.cutoff:%m-%d}" for p in PROTOCOLS
                                                         for d in cases[p]) + " | mean vs plain |")
    print("|---|" + "---:|" * (len(plain) + 1))
    for value, scores in table.items():
        print(f"| {value:g} | " + " | ".join(f"{s:.4f}" for s in scores) + f" | {np.mean(scores / plain):.4f} |")
    return max(table, key=lambda v: np.mean(np.array(table[v]) / plain))


_FITTED: dict[tuple[int, str], Recommender] = {}


def fitted(train, name: str) -> Recommender:
    """One fit per window and algorithm (both protocols of a window share the training data)."""
    key = (id(train), name)
    if key not in _FITTED:
        _FITTED[key] = make_recommender(name).fit(train)
    return _FITTED[key]


class SharedBlend(Blend):
    """:class:`bench_recommend.Blend` with one fit per window for both protocols and float32 parts."""

    def __init__(self, cases: dict[str, list[EvaluationData]], settings: dict[str, dict]) -> None:
        self.cases = []
        for protocol in PROTOCOLS:
            for shared, data in zip(cases["discovery"], cases[protocol], strict=True):
                parts = {name: normalise_rows(fitted(shared.train, name).scores(data.users, **settings.get(name, {})))
                         .astype(np.float32) for name in BLENDED}
                exclude = shared.train.binary[data.users] if data.exclude_purchased else None
                self.cases.append((protocol, parts, fitted(shared.train, "ease").tie_order_, exclude, data.relevant))
        self.reference = {case: max(self.ndcg(case, {name: 1.0}) for name in BLENDED) for case in
                          range(len(self.cases))}


def per_case(blend: Blend, weights: dict[str, float]) -> list[float]:
    return [blend.ndcg(case, weights) for case in range(len(blend.cases))]


def compare_on_windows(cases: dict[str, list[EvaluationData]], blend: Blend, weights: dict[str, float]) -> None:
    """NDCG@10 of the blend before issue 26 and of the new one on every development case."""
    labels = [f"{p} {d.cutoff:%m-%d}" for p in PROTOCOLS for d in cases[p]]
    before = SharedBlend(cases, BEFORE)
    print("| NDCG@10 | " + " | ".join(labels) + " |\n|---|" + "---:|" * len(labels))
    for label, scores in (("the blend before issue 26", per_case(before, OLD_WEIGHTS)),
                          ("the new blend and settings", per_case(blend, weights))):
        print(f"| {label} | " + " | ".join(f"{s:.4f}" for s in scores) + " |")


def score_test(frame: pd.DataFrame, cutoff: pd.Timestamp, settings: dict[str, dict], weights: dict[str, float]) -> None:
    """The test window, scored once with what was chosen."""
    def hybrid(chosen: dict[str, dict], blend: dict[str, float]) -> Hybrid:
        return Hybrid(components={name: make_recommender(name, **chosen.get(name, {})) for name in HYBRID_WEIGHTS},
                      weights=blend)

    models = {"the hybrid before issue 26": hybrid(BEFORE, OLD_WEIGHTS),
              "buy again before": make_recommender("buy-again", **BEFORE["buy-again"]),
              "buy again, new settings": make_recommender("buy-again", **settings["buy-again"]),
              "EASE alone, plain": make_recommender("ease", **BEFORE["ease"]),
              "EASE alone, new half-life": make_recommender("ease", **settings["ease"]),
              "the new hybrid": hybrid(settings, OLD_WEIGHTS | weights)}
    data = {p: prepare_evaluation(frame, SplitSettings(cutoff=cutoff, protocol=p)) for p in PROTOCOLS}
    print("\n| NDCG@10 on the test window | discovery | all |\n|---|---:|---:|")
    for label, model in models.items():
        row = [score_model(model.fit(data[p].train), data[p], K)["ndcg"] if model.discovers or p == "all" else None
               for p in PROTOCOLS]
        print(f"| {label} | " + " | ".join("-" if v is None else f"{v:.3f}" for v in row) + " |")


def main() -> None:
    started = time.perf_counter()
    frame = protocol_frame(require_customer=True)
    test_cutoff = frame[schema.DATE].max().normalize() - pd.Timedelta(days=TEST_DAYS - 1)
    cases = windows(frame, test_cutoff)
    print(f"windows from {[f'{d.cutoff:%Y-%m-%d}' for d in cases['discovery']]}; test from {test_cutoff:%Y-%m-%d}\n")
    again = buy_again(cases["all"])
    print(f"\nbuy again chosen: {again}\n")
    chosen = half_life(cases)
    print(f"\nchosen EASE half-life: {chosen:g} days")
    settings = {"ease": {"half_life_days": chosen}, "buy-again": again}
    blend = SharedBlend(cases, settings)
    old = {name: OLD_WEIGHTS[name] for name in BLENDED}
    weights, score = blend.ascend(old)
    print(f"blend chosen: {weights} (relative score {score:.4f}; the old weights {blend.objective(old):.4f})\n")
    compare_on_windows(cases, blend, weights)
    score_test(frame, test_cutoff, settings, weights)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
