"""How long a Pricing run takes, this tree against another (``--before DIR``), on the same data and at
the same moments: each run is a fresh process running ``run_elasticity`` with the default settings (what
the Pricing page's button runs), in the order before, after, after, before (so a machine that gets
busier or quieter during the benchmark weighs on both alike).

Data: the sample (Online Retail, 2,367 products fitted, no promotion column) and one seed of each
synthetic till export of ``bench_pricing.py`` (``busy:0``, ``slow:0``). For this tree it also counts
the measurable products whose estimate did not settle (the fit stopped at its step limit).

Run: ``.venv/bin/python benchmarks/bench_pricing_speed.py --before /tmp/before [--data sample,busy:0,slow:0]``
(``git archive <commit> | tar -x -C /tmp/before`` makes the other tree).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = r'''
import sys; sys.path.insert(0, "."); sys.path.insert(0, "benchmarks")
from retail.pricing.run import run_elasticity
what = sys.argv[1]
if what == "sample":
    from retail.data.ingest import load_data
    frame = load_data("sample_data/online_retail.parquet").frame
else:
    import bench_pricing
    file, seed = what.split(":")
    frame, _ = bench_pricing.seed_frame(file, int(seed))
result = run_elasticity(frame)
table = result.products
unsettled = int((~table.loc[table["identifiable"], "settled"]).sum()) if "settled" in table else -1
print(result.seconds, int(table["identifiable"].sum()), unsettled)
'''


def one_run(tree: Path, data: str) -> tuple[float, int, int]:
    """(seconds, measurable products, of which not settled: -1 when the tree does not say) of one run."""
    done = subprocess.run([sys.executable, "-c", RUN, data], cwd=tree, capture_output=True, text=True, check=True)
    seconds, measured, unsettled = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(measured), int(unsettled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another tree of the app (measured in the same rounds)")
    parser.add_argument("--data", default="sample,busy:0,slow:0", help="comma-separated: sample, busy:SEED, slow:SEED")
    args = parser.parse_args()
    order = [("before", args.before), ("after", ROOT), ("after", ROOT), ("before", args.before)]
    trees = [(name, tree) for name, tree in order if tree is not None]
    rows = []
    for data in [d.strip() for d in args.data.split(",") if d.strip()]:
        seconds: dict[str, list[float]] = {}
        for name, tree in trees:
            took, measured, unsettled = one_run(tree, data)
            seconds.setdefault(name, []).append(took)
            print(f"{data} {name}: {took:.1f} s, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            if name == "after":
                counts = (measured, unsettled)
        before, after = seconds.get("before", []), seconds["after"]
        ratio = f"{statistics.mean(after) / statistics.mean(before):.2f}" if before else ""
        rows.append(f"| {data} | {' / '.join(f'{s:.1f}' for s in before)} | {' / '.join(f'{s:.1f}' for s in after)} "
                    f"| {ratio} | {counts[0]:,} | {counts[1]:,} |")
    print(f"machine load (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| data | before (s) | after (s) | after / before | measurable products | of which not settled |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
