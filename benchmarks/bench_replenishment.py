"""Replenishment benchmark on Online Retail (issue 9): our quantile policy against the spreadsheet rule.

Protocol (the issue's): the benchmarks' Online Retail lines (``online_retail.protocol_frame``),
daily units per StockCode, the 500 codes with most units before 2011-09-12, periodic review
every 7 days, lead time 7 days, 12 simulated weeks from 2011-09-12 (to 2011-12-04), lost
sales, every item starting at its order-up-to level. Cycle service = share of item-weeks
without a lost sale; days of cover = average stock on hand at the end of the day / average
daily demand, pooled over items. "Less stock at the spreadsheet's service": our days of
cover interpolated along our trade-off curve at the service the spreadsheet achieved, against
the spreadsheet's days of cover.

Usage: python benchmarks/bench_replenishment.py [--data PATH] [--choose] [--other]
``--choose`` re-runs the selection of the defaults on the 12-week windows starting 2011-05-23
and 2011-06-20 (both end before 2011-09-12; nothing here reads the benchmark window to choose).
``--other`` adds the checks on data the defaults were not chosen on (the app's own import of the
file, product x country, later/earlier windows, the bakery basket list).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from online_retail import DATA, protocol_frame  # noqa: E402

from retail.inventory.pipeline import run_replenishment  # noqa: E402
from retail.inventory.registry import baseline, ours  # noqa: E402
from retail.inventory.settings import ReplenishmentSettings  # noqa: E402
from retail.inventory.tables import cover_at  # noqa: E402

START = "2011-09-12"
TARGETS = (0.80, 0.90, 0.95, 0.98)
REFERENCE = {0.80: (0.799, 10.5), 0.90: (0.845, 13.5), 0.95: (0.875, 16.1), 0.98: (0.904, 19.1)}
VALIDATION = ("2011-05-23", "2011-06-20")
CURVE = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)
TOLERANCE, SAVING, SECONDS = 0.02, 0.15, 60.0


def run(frame: pd.DataFrame, start: str, top: int = 500, level: str = "product", **params):
    """One run (both policies, every curve target); returns (result, seconds)."""
    settings = ReplenishmentSettings(level=level, top_n=top, simulate_from=start, curve_targets=CURVE,
                                     policy_params={ours(): params} if params else {})
    started = time.perf_counter()
    result = run_replenishment(frame, settings)
    return result, time.perf_counter() - started


def scores(result) -> pd.DataFrame:
    """Per target: both policies' achieved service and cover, and our cover at the spreadsheet's service."""
    curve = result.curve
    rows = []
    for target in TARGETS:
        mine = curve[(curve["policy"] == ours()) & np.isclose(curve["target"], target)].iloc[0]
        base = curve[(curve["policy"] == baseline()) & np.isclose(curve["target"], target)].iloc[0]
        at_base = cover_at(curve, ours(), base["achieved_csl"])
        rows.append({"target": target, "ours_csl": mine["achieved_csl"], "ours_cover": mine["days_of_cover"],
                     "ours_fill": mine["fill_rate"], "base_csl": base["achieved_csl"],
                     "base_cover": base["days_of_cover"], "base_fill": base["fill_rate"],
                     "ours_cover_at_base_csl": at_base, "saving": 1 - at_base / base["days_of_cover"]})
    return pd.DataFrame(rows)


def bar_table(table: pd.DataFrame, seconds: float) -> str:
    lines = ["| target | ours: achieved service | ours: days of cover | spreadsheet: achieved service (issue) | "
             "spreadsheet: days of cover (issue) | ours at the spreadsheet's service | less stock | bar |",
             "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in table.itertuples():
        ref_csl, ref_cover = REFERENCE[row.target]
        hit_service = abs(row.ours_csl - row.target) <= TOLERANCE
        hit_stock = row.saving >= SAVING
        verdict = "hit" if hit_service and hit_stock else "**miss** (" + ", ".join(
            ([] if hit_service else ["service"]) + ([] if hit_stock else ["stock"])) + ")"
        lines.append(f"| {row.target:.2f} | {row.ours_csl:.3f} | {row.ours_cover:.1f} | {row.base_csl:.3f} "
                     f"({ref_csl:.3f}) | {row.base_cover:.1f} ({ref_cover:.1f}) | {row.ours_cover_at_base_csl:.1f} | "
                     f"{row.saving:.0%} | {verdict} |")
    lines.append(f"\nWhole run (500 items, 12 weeks, both policies, {len(CURVE)} targets + the plan): "
                 f"{seconds:.1f} s (bar < {SECONDS:.0f} s: {'hit' if seconds < SECONDS else '**miss**'})")
    return "\n".join(lines)


def volume_check(result, target: float = 0.95) -> str:
    """Achieved service per volume third at the run's target: does the pooled target hide unfair items?"""
    items = result.items.assign(volume=result.daily.groupby("series_id")["demand"].sum().reindex(
        result.items["series_id"]).to_numpy())
    thirds = pd.qcut(items["volume"].rank(method="first"), 3, labels=["smallest third", "middle third",
                                                                      "largest third"])
    table = items.groupby(thirds, observed=True)[[f"achieved_csl_{ours()}", f"achieved_csl_{baseline()}"]].mean()
    lines = [f"| items by units sold (target {target}) | ours | spreadsheet |", "|---|---:|---:|"]
    lines += [f"| {name} | {row.iloc[0]:.3f} | {row.iloc[1]:.3f} |" for name, row in table.iterrows()]
    return "\n".join(lines)


