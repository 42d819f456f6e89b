"""Whole-process cost of ``python -m retail validate`` and ``import`` against ``pandas.read_csv``.

The Online Retail line items (541,909 rows) are written to a CSV once; each command runs as
its own process, best of several runs. Target: validate and import cost at most 2x a plain
``pandas.read_csv`` of the same file (they also sniff, map, type and check every row, and
``import`` stores it), so no command pays for importing LightGBM or scikit-learn.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from online_retail import DATA  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def best_of(command: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "online_retail.csv"
        pd.read_parquet(DATA).to_csv(csv, index=False)
        env = os.environ | {"RETAIL_HOME": str(Path(folder) / "home")}
        python = sys.executable
        rows = [
            ("pandas.read_csv (reference)", [python, "-c", f"import pandas; pandas.read_csv({str(csv)!r})"]),
            ("python -m retail validate", [python, "-m", "retail", "validate", str(csv)]),
            ("python -m retail import --replace", [python, "-m", "retail", "import", str(csv), "--name", "bench",
                                                    "--replace"]),
            ("python -m retail models (start-up only)", [python, "-m", "retail", "models"]),
        ]
        size = csv.stat().st_size / 1e6
        print(f"{len(pd.read_parquet(DATA)):,} rows, {size:.1f} MB CSV; best of {RUNS} runs per command\n")
        print("| command | seconds | vs read_csv |\n|---|---:|---:|")
        reference = None
        for label, command in rows:
            seconds = best_of(command, env)
            reference = reference or seconds
            print(f"| {label} | {seconds:.2f} | {seconds / reference:.2f}x |")
        print("\ntarget: validate and import <= 2.00x")


if __name__ == "__main__":
    main()
