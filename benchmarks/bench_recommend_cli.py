"""Whole-command cost of ``python -m retail recommend`` on a 5.4M-line file: seconds and peak memory.

The file is the scale benchmark's synthetic purchases (:func:`bench_recommend_scale.synthetic`:
100,000 customers x 20,000 products, Zipf-like popularity and activity, seeded) written as a CSV
with the columns a till export has (date, customer, product, units, price). The command runs as its
own process, as a user runs it: read, map and validate the file, build the customer x product matrix,
fit the default list (the hybrid) or item-kNN and rank the heaviest customer's top 10. Peak memory is the
process's peak resident set (``wait4``), so whatever the command holds at once counts.
Target (issue 28): peak under 3 GB.

Run: ``.venv/bin/python benchmarks/bench_recommend_cli.py [--file /tmp/scale.csv] [--runs 1]``
(``--file`` keeps the 180 MB CSV between runs; it is written when absent.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_recommend_scale import synthetic  # noqa: E402
from process_cost import run, user_environment  # noqa: E402

HEAVIEST = "c0"  # the most active customer of the Zipf-like activity
TARGET_GB = 3.0


def write_file(path: Path, customers: int, products: int, lines: int) -> None:
    """The synthetic purchases as a CSV with a till export's columns (no order id: one line, one purchase)."""
    frame = synthetic(customers, products, lines)
    columns = {"date": frame["date"].dt.strftime("%Y-%m-%d"), "customer_id": frame["customer_id"],
               "product_id": frame["product_id"], "quantity": frame["quantity"], "unit_price": frame["unit_price"]}
    pacsv.write_csv(pa.table({name: pa.array(values.to_numpy()) for name, values in columns.items()}), str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, help="where the CSV is kept (written when absent)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=5_400_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per command (best time, highest peak)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.file or Path(folder) / "scale.csv"
        if not path.exists():
            write_file(path, args.customers, args.products, args.lines)
        env = user_environment(Path(folder) / "home")
        python = sys.executable
        command = [python, "-m", "retail", "recommend", str(path), "--customer", HEAVIEST, "--json"]
        commands = [
            ("python -m retail validate (read, map, validate)", [python, "-m", "retail", "validate", str(path)]),
            ("python -m retail recommend --customer c0 (the default list: hybrid)", command),
            ("the same with --algorithm item-knn", [*command, "--algorithm", "item-knn"]),
        ]
        print(f"{args.lines:,} lines, {args.customers:,} customers x {args.products:,} products, "
              f"{path.stat().st_size / 1e6:.0f} MB CSV; {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at the start\n")
        print("| command | seconds | peak memory, GB |\n|---|---:|---:|")
        for label, command in commands:
            costs = [run(command, env) for _ in range(args.runs)]
            print(f"| {label} | {min(c.seconds for c in costs):.1f} | {max(c.peak_gb for c in costs):.2f} |")
        print(f"\ntarget: recommend peak < {TARGET_GB:.0f} GB")


if __name__ == "__main__":
    main()