CANDIDATES = {"spread": ("sqrt", "level"), "history_days": (28, 56, 84), "error_weeks": (8, 13, 26),
              "calibration_weeks": (8, 12), "size_classes": (1, 3), "forecast_model": ("ma", "snaive")}


def markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def choose(frame: pd.DataFrame) -> None:
    """Every candidate on the validation windows; the default = best mean saving among those that
    meet every service target (within 2 points) on both windows."""
    rows = []
    for values in itertools.product(*CANDIDATES.values()):
        params = dict(zip(CANDIDATES, values, strict=True))
        if params["forecast_model"] != "ma" and params["history_days"] != 56:
            continue  # the window only matters to the moving average
        per_window = [scores(run(frame, start, **params)[0]) for start in VALIDATION]
        rows.append(params | {"worst_service_miss": max((t["ours_csl"] - t["target"]).abs().max() for t in per_window),
                              "mean_saving": np.mean([t["saving"].mean() for t in per_window]),
                              "worst_saving": min(t["saving"].min() for t in per_window)})
        print(rows[-1], file=sys.stderr, flush=True)
    board = pd.DataFrame(rows)
    board["meets_service"] = board["worst_service_miss"] <= TOLERANCE
    board = board.sort_values(["meets_service", "mean_saving"], ascending=False)
    print(markdown(board))
    print(f"\nchosen: {board.iloc[0][list(CANDIDATES)].to_dict()}")


def bakery() -> pd.DataFrame:
    from retail.data.ingest import load_data

    return load_data(str(DATA.parent.parent / "bakery_baskets" / "bread_basket.csv")).frame


def other_checks(frame: pd.DataFrame) -> None:
    """Data the defaults were not chosen on: the app's own import, another level, other windows, another shop."""
    from retail.data.ingest import load_data

    cases = [("Online Retail as the app imports it (net of cancellations)", load_data(str(DATA)).frame, START, 500,
              "product"),
             ("Online Retail, product x country", frame, START, 500, "product_store"),
             ("Online Retail, 12 weeks from 2011-03-28", frame, "2011-03-28", 500, "product"),
             ("Online Retail, 12 weeks from 2011-05-23 (a choosing window)", frame, "2011-05-23", 500, "product"),
             ("Bakery basket list, top 20 items, 8 weeks from 2017-02-13", bakery(), "2017-02-13", 20, "product")]
    lines = ["| data | targets 0.80 / 0.90 / 0.95 / 0.98: ours achieved | spreadsheet achieved | "
             "less stock at the spreadsheet's service | seconds |", "|---|---|---|---|---:|"]
    for title, data, start, top, level in cases:
        weeks = 8 if "Bakery" in title else 12
        settings = ReplenishmentSettings(level=level, top_n=top, simulate_from=start, simulate_weeks=weeks,
                                         curve_targets=CURVE)
        started = time.perf_counter()
        table = scores(run_replenishment(data, settings))
        seconds = time.perf_counter() - started
        lines.append(f"| {title} | {' / '.join(f'{v:.3f}' for v in table['ours_csl'])} | "
                     f"{' / '.join(f'{v:.3f}' for v in table['base_csl'])} | "
                     f"{' / '.join(f'{v:.0%}' for v in table['saving'])} | {seconds:.1f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--choose", action="store_true", help="re-run the choice of the defaults (slow)")
    parser.add_argument("--other", action="store_true", help="also check data the defaults were not chosen on")
    args = parser.parse_args()
    frame = protocol_frame(args.data)
    if args.choose:
        choose(frame)
        return
    result, seconds = run(frame, START)
    print(bar_table(scores(result), seconds))
    print()
    print(volume_check(result))
    if args.other:
        print()
        other_checks(frame)


if __name__ == "__main__":
    main()
