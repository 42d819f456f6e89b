"""The default forecast from the command line on a quiet CPU and next to busy processes.

Runs ``python -m retail forecast FILE --json --top 50`` (the Forecast page's defaults:
level product, weekly, horizon 8, all registry models, 3 backtest windows) as a subprocess,
``--runs`` times on a quiet machine and with one and with two competing CPU-bound processes
(``python -c "while True: pass"``, started here and killed after), and prints a Markdown
table: best and median wall seconds, the slowest model's seconds as the leaderboard reports
them, the forecast's own CPU seconds (with its worker processes), and the load of *other*
processes during each run (CPU seconds used by neither the forecast nor the competing
processes, per second of the run: this machine is shared, so a number is only as good as
the quiet it was measured in).

Cases: the app's sample (47 weekly product series), the Walmart store x week totals
(``--level store``, 45 stores) and the bakery basket list (its 23 weeks are too short for
3 windows of 8 weeks, so it runs daily, ``--freq D``). Targets: sample at most 5 s quiet and
at most twice that with two competing processes; no default run over 30 s.

Before each run it waits (``--wait-quiet``, default up to 120 s) for the other processes
to use less than 0.15 of a core; the table reports the load they still caused.

Usage: python benchmarks/bench_forecast_contention.py [--runs 3] [--competitors 0,1,2]
       [--root CHECKOUT] [--cases sample,walmart,bakery] [--wait-quiet 120]
(``--root`` runs another checkout's ``python -m retail``, e.g. the commit before a change.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retail.forecast.registry import COMBINATION, FORECASTERS  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CASES = {
    "sample": ("sample_data/online_retail.parquet", []),
    "walmart": (str(DATA / "walmart_store_sales" / "walmart_store_sales.csv"), ["--level", "store"]),
    "bakery": (str(DATA / "bakery_baskets" / "bread_basket.csv"), ["--freq", "D"]),
}
LABELS = {
    "sample": "sample, 47 weekly product series",
    "walmart": "Walmart, 45 weekly store series",
    "bakery": "bakery, 50 daily product series",
}
SPIN = "while True: pass"
TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS


def cpu_of(pids: list[int]) -> float:
    """CPU seconds used so far by running processes ``pids``."""
    total = 0.0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(stat[11]) + int(stat[12])) / TICKS
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(pids: list[int], max_wait: float, threshold: float = 0.15) -> None:
    """Wait (at most ``max_wait`` s) until processes other than ``pids`` use < ``threshold`` cores."""
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        busy, spun = busy_seconds(), cpu_of(pids)
        time.sleep(1.0)
        if (busy_seconds() - busy) - (cpu_of(pids) - spun) < threshold:
            return


def one_run(root: Path, case: str, spinners: list[subprocess.Popen], max_wait: float) -> dict:
    """One forecast subprocess: wall seconds, its JSON, and the other processes' load."""
    path, extra = CASES[case]
    command = [sys.executable, "-m", "retail", "forecast", path, "--json", "--top", "50", *extra]
    pids = [p.pid for p in spinners]
    wait_for_quiet(pids, max_wait)
    before = (busy_seconds(), cpu_of(pids), children_cpu())
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    busy, spun, ours = (busy_seconds() - before[0], cpu_of(pids) - before[1], children_cpu() - before[2])
    if done.returncode != 0:
        raise SystemExit(f"{case} failed ({done.returncode}): {done.stderr.strip().splitlines()[-1]}")
    return {"wall": wall, "summary": json.loads(done.stdout), "others": max(busy - spun - ours, 0.0) / wall,
            "cpu": ours}


def measure(root: Path, case: str, competitors: int, runs: int, max_wait: float) -> dict:
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(competitors)]
    try:
        time.sleep(0.5 if spinners else 0.0)
        results = [one_run(root, case, spinners, max_wait) for _ in range(runs)]
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    walls = [r["wall"] for r in results]
    models = results[0]["summary"]["models"]
    blends = FORECASTERS.tagged(COMBINATION)  # a blend's seconds are its members'
    model_seconds = {name: statistics.median(r["summary"]["models"][name]["seconds"] for r in results)
                     for name in models if name not in blends}
    slowest = max(model_seconds, key=model_seconds.get)
    return {"best": min(walls), "median": statistics.median(walls), "walls": walls,
            "others": [r["others"] for r in results],
            "cpu": statistics.median(r["cpu"] for r in results), "slowest": slowest,
            "slowest_seconds": model_seconds[slowest], "series": results[0]["summary"]["series"],
            "wape": results[0]["summary"]["wape"], "best_model": results[0]["summary"]["best"]}


def target(case: str, competitors: int, quiet: float | None) -> str:
    if case != "sample":
        return "<= 30"
    if competitors == 0:
        return "<= 5"
    return f"<= {2 * quiet:.1f} (2x quiet)" if quiet is not None and competitors == 2 else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--competitors", default="0,1,2", help="numbers of competing busy processes")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--wait-quiet", type=float, default=120.0, metavar="S",
                        help="before each run, wait up to S seconds for the other processes to go quiet")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose `python -m retail` runs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the competing processes
    print(f"cores: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()[0]:.2f}; "
          f"root: {args.root}", file=sys.stderr)
    print("| data | competing processes | best s | median s | runs, s (others' load if >= 0.1) | CPU s "
          "| slowest model (its seconds) | others' load, median / max | target |\n"
          "|---|---:|---:|---:|---|---:|---|---:|---|")
    for case in args.cases.split(","):
        quiet = None
        for competitors in (int(c) for c in args.competitors.split(",")):
            row = measure(args.root, case, competitors, args.runs, args.wait_quiet)
            quiet = row["median"] if competitors == 0 else quiet
            runs = ", ".join(f"{w:.1f}" + (f" ({o:.1f})" if o >= 0.1 else "")
                             for w, o in zip(row["walls"], row["others"], strict=True))
            print(f"| {LABELS[case]} | {competitors} | {row['best']:.1f} | {row['median']:.1f} | {runs} | "
                  f"{row['cpu']:.1f} | {row['slowest']} ({row['slowest_seconds']:.1f}) | "
                  f"{statistics.median(row['others']):.2f} / {max(row['others']):.2f} | "
                  f"{target(case, competitors, quiet)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
