"""What a refresh reads back each week: every saved forecast run of a replayed workspace (kept by
``bench_weekly.py --keep DIR``), scored again as the refresh scores it. Prints the runs, the workspace
connections opened and the CPU seconds of :func:`retail.planning.tracking.saved_forecasts` and of the
whole "This week" computation (median of ``--repeat`` runs, on a copy of the workspace).

    python benchmarks/bench_weekly_reads.py /tmp/bench-weekly-XXXX/home
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retail.data.workspace import Workspace  # noqa: E402
from retail.planning import attention, tracking  # noqa: E402

DATASET = "shop"


def cpu_seconds(work, repeat: int) -> float:
    spent = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        spent.append(time.process_time() - started)
    return float(np.median(spent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="a replay's workspace folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    copy = Path(tempfile.mkdtemp(prefix="weekly-reads-")) / "home"
    shutil.copytree(args.home, copy)
    workspace = Workspace(home=copy)
    frame = workspace.load(DATASET)
    opened = []
    connect = Workspace._connect
    Workspace._connect = lambda self: opened.append(1) or connect(self)
    runs = tracking.saved_forecasts(workspace, DATASET)
    connections = len(opened)
    Workspace._connect = connect
    reading = cpu_seconds(lambda: tracking.saved_forecasts(workspace, DATASET), args.repeat)
    week = cpu_seconds(lambda: attention.this_week(workspace, DATASET, frame), args.repeat)
    print("| saved forecast runs | connections opened | reading them, CPU s | This week in all, CPU s |")
    print("|---:|---:|---:|---:|")
    print(f"| {len(runs)} | {connections} | {reading:.2f} | {week:.2f} |")
    shutil.rmtree(copy.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
