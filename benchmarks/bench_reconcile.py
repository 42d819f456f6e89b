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
from retail.planning.levels import backtest_windows, base_forecasts, run_reconciled, score_methods  # noqa: E402
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


def test_window(frame: pd.DataFrame, result, settings: ForecastSettings, start: pd.Timestamp) -> pd.DataFrame:
    """Per level: base and reconciled WAPE on the forecast's weeks, and the reconciled ranges' coverage."""
    truth = build_hierarchy(frame, "W", settings.target, settings.top_n, rank_until=start)
    positions = truth.dates.get_indexer(pd.DatetimeIndex(np.sort(result.forecasts[DATE].unique())))
    actual = pd.DataFrame({"level": np.repeat(truth.nodes["level"].to_numpy(), len(positions)),
                           SERIES_ID: np.repeat(truth.nodes[SERIES_ID].to_numpy(), len(positions)),
                           DATE: np.tile(truth.dates[positions].to_numpy(), len(truth.nodes)),
                           "y": truth.history[:, positions].reshape(-1)})
    joined = actual.merge(result.forecasts, on=["level", SERIES_ID, DATE], how="left").fillna(
        {"forecast": 0.0, "base": 0.0, "lo_80": 0.0, "hi_80": 0.0, "lo_95": 0.0, "hi_95": 0.0})
    rows = []
    for level in result.levels:
        part = joined[joined["level"] == level]
        base, ours = wape(part["y"], part["base"]), wape(part["y"], part["forecast"])
        rows.append({"level": LEVELS[level].label, "series": part[SERIES_ID].nunique(), "base WAPE": base,
                     "reconciled WAPE": ours, "change": ours / base - 1,
                     "inside 80%": part["y"].between(part["lo_80"], part["hi_80"]).mean(),
                     "inside 95%": part["y"].between(part["lo_95"], part["hi_95"]).mean()})
    return pd.DataFrame(rows)


def backtest_table(result) -> pd.DataFrame:
    table = result.accuracy.pivot(index="level", columns="method", values="wape").reindex(result.levels)
    table = table[[BASE, *[m for m in RECONCILERS.names if m in table.columns]]]
    table.index = [LEVELS[level].label for level in table.index]
    return table.rename(columns=RECONCILERS.label).rename(columns={BASE: "base (each level on its own)"})


def evaluate(name: str) -> None:
    frame, train, settings = split(name)
    started = time.perf_counter()
    result = run_reconciled(train, settings)
    seconds = time.perf_counter() - started
    start = train[schema.DATE].max().normalize() + pd.Timedelta(days=1)
    print(f"\n## {name}: {result.summary}\nlevels {list(result.levels)}; best model per level "
          f"{dict(zip(result.models['level'], result.models['model'], strict=True))}; {seconds:.0f} s")
    print(f"backtest WAPE per level and method (3 windows of {HORIZON} weeks before {start:%Y-%m-%d}); "
          f"chosen: {RECONCILERS.label(result.method)}")
    print(markdown(backtest_table(result)))
    print(f"\ntest window: the {HORIZON} weeks from {result.forecasts[DATE].min():%Y-%m-%d} (after the last complete week "
          f"before {start:%Y-%m-%d}), {RECONCILERS.label(result.method)} against the base forecasts")
    print(markdown(test_window(frame, result, settings, start).set_index("level")))


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
