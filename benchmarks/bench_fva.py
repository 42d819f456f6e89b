"""Forecast value added with simulated planners (issue 24), on the bundled Online Retail sample.

Protocol: a weekly forecast per product (the 100 biggest, default models) is made on the sales before
2011-10-10 and saved in a throw-away workspace, as the app saves it. Promotions are injected into the
8 weeks that follow: 40 random (product, week) forecasts' weeks get +80% units (and sales value) in
the data the planners later compare with. Two simulated planners adjust the saved run, each making a
new version: **pat** knows the promotion calendar and adds +80% on exactly those forecasts (reason
promotion); **nick** changes 40 random forecasts by a random percentage (normal, standard deviation
40%, reason judgement). The sales of the 8 weeks then "arrive" (the full sample with the promotions)
and ``forecast_value_added`` (what the page's Value added tab and ``python -m retail fva`` run)
scores naive, statistical and adjusted forecasts. Repeated for 5 seeds (promotion cells and nick's
changes); the bar: pat's value added positive and nick's negative in every seed.

Usage: python benchmarks/bench_fva.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retail.data import schema  # noqa: E402
from retail.data.ingest import load_data  # noqa: E402
from retail.data.workspace import Workspace  # noqa: E402
from retail.forecast import ForecastSettings, run_forecast  # noqa: E402
from retail.forecast.result import save_run  # noqa: E402
from retail.planning.fva import forecast_value_added  # noqa: E402
from retail.planning.versions import adjust_run  # noqa: E402
from tests.planning_data import GUESSER, PROMOTER, guesser, inject_promotions, promoter, promotion_cells  # noqa: E402

SAMPLE = ROOT / "sample_data" / "online_retail.parquet"
CUT = pd.Timestamp("2011-10-10")  # a Monday: 8 complete weeks follow before the data ends (2011-12-09)
LIFT, PROMOTIONS, GUESSES, SPREAD = 0.8, 40, 40, 0.4
COLUMNS = ["forecasts", "naive_error", "statistical_error", "adjusted_error", "statistical_value_added",
           "adjustment_value_added"]


def one_seed(frame: pd.DataFrame, result, seed: int) -> tuple[pd.DataFrame, str]:
    """The FVA table and sentence of one simulated season."""
    with tempfile.TemporaryDirectory() as home:
        workspace = Workspace(home=home)
        run = save_run(workspace, "sample", result)
        cells = promotion_cells(result, PROMOTIONS, seed)
        arrived = inject_promotions(frame, cells, LIFT)
        second = adjust_run(workspace, run.id, promoter(cells, LIFT), PROMOTER)
        adjust_run(workspace, second.id, guesser(result, GUESSES, SPREAD, seed), GUESSER)
        fva = forecast_value_added(workspace, "sample", arrived)
    return fva.table.assign(seed=seed), fva.sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    frame = load_data(str(SAMPLE)).frame
    started = time.perf_counter()
    settings = ForecastSettings(level="product", freq="W", horizon=8, windows=3, top_n=100)
    result = run_forecast(frame[frame[schema.DATE] < CUT], settings)
    print(f"forecast: {result.summary} best model {result.best}; {time.perf_counter() - started:.0f} s")
    tables = []
    for seed in range(args.seeds):
        table, text = one_seed(frame, result, seed)
        tables.append(table)
        if seed == 0:
            print(f"\nseed 0, the Value added tab's sentence: {text}\n")
            shown = table[COLUMNS[:0] + ["group", "value", *COLUMNS]]
            print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    every = pd.concat(tables, ignore_index=True)
    planners = every[every["group"] == "planner"].pivot(index="seed", columns="value", values="adjustment_value_added")
    print(f"\nvalue added by each planner's changes, points of WAPE on the forecasts they changed, {args.seeds} seeds")
    print(planners.to_string(float_format=lambda v: f"{v:+.1f}"))
    print(f"\nbar: {PROMOTER} positive in every seed: {bool((planners[PROMOTER] > 0).all())}; "
          f"{GUESSER} negative in every seed: {bool((planners[GUESSER] < 0).all())}")


if __name__ == "__main__":
    main()
