"""Does the ranking of the recommenders hold on data the tuning never saw?

``bench_recommend.py`` chose every setting on the two 30-day windows before the test window.
Here every registry algorithm, at the app's defaults, is measured on three *earlier* 30-day
windows (each trained on what precedes it) and on the test window: none of them was used to
choose anything. The protocol is ``bench_recommend.py``'s (Online Retail, K = 10, NDCG@10).

Run: ``.venv/bin/python benchmarks/bench_recommend_windows.py [--windows 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from online_retail import protocol_frame  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.recommend import make_recommender  # noqa: E402
from retail.recommend.evaluation import SplitSettings, evaluate, prepare_evaluation  # noqa: E402
from retail.recommend.registry import RECOMMENDERS  # noqa: E402

K = 10
TEST_DAYS = 30
VALIDATION_WINDOWS = 2  # bench_recommend.py's tuning windows, skipped here
# The claims of the README, checked on every window: (protocol, better, worse).
CLAIMS = (
    ("discovery", "ease", "item-knn"), ("discovery", "ease", "user-knn"), ("discovery", "hybrid", "ease"),
    ("discovery", "rules", "popularity"), ("all", "next-basket", "item-knn"),
    ("all", "next-basket", "ease"), ("all", "hybrid", "buy-again"),
)


def cutoffs(frame: pd.DataFrame, earlier: int) -> list[pd.Timestamp]:
    """The test cutoff and ``earlier`` cutoffs before the validation windows, oldest first."""
    test = frame[schema.DATE].max().normalize() - pd.Timedelta(days=TEST_DAYS - 1)
    gaps = [VALIDATION_WINDOWS + i for i in range(earlier, 0, -1)]
    return [test - pd.Timedelta(days=TEST_DAYS * gap) for gap in gaps] + [test]


def measure(frame: pd.DataFrame, cutoff: pd.Timestamp, protocol: str) -> pd.Series:
    window = frame[frame[schema.DATE] < cutoff + pd.Timedelta(days=TEST_DAYS)]
    data = prepare_evaluation(window, SplitSettings(cutoff=cutoff, protocol=protocol))
    table = evaluate({name: make_recommender(name) for name in RECOMMENDERS.names}, data, K)
    return table.set_index("algorithm")["ndcg"].rename(f"{cutoff:%Y-%m-%d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=3, help="earlier windows before the validation windows")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = protocol_frame(require_customer=True)
    windows = cutoffs(frame, args.windows)
    held = []
    for protocol in ("discovery", "all"):
        table = pd.concat([measure(frame, cutoff, protocol) for cutoff in windows], axis=1)
        table.columns = [*table.columns[:-1], f"{table.columns[-1]} (test)"]
        print(f"\n{protocol}: NDCG@10 per window (cutoff = first test day), the app's default settings")
        print("| algorithm | " + " | ".join(table.columns) + " | mean rank |")
        print("|---|" + "---:|" * (len(table.columns) + 1))
        ranks = table.rank(ascending=False).mean(axis=1)
        for name, row in table.iterrows():
            print(f"| {RECOMMENDERS.label(name)} | " + " | ".join(f"{v:.3f}" for v in row) + f" | {ranks[name]:.1f} |")
        for claim_protocol, better, worse in CLAIMS:
            if claim_protocol == protocol:
                wins = int((table.loc[better] > table.loc[worse]).sum())
                held.append(f"{protocol}: {better} > {worse} on {wins} of {len(windows)} windows")
    print("\n" + "\n".join(held))
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
