"""Level-shift rules tried on weekly totals alone (issue 23's follow-up), on development windows only.

For each window, level shifts are injected as ``weekly_replay.py`` does (+80%: every line's units raised;
-60%: 60% of the lines dropped; Walmart: the week's sales scaled) into some of the biggest series, and a
shift test is scored week by week with ``bench_weekly.detection`` (share found within two weeks; share of
new flags that are real). The test: the last two weeks against each series' own level (the median of the
``base`` weeks before them, in log units), both beyond ``z`` times the series' usual week-to-week noise
(the robust spread of its earlier weeks against the median of the weeks before each) and ``change`` of the
level; ``relative`` takes the whole shop's movement off first; ``cap`` first caps each line's units at
that quantile of the product's earlier order sizes (large one-off orders are most of the noise).

    python benchmarks/weekly_shift_rules.py [--cap 0.75]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replenishment import markdown  # noqa: E402
from bench_weekly import detection  # noqa: E402
from weekly_replay import SHARED  # noqa: E402

from retail.analytics.aggregate import SERIES_ID, build_panel  # noqa: E402
from retail.data import schema  # noqa: E402
from retail.data.ingest import import_file  # noqa: E402
from retail.data.workspace import Workspace  # noqa: E402

WINDOWS = {"online retail": ("online_retail/online_retail.parquet", schema.PRODUCT_ID, "product", "units", 30, 200,
                             ("2011-03-07", "2011-05-02", "2011-06-13")),
           "walmart": ("walmart_store_sales/walmart_store_sales.csv", schema.STORE_ID, "store", "revenue", 10, 45,
                       ("2010-09-06", "2011-05-02"))}
TEST_START = pd.Timestamp("2011-09-05")  # the test window (bench_weekly.py) is never read


def load(path: str) -> pd.DataFrame:
    workspace = Workspace(home=Path(tempfile.mkdtemp(prefix="shift-rules-")))
    import_file(workspace, SHARED / path, "data")
    frame = workspace.load("data")
    return frame[frame[schema.DATE] < TEST_START]


def inject(frame: pd.DataFrame, key: str, target: str, start: pd.Timestamp, n: int, top: int, cap: float | None,
           weeks: int = 12, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    amount_column = schema.QUANTITY if target == "units" else schema.REVENUE
    span = frame[frame[schema.DATE] < start + pd.Timedelta(weeks=weeks)].copy()
    ids = span[key].astype(str).str.strip().str.upper()
    before = span[schema.DATE] < start
    pool = list(span[before].groupby(ids[before])[amount_column].sum().sort_values(ascending=False).index[:top])
    chosen = rng.choice(pool, size=min(n, len(pool)), replace=False)
    shifts = pd.DataFrame({"series_id": chosen, "week": rng.integers(0, weeks - 2, len(chosen)),
                           "factor": np.where(np.arange(len(chosen)) % 2 == 0, 1.8, 0.4)})
    week = ((span[schema.DATE] - start).dt.days // 7).to_numpy()
    factor = np.ones(len(span))
    for row in shifts.itertuples():
        factor[~before.to_numpy() & (ids.to_numpy() == row.series_id) & (week >= row.week)] = row.factor
    amount = span[amount_column].to_numpy(dtype=float)
    if target == "revenue":
        span[schema.REVENUE] = amount * factor
        return span, shifts, pool
    span[schema.QUANTITY] = np.where((factor > 1) & (amount > 0), np.floor(amount * factor + rng.random(len(amount))),
                                     amount)
    span = span[~((factor < 1) & (amount > 0) & (rng.random(len(amount)) > factor))]
    if cap is not None:
        ids, quantity = ids[span.index], span[schema.QUANTITY].to_numpy(dtype=float)
        earlier = (span[schema.DATE] < start) & (quantity > 0)
        usual = span[earlier].groupby(ids[earlier])[schema.QUANTITY].quantile(cap)
        limit = ids.map(usual).to_numpy(dtype=float)
        span[schema.QUANTITY] = np.where(np.isfinite(limit) & (quantity > 0), np.minimum(quantity, limit), quantity)
    return span, shifts, pool


def flagged(wide: pd.DataFrame, base: int, z: float, change: float, relative: bool) -> set[str]:
    """Series whose last two weeks both moved beyond ``z`` times their usual noise and ``change`` of their level."""
    if wide.shape[1] < base + 4:
        return set()
    logs = np.log1p(wide.to_numpy(dtype=float))
    level = np.median(logs[:, -(base + 2):-2], axis=1)
    history = pd.DataFrame(logs[:, :-2].T)
    deviation = (history - history.rolling(base, min_periods=4).median().shift(1)).to_numpy().T
    noise = 1.4826 * np.nanmedian(np.abs(deviation - np.nanmedian(deviation, axis=1, keepdims=True)), axis=1)
    moved = logs[:, -2:] - level[:, None]
    if relative:
        moved = moved - np.median(moved, axis=0)[None, :]
    score = moved / np.maximum(noise, 0.05)[:, None]
    up = ((score >= z) & (moved >= np.log1p(change))).all(axis=1)
    down = ((score <= -z) & (moved <= np.log1p(-change))).all(axis=1)
    return set(wide.index[up | down].astype(str))


def score_window(panel: pd.DataFrame, pool: list[str], shifts: pd.DataFrame, start: pd.Timestamp,
                 grid: list[tuple]) -> dict[tuple, dict]:
    wide = panel[panel[SERIES_ID].isin(pool)].pivot(index=SERIES_ID, columns="date", values="y").fillna(0.0)
    weeks = [wide.loc[:, wide.columns < start + pd.Timedelta(weeks=k)] for k in range(1, 13)]
    return {params: detection([flagged(w, *params) for w in weeks], shifts) for params in grid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=None, help="cap line units at this quantile of earlier orders")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    grid = list(itertools.product((8, 12), (1.5, 2.0, 2.5, 3.0), (0.2, 0.3, 0.4), (True, False)))
    results: dict[tuple, list[str]] = {params: [] for params in grid}
    for path, key, level, target, n, top, starts in WINDOWS.values():
        frame = load(path)
        for start in map(pd.Timestamp, starts):
            span, shifts, pool = inject(frame, key, target, start, n, top, args.cap)
            panel, _ = build_panel(span, level, "W", target, min_periods=1, absence_periods=0, exog=[])
            for params, found in score_window(panel, pool, shifts, start, grid).items():
                results[params].append(f"{found['recall']:.2f} / {found['precision']:.2f} ({found['new_flags']})")
    columns = [f"{name} {start}" for name, spec in WINDOWS.items() for start in spec[-1]]
    table = pd.DataFrame([{"base weeks": p[0], "z": p[1], "change": p[2], "net of the shop": p[3],
                           **dict(zip(columns, cells, strict=True))} for p, cells in results.items()])
    print("found within two weeks / new flags real (new flags), per development window\n")
    print(markdown(table))


if __name__ == "__main__":
    main()
