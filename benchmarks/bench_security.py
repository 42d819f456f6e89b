"""What the defences of issue 22 cost and what they stop, measured on the code the app runs.

1. Hostile uploads at the default limit (RETAIL_MAX_FILE_MB=1024): each file read by ``read_table``
   (what the Data page and ``python -m retail validate`` call) in a fresh process; the time until the
   refusal and the process's peak memory, against a tiny valid file read the same way.
2. Erasure on the bundled Online Retail sample (every line item, 541,909 rows, one dataset plus a
   saved campaign list): ``forget_customer`` of the customer with the most rows; the seconds it takes
   (compaction included), the file's size, and how often the id's bytes are in the file before and
   after.
3. Emptying the trash: two copies of the sample, one deleted (holding a customer the other does not);
   the seconds ``empty_trash`` takes (compaction included), and that customer's bytes in the file.
4. Sign-in under a burst: N wrong passwords for one name sent at once from N threads; how many
   reached the argon2 check (the limit is 5).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_files import (  # noqa: E402
    long_name_csv,
    repeated_text_parquet,
    wide_csv,
    wide_parquet,
    xlsx_bomb,
    zip_bomb,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROBE = """
import json, resource, sys, time
from retail.data.readers import ReadError, read_table
started = time.perf_counter()
try:
    read_table(sys.argv[1]); outcome = "read"
except ReadError as exc:
    outcome = str(exc)
print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def read_in_a_process(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT,
                          check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(path.parent)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def uploads(folder: Path) -> None:
    files = {
        "a valid 3-column CSV (the baseline)": long_name_csv(folder / "ok.csv", 10),
        "zip of a CSV, 2 GB inside": zip_bomb(folder / "bomb.zip", 2048),
        "xlsx, 2 GB of sheet XML": xlsx_bomb(folder / "bomb.xlsx", 2048),
        "xlsx, 40M values in 1 GB XML": xlsx_bomb(folder / "cells.xlsx", 1000),
        "CSV of 400,000 columns": wide_csv(folder / "wide.csv", 400_000),
        "CSV, a 200 KB header name": long_name_csv(folder / "long.csv"),
        "Parquet of 20,000 columns": wide_parquet(folder / "wide.parquet", 20_000),
        "Parquet, a 10 kB name on 1M rows (10 GB decoded)": repeated_text_parquet(folder / "names.parquet", 1_000_000),
    }
    print("| file | size | refused in | peak memory | what the person reads |\n|---|---:|---:|---:|---|")
    for label, path in files.items():
        run = read_in_a_process(path)
        said = run["outcome"].split(":")[0][:70] if run["outcome"] != "read" else "(read: 2 rows)"
        print(f"| {label} | {path.stat().st_size / 1024**2:,.1f} MB | {run['seconds']:.2f} s | "
              f"{run['peak_mb']:,.0f} MB | {said} |")


def erasure(folder: Path) -> None:
    from retail.access import privacy
    from retail.data.ingest import import_file
    from retail.data.workspace import Workspace

    workspace = Workspace(home=folder / "home")
    info, _ = import_file(workspace, ROOT / "sample_data" / "online_retail.parquet", "online retail")
    frame = workspace.load(info.name)
    customer = str(frame["customer_id"].value_counts().index[0])
    audience = frame.groupby("customer_id", as_index=False)["revenue"].sum().rename(columns={"revenue": "expected_spend"})
    workspace.save_run("campaign", info.name, {"name": "everyone"}, {}, {"audience": audience})
    file = folder / "home" / "workspace.duckdb"
    before, traces = file.stat().st_size, file.read_bytes().count(customer.encode())
    started = time.perf_counter()
    removed = privacy.forget_customer(workspace, customer)
    seconds = time.perf_counter() - started
    print("\n| line items | campaign list | rows removed | forget-customer (with compaction) | file before | "
          "file after | the id's bytes in the file, before | after |\n|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(frame):,} | {len(audience):,} | {removed.rows:,} | {seconds:.1f} s | {before / 1024**2:,.1f} MB | "
          f"{file.stat().st_size / 1024**2:,.1f} MB | {traces} | {file.read_bytes().count(customer.encode())} |")


def empty_trash(folder: Path) -> None:
    """Two copies of the sample, one deleted: emptying the trash (with the compaction) and what stays in the file."""
    from retail.data.ingest import import_file
    from retail.data.workspace import Workspace

    workspace = Workspace(home=folder / "trash")
    import_file(workspace, ROOT / "sample_data" / "online_retail.parquet", "gone")
    kept, _ = import_file(workspace, ROOT / "sample_data" / "online_retail.parquet", "kept")
    frame = workspace.load("kept")
    only_gone = "CUST-ONLY-IN-GONE"
    with workspace.connection() as con:  # a customer that only the deleted copy holds
        con.execute(f"UPDATE ds_{workspace.get('gone').id} SET customer_id = ? WHERE customer_id = ?",
                    [only_gone, frame["customer_id"].dropna().iloc[0]])
    workspace.delete("gone")
    file = folder / "trash" / "workspace.duckdb"
    before, traces = file.stat().st_size, file.read_bytes().count(only_gone.encode())
    started = time.perf_counter()
    workspace.empty_trash()
    seconds = time.perf_counter() - started
    print("\n| rows kept | rows emptied | empty-trash (with compaction) | file before | file after | "
          "the emptied-only id's bytes, before | after |\n|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {kept.rows:,} | {len(frame):,} | {seconds:.1f} s | {before / 1024**2:,.1f} MB | "
          f"{file.stat().st_size / 1024**2:,.1f} MB | {traces} | {file.read_bytes().count(only_gone.encode())} |")


def burst(folder: Path, attempts: int) -> tuple[int, float]:
    from retail.access import signin, users
    from retail.data.workspace import Workspace

    access = folder / f"access-{attempts}.toml"
    users.add_user("ada", "admin", "correct horse battery", access)
    workspace = Workspace(home=folder / f"burst-{attempts}")
    checked, verify = [], users.verify
    users.verify = lambda *args: checked.append(1) or verify(*args)
    gate = threading.Barrier(attempts)

    def one() -> None:
        gate.wait()
        with suppress(signin.SignInRefused):
            signin.sign_in(workspace, "ada", "wrong password", "192.0.2.1", access)

    threads = [threading.Thread(target=one) for _ in range(attempts)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    users.verify = verify
    return len(checked), time.perf_counter() - started


def sign_in(folder: Path) -> None:
    print("\n| wrong passwords sent at once | reached the argon2 check | limit | all answered in |\n|---:|---:|---:|---:|")
    for attempts in (12, 50):
        checked, seconds = burst(folder, attempts)
        print(f"| {attempts} | {checked} | 5 | {seconds:.1f} s |")


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        uploads(folder)
        erasure(folder)
        empty_trash(folder)
        sign_in(folder)


if __name__ == "__main__":
    main()
