"""The weekly cycle's evidence (issue 23): a season replayed through ``python -m retail refresh``.

Cut the data at a Monday T, import what came before, save a forecast and an order plan, then run
``refresh`` once a week on the files of weeks T+1..T+12 built from the rest, with level shifts of
+80% or -60% injected into some series from a random week on (weeks T+1..T+10, so each has two weeks
to be found). Printed: seconds per refresh (wall and CPU; the machine is shared), the forecasts'
measured error per week next to what their backtests promised and their ranges' real coverage, the
share of injected shifts flagged within two weeks and the share of flags that are real, whether a
second run of the same week changes anything, and what killing a refresh leaves behind.

A flag is an exception of the kinds that say a series left its forecast: *outside the forecast's
range* and *forecast keeps missing one way*. A flag is real when its series had a shift injected
at or before that week. Flags are counted when new (the series was not flagged the week before),
and also every week.

Usage::

    python benchmarks/bench_weekly.py                       # the test window: Online Retail from 2011-09-05
    python benchmarks/bench_weekly.py --sweep               # choose the thresholds on the development windows
    python benchmarks/bench_weekly.py --data walmart --start 2012-02-06 --shifts 10

The defaults of the two kinds were chosen with ``--sweep`` on development windows only (Online
Retail from 2011-05-02 and Walmart from 2011-05-02); the test window was run once, afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replenishment import markdown  # noqa: E402
from weekly_replay import DATASET, SCENARIOS, Replay, prepare, replay  # noqa: E402

from retail.data.workspace import Workspace  # noqa: E402
from retail.planning import attention, tracking  # noqa: E402
from retail.planning.exceptions import outside_range, persistent_bias  # noqa: E402
from retail.planning.registry import EXCEPTIONS  # noqa: E402

FAMILY = ("outside-range", "bias")
DEVELOPMENT = (("online-retail", "2011-05-02", 30), ("walmart", "2011-05-02", 10))
SECONDS_BAR, RECALL_BAR, PRECISION_BAR = 30.0, 0.8, 0.5


def weekly_flags(home: Path) -> list[set[str]]:
    """Per refresh, oldest first: the series flagged by a kind of :data:`FAMILY` (also as a secondary kind)."""
    workspace = Workspace(home=home)
    labels = [EXCEPTIONS.get(kind).label for kind in FAMILY]
    flags = []
    for run in sorted(workspace.list_runs("refresh", DATASET), key=lambda r: r.id):
        table = workspace.load_run_table(run.id, "exceptions")
        if table.empty:
            flags.append(set())
            continue
        also = table["also"].fillna("").astype(str)
        hit = table["kind"].isin(FAMILY) | also.apply(lambda text: any(label in text for label in labels))
        flags.append(set(table.loc[hit, "series_id"].astype(str)))
    return flags


def detection(flags: list[set[str]], shifts: pd.DataFrame) -> dict[str, float]:
    """Share of shifts flagged within two weeks; share of flags (new ones, and every week's) that are real."""
    starts = dict(zip(shifts["series_id"].astype(str), shifts["week"] + 1, strict=True))  # 1-based refresh weeks
    found = [any(sid in flags[k - 1] for k in (week, week + 1) if k <= len(flags)) for sid, week in starts.items()]
    new, every = [], []
    for k, flagged in enumerate(flags, start=1):
        previous = flags[k - 2] if k > 1 else set()
        for sid in flagged:
            real = sid in starts and starts[sid] <= k
            every.append(real)
            if sid not in previous:
                new.append(real)
    return {"shifts": len(starts), "recall": float(np.mean(found)) if found else float("nan"),
            "new_flags": len(new), "precision": float(np.mean(new)) if new else float("nan"),
            "flags": len(every), "precision_all": float(np.mean(every)) if every else float("nan")}


def tracked(home: Path) -> pd.DataFrame:
    workspace = Workspace(home=home)
    return tracking.track(workspace, DATASET, workspace.load(DATASET)).by_week


def report(result: Replay) -> None:
    """The tables of one replay."""
    weeks = tracked(result.home)
    flags = weekly_flags(result.home)
    print(f"\n### {result.prepared.scenario.name}, from {result.prepared.start:%Y-%m-%d}\n")
    print("| week | seconds (CPU) | rows added | error measured (WAPE) | promised | bias | inside 80% | inside 95% |"
          " flagged |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    by_date = weeks.set_index("date")
    for k, summary in enumerate(result.summaries, start=1):
        week_start = result.prepared.start + pd.Timedelta(weeks=k - 1)
        row = by_date.loc[week_start] if week_start in by_date.index else None
        cells = (f"{row[c]:.3f}" if row is not None else "" for c in ("wape", "promised_wape", "bias",
                                                                              "coverage_80", "coverage_95"))
        print(f"| {week_start:%Y-%m-%d} | {result.seconds[k - 1]:.1f} ({result.cpu[k - 1]:.1f}) | "
              f"{summary['append']['added']:,} | " + " | ".join(cells) + f" | {len(flags[k - 1])} |")
    numbers = detection(flags, result.prepared.shifts)
    seconds = np.array(result.seconds)
    print(f"\nseconds per refresh: median {np.median(seconds):.1f}, max {seconds.max():.1f} (bar <= {SECONDS_BAR:.0f});"
          f" CPU median {np.median(result.cpu):.1f}")
    print(f"injected shifts flagged within two weeks: {numbers['recall']:.0%} of {numbers['shifts']} "
          f"(bar >= {RECALL_BAR:.0%}); new flags that are real: {numbers['precision']:.0%} of {numbers['new_flags']} "
          f"(bar >= {PRECISION_BAR:.0%}); every week's flags: {numbers['precision_all']:.0%} of {numbers['flags']}")
    for check in result.idempotent:
        print(f"week {check['week']} again: changed {check['changed']}, workspace identical {check['same workspace']}")
    for kill in result.kills:
        print(f"killed after {kill['killed after (s)']:.1f} s (finished first: {kill['finished first']}): "
              f"{kill['workspace']}")


def _runs_at(workspace: Workspace, summaries: list[dict]) -> list[list[tracking.SavedForecast]]:
    """Per week k, the saved forecasts that existed when its refresh ran (made before it)."""
    saved = tracking.saved_forecasts(workspace, DATASET)
    made = [saved[0].run_id] + [s["runs"]["forecast"] for s in summaries]
    return [[run for run in saved if run.run_id <= made[k]] for k in range(len(summaries))]


def sweep_contexts(result: Replay) -> list:
    """Each week's exception context rebuilt from the final workspace (the rows and runs of that week)."""
    workspace = Workspace(home=result.home)
    frame = workspace.load(DATASET)
    contexts = []
    for k, runs in enumerate(_runs_at(workspace, result.summaries), start=1):
        end = result.prepared.start + pd.Timedelta(weeks=k)
        contexts.append(attention.context(workspace, DATASET, frame[frame["date"] < end], runs)[0])
    return contexts


OUTSIDE_GRID = [None, *itertools.product((80, 95), (0.25, 0.5, 0.75, 1.0, 1.5))]  # None: switched off
BIAS_GRID = [None, *itertools.product((2, 3), (1.0, 1.5, 2.0, 2.5, 3.0), (0.1, 0.25, 0.5))]


def sweep_scores(contexts: list, shifts: pd.DataFrame) -> pd.DataFrame:
    """Every pair of settings of the two kinds, scored on one replay (each kind's flags computed once)."""
    outside = {o: [set() if o is None else set(outside_range(c, coverage=o[0], min_miss=o[1])["series_id"].astype(str))
                   for c in contexts] for o in OUTSIDE_GRID}
    bias = {b: [set() if b is None else set(persistent_bias(c, periods=b[0], min_z=b[1], min_share=b[2])[
        "series_id"].astype(str)) for c in contexts] for b in BIAS_GRID}
    rows = []
    for o, b in itertools.product(OUTSIDE_GRID, BIAS_GRID):
        flags = [first | second for first, second in zip(outside[o], bias[b], strict=True)]
        rows.append({"outside range (coverage, min miss)": "off" if o is None else f"{o[0]}%, {o[1]}",
                     "bias (weeks, min z, min share)": "off" if b is None else f"{b[0]}, {b[1]}, {b[2]}",
                     **detection(flags, shifts)})
    return pd.DataFrame(rows)


def sweep(args: argparse.Namespace) -> None:
    """Replay the development windows once, then score every setting of the grid on them."""
    tables = []
    for name, start, shifts in DEVELOPMENT:
        with tempfile.TemporaryDirectory() as folder:
            prepared = prepare(SCENARIOS[name], start, args.weeks, shifts, args.seed, Path(folder) / "files")
            result = replay(prepared, Path(folder) / "home")
            report(result)
            tables.append(sweep_scores(sweep_contexts(result), prepared.shifts).assign(window=f"{name} {start}"))
    scores = pd.concat(tables)
    keys = ["outside range (coverage, min miss)", "bias (weeks, min z, min share)"]
    worst = scores.groupby(keys).agg(recall=("recall", "mean"), worst_precision=("precision", "min"),
                                     flags=("new_flags", "sum")).reset_index()
    eligible = worst[worst["worst_precision"] >= PRECISION_BAR].sort_values(["recall", "flags"], ascending=[False, True])
    print("\n### Settings on the development windows (best mean recall with every window's precision >= 50%)\n")
    print(markdown(eligible.head(12)))
    print("\n" + markdown(scores.sort_values(["window", "recall"], ascending=[True, False])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=list(SCENARIOS), default="online-retail")
    parser.add_argument("--start", default="2011-09-05", help="the Monday the replay starts (T+1)")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--shifts", type=int, default=30, help="series with a level shift injected")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep", action="store_true", help="choose the thresholds on the development windows")
    parser.add_argument("--keep", default=None, metavar="DIR", help="keep the files, workspace and pack here")
    args = parser.parse_args()
    if args.sweep:
        sweep(args)
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-weekly-"))
    prepared = prepare(SCENARIOS[args.data], args.start, args.weeks, args.shifts, args.seed, folder / "files")
    result = replay(prepared, folder / "home", idempotency_weeks=(3, 8), kill_week=6,
                    kill_after=(0.5, 2.0, 5.0, 9.0, 14.0, 20.0), pack=folder / "pack")
    report(result)
    print(f"\nfiles, workspace and the last week's pack in {folder}")


if __name__ == "__main__":
    main()
