"""The Recommendations page's evaluation on the full sample (every algorithm that takes part in the
discovery protocol, the last 30 days, K = 10, then the neighbours sweep of item-based kNN: 3
similarities x 5 k), the way the page did it before issue 27's last pass (each algorithm fitted on its
own, the hybrid fitting EASE and customer kNN again, the sweep fitting item-based kNN again) and the
way it does now (:class:`~retail.recommend.evaluation.SharedFits`: each fitted once per split).

Prints wall and processor seconds per part, the best of ``--repeats`` rounds (each round runs both
ways, alternating which goes first, each with nothing fitted yet). Linear algebra runs on one thread
here, so processor seconds count work, not threads spinning while they wait for a core: on a shared
machine they are the fair comparison, the wall seconds what a person waited at that load. The metrics
of both ways are checked equal. Last, item-based kNN's scoring of every evaluated customer at three of
the sweep's settings: the dense product it used before against the sparse one it uses now (checked
equal to the last bit).

Run: ``.venv/bin/python benchmarks/bench_evaluation_fits.py [--repeats 2]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import functools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from retail.data.ingest import load_data  # noqa: E402
from retail.recommend.base import user_rows  # noqa: E402
from retail.recommend.evaluation import (  # noqa: E402
    SharedFits,
    SplitSettings,
    evaluate,
    evaluate_names,
    prepare_evaluation,
    sweep,
    takes_part,
)
from retail.recommend.registry import RECOMMENDERS  # noqa: E402

GRID = {"similarity": ["cosine", "pearson", "jaccard"], "k": [5, 10, 20, 50, 100]}  # the page's defaults
METRICS = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage"]


def clocked(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def ways(data, names: list[str]) -> dict[str, dict]:
    """Each way's parts, to run in order (a new :class:`SharedFits` each time: nothing fitted yet)."""
    fits = SharedFits(data)
    return {
        "before": {
            "table, each algorithm fitted alone (before)": lambda: pd.concat(
                [evaluate({n: RECOMMENDERS.get(n).build()}, data, 10) for n in names], ignore_index=True),
            "sweep on a model fitted again (before)": lambda: sweep(RECOMMENDERS.get("item-knn").build(), data,
                                                                    GRID, 10)},
        "now": {
            "table, each algorithm fitted once (now)": lambda: pd.concat(
                [evaluate_names([n], fits, 10) for n in names], ignore_index=True),
            "sweep on the table's fitted model (now)": lambda: sweep(fits.model("item-knn"), data, GRID, 10)},
    }


def dense_scores(model, users: np.ndarray, settings: dict) -> np.ndarray:
    """Item-based kNN's scores as its ``_scores`` computed them before (a dense product)."""
    bought = user_rows(model.binary_, users)
    items = np.unique(bought.indices)
    return np.asarray(bought[:, items] @ model.neighbour_weights(settings, items).T)


def sparse_product_rows(model, users: np.ndarray) -> list[str]:
    """Item-based kNN's scores of ``users``: the former dense product against :meth:`ItemKNN._scores`."""
    rows = []
    for similarity, k in (("cosine", 20), ("jaccard", 50), ("pearson", 5)):
        settings = model.settings(similarity=similarity, k=k)
        model._scores(users, settings)  # the neighbourhoods of these settings, derived once for both
        dense, wall, cpu = clocked(functools.partial(dense_scores, model, users, settings))
        sparse, wall_now, cpu_now = clocked(functools.partial(model._scores, users, settings))
        assert np.array_equal(dense, sparse)
        rows.append(f"| score every customer, {similarity}, k = {k}: dense product (before) / sparse (now) | "
                    f"{wall:.2f} / {wall_now:.2f} | {cpu:.2f} / {cpu_now:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2, help="rounds of both ways (the best is shown)")
    args = parser.parse_args()
    frame = load_data(str(ROOT / "sample_data" / "online_retail.parquet")).frame
    data = prepare_evaluation(frame, SplitSettings(test_days=30, protocol="discovery"))
    names = [n for n in RECOMMENDERS.names if takes_part(n, "discovery")]
    best: dict[str, tuple[float, float]] = {}
    tables = {}
    for round_ in range(args.repeats):
        order = ["before", "now"] if round_ % 2 == 0 else ["now", "before"]
        parts = ways(data, names)
        for way in order:
            for part, work in parts[way].items():
                tables[part], wall, cpu = clocked(work)
                best[part] = min(best.get(part, (wall, cpu)), (wall, cpu), key=lambda t: t[1])
    before, now = (tables[p][METRICS] for p in (next(iter(parts["before"])), next(iter(parts["now"]))))
    pd.testing.assert_frame_equal(before, now)  # the same figures either way
    rows = [f"| {part} | {wall:.1f} | {cpu:.1f} |" for part, (wall, cpu) in best.items()]
    rows += sparse_product_rows(SharedFits(data).model("item-knn"), data.users)
    print(f"{len(data.users):,} customers evaluated; best of {args.repeats}; load (1 min) at the end "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n\n| part | wall s | processor s |\n|---|---:|---:|\n"
          + "\n".join(rows))


if __name__ == "__main__":
    main()
