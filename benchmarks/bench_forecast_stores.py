"""Store totals with the default forecast: the app's own run on files the defaults were not chosen on.

``python -m retail forecast FILE --json`` (level store, weekly, horizon 8, 3 backtest windows, the
default models) and the same with ``--freq D`` on Walmart's 45 stores (weekly only: its rows are
weeks) and on synthetic Rossmann-like chains (``stores_synthetic.py``) of seeds the defaults never
saw (7 and 8; development used seed 1). Printed per run: the model the app chose, its backtest
WAPE, the WAPE of exponential smoothing, LightGBM and the blend, and wall and CPU seconds.
``--root`` runs another checkout's command line (e.g. the commit before a change) on the same files.

Run: .venv/bin/python benchmarks/bench_forecast_stores.py [--root CHECKOUT] [--seeds 7,8]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from customers_protocol import markdown  # noqa: E402
from stores_synthetic import store_days  # noqa: E402

WALMART = ROOT.parent / "shared" / "data" / "walmart_store_sales" / "walmart_store_sales.csv"


def run_cli(root: Path, path: Path, extra: list[str]) -> dict:
    """One default forecast run of ``root``'s command line: its JSON summary, wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "retail", "forecast", str(path), "--json", *extra], cwd=root,
                          capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return summary | {"wall": time.perf_counter() - started, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--seeds", default="7,8")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    files = {"Walmart, 45 stores": (WALMART, [[]])}
    for seed in map(int, args.seeds.split(",")):
        path = args.tmp / f"stores_synthetic_seed{seed}.csv"
        if not path.exists():
            store_days(seed).to_csv(path, index=False)
        files[f"synthetic chain, seed {seed}, 200 stores"] = (path, [[], ["--freq", "D"]])
    rows = []
    for label, (path, variants) in files.items():
        for extra in variants:
            out = run_cli(args.root, path, extra)
            wape = {name: model["wape"] for name, model in out["models"].items()}
            rows.append({"file": label, "frequency": "daily" if extra else "weekly", "chosen": out["best"],
                         "chosen WAPE": out["wape"], **{f"{name} WAPE": wape.get(name, float("nan"))
                                                        for name in ("ets", "lightgbm", "blend")},
                         "wall s": out["wall"], "CPU s": out["cpu"]})
            print(pd.DataFrame(rows[-1:]).to_string(index=False), file=sys.stderr, flush=True)
    print(markdown(pd.DataFrame(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
