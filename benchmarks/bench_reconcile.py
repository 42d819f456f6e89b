"""Forecasts that add up (issue 24): accuracy per level before and after reconciliation.

Data sets: ``walmart`` (Walmart store x week totals, sales value: total and 45 stores) and
``sample`` (the bundled Online Retail sample, weekly units per product x country: total, country,
product and product x country; the 50 biggest products by name, the others added up into one
"other products" series per country).

Protocol: the test window is the last 8 complete weeks of each data set; nothing after its start
is seen. On the data before it, ``run_reconciled`` (what the app and ``forecast --reconcile``
run) forecasts every level on its own with the default models (the best per level on 3 rolling
backtest windows of 8 weeks), reconciles those windows with every method (each window fitted only on
what it may know: the sales before its cut-off, the other windows' errors) and chooses the method.
Printed: that backtest per level and method (WAPE, change against the base forecasts), then the
test window: each level's base forecast against the chosen method's, and the coverage of the
reconciled 80% / 95% ranges. The bar (issue 24): the chosen method never more than 1% worse than
the base forecasts at the bottom level, and better at the total.

``--choose`` compares MinT's settings (errors around zero or their mean; the floor under each
series' error) on the backtest windows before the test window of both data sets; that chose the
registry's defaults. Usage: python benchmarks/bench_reconcile.py [--choose] [--only walmart|sample]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID, exogenous_candidates  # noqa: E402
from retail.data import schema  # noqa: E402
from retail.data.ingest import load_data  # noqa: E402
from retail.forecast.metrics import wape  # noqa: E402
from retail.forecast.settings import ForecastSettings  # noqa: E402
from retail.planning.hierarchy import build_hierarchy  # noqa: E402
from retail.planning.levels import (  # noqa: E402
    backtest_windows,
    base_forecasts,
    forecast_levels,
    reconcile_future,
    reconcile_levels,
    score_methods,
)
from retail.planning.levels_result import BASE  # noqa: E402
from retail.planning.registry import RECONCILERS  # noqa: E402

WALMART = ROOT.parent / "shared" / "data" / "walmart_store_sales" / "walmart_store_sales.csv"
SAMPLE = ROOT / "sample_data" / "online_retail.parquet"
HORIZON, WINDOWS = 8, 3
DATASETS = {"walmart": (WALMART, "revenue", None), "sample": (SAMPLE, "units", 50)}
VARIANTS = {f"bias {'in' if bias else 'out'}, floor {floor:g}": {"bias": bias, "floor": floor}
            for bias in (False, True) for floor in (0.0, 0.05, 0.2, 0.5)}


def markdown(frame: pd.DataFrame, number: str = "{:.4f}") -> str:
    """A frame as a Markdown table (its index as the first column)."""
    frame = frame.reset_index()
    cell = lambda v: number.format(v) if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    return "\n".join(lines + ["| " + " | ".join(map(cell, row)) + " |" for row in frame.itertuples(index=False)])


def split(name: str) -> tuple[pd.DataFrame, pd.DataFrame, ForecastSettings]:
    """The data set, its rows before the test window, and the run's settings."""
    path, target, top_n = DATASETS[name]
    frame = load_data(str(path)).frame
    dates = build_hierarchy(frame, "W", target, top_n).dates
    start = dates[-HORIZON]
    settings = ForecastSettings(level="store", freq="W", target=target, horizon=HORIZON, windows=WINDOWS, top_n=top_n)
    return frame, frame[frame[schema.DATE] < start], settings


