"""How the item-kNN defaults were chosen: the app's data path, several windows, one procedure.

The Online Retail file goes through the app's own import (read, map, validate: returns,
fees and free lines are not purchases), exactly as an uploaded file would. Each *window* is
a 30-day discovery test (products new to the customer count) with everything before it as
training. Settings are compared by precision@10 relative to popularity on the same window
(so windows of different difficulty weigh the same) and ranked by their mean over the
*selection* windows; the last window is held out and only reported.

Run: ``.venv/bin/python benchmarks/bench_recommend_defaults.py [--windows 5]``
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from online_retail import DATA  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.data.ingest import as_plain_objects, ingest  # noqa: E402
from retail.recommend.evaluation import SplitSettings, prepare_evaluation, score_model  # noqa: E402
from retail.recommend.knn import ItemKNN  # noqa: E402
from retail.recommend.popular import Popularity  # noqa: E402
from retail.recommend.registry import RECOMMENDERS  # noqa: E402

K = 10
TEST_DAYS = 30
GRID = {"similarity": ("cosine", "jaccard"), "k": (20, 50, 100, 200), "shrinkage": (0.0, 10.0, 50.0)}
WEIGHTINGS = ("count", "binary")


def windows(frame: pd.DataFrame, n: int) -> list[pd.Timestamp]:
    """Cut-offs of ``n`` consecutive 30-day test windows ending at the last day, oldest first."""
    last = schema.sales_only(frame)[schema.DATE].max().normalize()
    return [last - pd.Timedelta(days=TEST_DAYS * (n - i) - 1) for i in range(n)]


def measure(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Precision@10 / popularity's for every grid setting and weighting, on one window."""
    end = cutoff + pd.Timedelta(days=TEST_DAYS)
    window = frame[frame[schema.DATE] < end]
    rows = []
    for weighting in WEIGHTINGS:
        data = prepare_evaluation(window, SplitSettings(cutoff=cutoff, protocol="discovery", weighting=weighting))
        base = score_model(Popularity().fit(data.train), data, K)["precision"]
        model = ItemKNN().fit(data.train)
        for values in itertools.product(*GRID.values()):
            settings = dict(zip(GRID, values, strict=True))
            precision = score_model(model, data, K, **settings)["precision"]
            rows.append({"weighting": weighting, **settings, "ratio": precision / base, "precision": precision,
                         "customers": len(data.users)})
    return pd.DataFrame(rows).assign(cutoff=cutoff.date())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--windows", type=int, default=5, help="windows in all (the last one is held out)")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = as_plain_objects(ingest(DATA).result.frame)
    results = pd.concat([measure(frame, cutoff) for cutoff in windows(frame, args.windows)], ignore_index=True)
    keys = ["weighting", *GRID]
    held_out = results["cutoff"].max()
    selection = results[results["cutoff"] < held_out].groupby(keys)["ratio"].agg(["mean", "min"])
    test = results[results["cutoff"] == held_out].set_index(keys)["ratio"].rename("held-out window")
    table = selection.join(test).sort_values("mean", ascending=False)
    defaults = RECOMMENDERS.get("item-knn").defaults()
    current = ("count", defaults["similarity"], defaults["k"], defaults["shrinkage"])
    print(f"windows: {sorted(results['cutoff'].unique())} (last one held out); "
          f"customers per window: {results.groupby('cutoff')['customers'].first().tolist()}")
    print("\nprecision@10 / popularity's, mean and worst over the selection windows; top 10 settings:")
    print(table.head(10).round(3).to_string())
    print(f"\nthe app's default {current}: {table.loc[current].round(3).to_dict()} "
          f"(rank {list(table.index).index(current) + 1} of {len(table)})")
    print("\nweighting x similarity at k 50, shrinkage 10 (the previous default's k and shrinkage):")
    print(table.xs((50, 10.0), level=("k", "shrinkage")).round(3).to_string())
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
