"""Whole-process cost of ``python -m retail validate`` and ``import`` against ``pandas.read_csv``.

The Online Retail line items (541,909 rows) are written to a CSV once; each command runs as
its own process. The commands take turns (read_csv, validate, import, ... then again), so a
neighbour's burst of work on a shared machine falls on all of them alike; each command's best
wall-clock time and its best processor time (user + system, all threads) are kept. Target:
validate and import cost at most 2x a plain ``pandas.read_csv`` of the same file (they also
sniff, map, type and check every row, and ``import`` stores it), so no command pays for
importing LightGBM or scikit-learn.

Run: ``.venv/bin/python benchmarks/bench_cli_startup.py [--runs 7] [--before CHECKOUT]``; ``--before`` adds
the ``validate`` of another checkout of the project (an earlier commit) to the same turns, so a change
is measured against its own past under the same load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from online_retail import DATA  # noqa: E402
from process_cost import ROOT, run, user_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="turns of every command (best of)")
    parser.add_argument("--before", type=Path, help="another checkout of the project whose validate takes turns too")
    args = parser.parse_args()
    runs = args.runs
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "online_retail.csv"
        pd.read_parquet(DATA).to_csv(csv, index=False)
        env = user_environment(Path(folder) / "home")
        python = sys.executable
        rows = {
            "pandas.read_csv (reference)": [python, "-c", f"import pandas; pandas.read_csv({str(csv)!r})"],
            "python -m retail validate": [python, "-m", "retail", "validate", str(csv)],
            "python -m retail import --replace": [python, "-m", "retail", "import", str(csv), "--name", "bench",
                                                  "--replace"],
            "python -m retail models (start-up only)": [python, "-m", "retail", "models"],
        }
        folders = dict.fromkeys(rows, ROOT)
        if args.before:
            label = f"python -m retail validate, {args.before}"
            rows[label], folders[label] = rows["python -m retail validate"], args.before
        load = os.getloadavg()[0]
        best = {label: (float("inf"), float("inf")) for label in rows}
        for _ in range(runs):
            for label, command in rows.items():
                cost = run(command, env, folders[label])
                best[label] = (min(best[label][0], cost.seconds), min(best[label][1], cost.cpu_seconds))
        size = csv.stat().st_size / 1e6
        print(f"{len(pd.read_parquet(DATA)):,} rows, {size:.1f} MB CSV; best of {runs} turns per command; "
              f"{os.cpu_count()} cores, load average {load:.1f} before and {os.getloadavg()[0]:.1f} after\n")
        print("| command | seconds | vs read_csv | processor seconds | vs read_csv |\n|---|---:|---:|---:|---:|")
        wall_0, cpu_0 = best["pandas.read_csv (reference)"]
        for label, (wall, cpu) in best.items():
            print(f"| {label} | {wall:.2f} | {wall / wall_0:.2f}x | {cpu:.2f} | {cpu / cpu_0:.2f}x |")
        print("\ntarget: validate and import <= 2.00x")


if __name__ == "__main__":
    main()