def test_window(frame: pd.DataFrame, levels, result, settings: ForecastSettings, start: pd.Timestamp) -> pd.DataFrame:
    """Per level on the forecast's weeks: the base forecasts' WAPE, every method's change against it (the chosen
    one marked), and the coverage of the chosen method's 80% / 95% ranges."""
    truth = build_hierarchy(frame, "W", settings.target, settings.top_n, rank_until=start)
    rows = truth.position().reindex(levels.hierarchy.position().index).to_numpy()
    actual = truth.history[:, truth.dates.get_indexer(levels.dates)]
    actual = np.where(np.isnan(rows)[:, None], 0.0, actual[np.nan_to_num(rows).astype(int)])
    forecasts = {BASE: levels.base} | {m: reconcile_future(levels.hierarchy, levels.windows, levels.base, m)
                                       for m in RECONCILERS.names}
    ranged = result.forecasts.set_index(["level", SERIES_ID, DATE]).reindex(pd.MultiIndex.from_arrays([
        np.repeat(levels.hierarchy.nodes["level"], len(levels.dates)),
        np.repeat(levels.hierarchy.nodes[SERIES_ID], len(levels.dates)), np.tile(levels.dates, len(rows))]))
    table = []
    for level in result.levels:
        r = levels.hierarchy.rows(level)
        y = actual[r].reshape(-1)
        row = {"level": LEVELS[level].label, "series": len(r), "base WAPE": wape(y, levels.base[r].reshape(-1))}
        for method in RECONCILERS.names:
            change = wape(y, forecasts[method][r].reshape(-1)) / row["base WAPE"] - 1
            row[RECONCILERS.label(method) + (" (chosen)" if method == result.method else "")] = f"{change:+.1%}"
        bounds = ranged[ranged.index.get_level_values("level") == level]
        for coverage in (80, 95):
            row[f"inside {coverage}%"] = float(((y >= bounds[f"lo_{coverage}"].to_numpy())
                                               & (y <= bounds[f"hi_{coverage}"].to_numpy())).mean())
        table.append(row)
    return pd.DataFrame(table).set_index("level")


def backtest_table(result) -> pd.DataFrame:
    table = result.accuracy.pivot(index="level", columns="method", values="wape").reindex(result.levels)
    table = table[[BASE, *[m for m in RECONCILERS.names if m in table.columns]]]
    table.index = [LEVELS[level].label for level in table.index]
    return table.rename(columns=RECONCILERS.label).rename(columns={BASE: "base (each level on its own)"})


def evaluate(name: str) -> None:
    frame, train, settings = split(name)
    started = time.perf_counter()
    levels = forecast_levels(train, settings)
    result = reconcile_levels(levels, settings)
    seconds = time.perf_counter() - started
    start = train[schema.DATE].max().normalize() + pd.Timedelta(days=1)
    print(f"\n## {name}: {result.summary}\nlevels {list(result.levels)}; best model per level "
          f"{dict(zip(result.models['level'], result.models['model'], strict=True))}; {seconds:.0f} s")
    print(f"backtest WAPE per level and method (3 windows of {HORIZON} weeks before {start:%Y-%m-%d}); "
          f"chosen: {RECONCILERS.label(result.method)}")
    print(markdown(backtest_table(result)))
    print(f"\ntest window: the {HORIZON} weeks from {levels.dates[0]:%Y-%m-%d} (after the last complete week before "
          f"{start:%Y-%m-%d}): WAPE of the base forecasts, each method's change against it, the chosen ranges' coverage")
    print(markdown(test_window(frame, levels, result, settings, start)))


def choose(name: str) -> pd.DataFrame:
    """MinT's settings on the backtest windows before the test window: change against base per level."""
    _, train, settings = split(name)
    hierarchy = build_hierarchy(train, "W", settings.target, settings.top_n, exog=exogenous_candidates(train))
    windows = backtest_windows(hierarchy, base_forecasts(hierarchy, settings), HORIZON)
    rows = {}
    for label, params in VARIANTS.items():
        _, accuracy = score_methods(hierarchy, windows, ("mint-shrink",), {"mint-shrink": params})
        mint = accuracy[accuracy["method"] == "mint-shrink"].set_index("level")["vs_base"]
        rows[label] = {LEVELS[level].label: mint[level] for level in hierarchy.levels} | {"mean": mint.mean()}
    return pd.DataFrame(rows).T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choose", action="store_true", help="compare MinT's settings on the pre-test backtest")
    parser.add_argument("--only", choices=list(DATASETS), default=None)
    args = parser.parse_args()
    names = [args.only] if args.only else list(DATASETS)
    if args.choose:
        for name in names:
            print(f"\n## {name}: MinT's WAPE change against the base forecasts, pre-test backtest windows")
            print(markdown(choose(name), "{:+.4f}"))
        return
    for name in names:
        evaluate(name)


if __name__ == "__main__":
    main()
