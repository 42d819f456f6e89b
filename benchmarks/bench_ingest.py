"""Read + validate + store a 1,000,000-row CSV (issue target: under 5 s in all).

The CSV is made of real Online Retail rows (../shared/data), drawn with replacement, written
as the original UCI export looks (dd/mm/yyyy hh:mm dates). Run: .venv/bin/python benchmarks/bench_ingest.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from online_retail import DATA  # noqa: E402

from retail.data.readers import read_table  # noqa: E402
from retail.data.schema import infer_mapping  # noqa: E402
from retail.data.validation import validate  # noqa: E402
from retail.data.workspace import Workspace  # noqa: E402

ROWS = 1_000_000


def make_csv(path: Path) -> None:
    """The real file, then as many rows again as a second year (later dates, other invoice numbers)."""
    source = pd.read_parquet(DATA)
    again = source.head(ROWS - len(source)).copy()
    again["InvoiceDate"] += pd.Timedelta(days=371)
    again["InvoiceNo"] = again["InvoiceNo"].str.replace(r"(\d+)", r"9\1", regex=True)
    rows = pd.concat([source, again], ignore_index=True)
    rows["InvoiceDate"] = rows["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M")
    rows.to_csv(path, index=False)


def main() -> None:
    if not DATA.exists():
        sys.exit(f"needs {DATA}")
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "sales_1m.csv"
        make_csv(csv)
        size_mb = csv.stat().st_size / 1e6
        timings = {}
        start = time.perf_counter()
        raw = read_table(csv)
        timings["read (sniff + pyarrow)"] = time.perf_counter() - start
        step = time.perf_counter()
        result = validate(raw, infer_mapping(raw.frame))
        timings["map + validate"] = time.perf_counter() - step
        step = time.perf_counter()
        Workspace(Path(folder) / "ws").save_dataset("bench", result.frame, result.report)
        timings["store (DuckDB, one transaction)"] = time.perf_counter() - step
        timings["total"] = time.perf_counter() - start
    print(f"\n1,000,000-row CSV ({size_mb:.0f} MB), rows kept {result.report.rows_kept:,}\n")
    print("| step | seconds |\n|---|---:|")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.2f} |")
    verdict = "meets" if timings["total"] < 5 else "MISSES"
    print(f"\ntarget: total under 5 s -> {verdict}")


if __name__ == "__main__":
    main()
