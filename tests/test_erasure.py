"""Erasure that erases: after `forget-customer` no saved run (campaign results under the file's own
customer column, targeting lists, campaigns and their settings) holds the customer, and the raw bytes
of the workspace's files hold no trace of the id: DuckDB's file and log, PostgreSQL's table files.
Emptying the trash leaves no trace of the purged dataset in them either. The audit log keeps the
counts, never the id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from retail.access import privacy
from retail.access.guard import GuardedWorkspace
from retail.access.roles import Actor
from retail.cli.main import main
from retail.customers.campaign import RUN_KIND as CAMPAIGN
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.experiments.results import campaign_from_frame
from retail.experiments.store import save_results
from retail.experiments.targeting import save_targeting
from tests.conftest import ROOT, owner_only, transactions_csv

SECRET = "CUST-90417-ERASE"  # distinctive, so a raw byte search cannot match anything else
ADMIN = Actor("ada", "admin", "password")


def shop_csv() -> bytes:
    rows = [f"2011-02-{day:02d},{sku},Mug {sku},{qty},1.50,{customer},London,{day}{sku}"
            for day in range(1, 29) for sku, qty, customer in (("A", 2, SECRET), ("B", 1, "c2"), ("C", 3, "c3"))]
    return transactions_csv(rows)


def fill(workspace: Workspace) -> None:
    """Every place a customer id lands: a dataset, a deleted one in the trash, campaign results whose
    customer column is the file's own "Customer", a targeting list, a campaign with its chosen customers."""
    import_file(workspace, shop_csv(), "shop", file_name="shop.csv")
    import_file(workspace, shop_csv(), "old shop", file_name="shop.csv")
    workspace.delete("old shop")
    results = pd.DataFrame({"Customer": [SECRET, "c2", "c3", "c4"], "Offer": ["A", "none", "A", "none"],
                            "Purchased": [1, 0, 0, 1]})
    save_results(workspace, "spring mailing", campaign_from_frame(results), "shop")
    save_targeting(workspace, "shop", "next mailing", pd.DataFrame({"customer_id": [SECRET, "c3"], "rank": [1, 2]}),
                   {"model": "two models", "share": 0.5})
    audience = pd.DataFrame({"customer_id": [SECRET, "c2"], "expected_spend": [12.0, 3.0]})
    workspace.save_run(CAMPAIGN, "shop", {"name": "vip", "customers": [SECRET, "c2"]}, {"name": "vip"},
                       {"audience": audience})


def traces(folder: Path, needle: str = SECRET) -> dict[str, int]:
    """How many times ``needle``'s bytes (the id's by default) occur in each file under ``folder``."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            count = path.read_bytes().count(needle.encode())
        except FileNotFoundError:  # a live server removes caches (pg_internal.init) as it goes: no trace there
            continue
        if count:
            found[str(path.relative_to(folder))] = count
    return found


def test_forget_customer_leaves_no_trace_in_runs_or_in_the_duckdb_files(tmp_path):
    home = tmp_path / "home"
    workspace = Workspace(home=home)
    fill(workspace)
    assert traces(home)  # the test can see the id where it is
    erasure = GuardedWorkspace(workspace, ADMIN).forget_customer(SECRET)
    assert erasure.datasets == {"shop": 28, "old shop": 28} and len(erasure.runs) == 3
    assert erasure.rows == 56 + 3 and erasure.mentions >= 1
    for run in workspace.list_runs():
        for name in run.tables:
            assert SECRET not in workspace.load_run_table(run.id, name).astype(str).to_numpy().ravel().tolist()
        assert SECRET not in str(run.settings) + str(run.summary)
    assert traces(home) == {}
    assert sorted(p.name for p in home.iterdir()) == ["workspace.duckdb", "workspace.duckdb.lock"]  # nothing left over
    assert workspace.get("shop").rows == 56 and workspace.restore("old shop").rows == 56  # the rest intact
    entry = GuardedWorkspace(workspace, ADMIN).audit_log("forget customer").iloc[0]
    assert "59 rows removed" in entry["detail"] and SECRET not in entry.to_string()
    import_file(workspace, shop_csv(), "after", file_name="shop.csv")  # the compacted file takes new data
    assert workspace.get("after").rows == 84 and len(workspace.list_runs()) == 3


def test_the_command_line_erases_from_the_files_too(workspace_home, tmp_path, capsys):
    path = tmp_path / "shop.csv"
    path.write_bytes(shop_csv())
    assert main(["import", str(path), "--name", "shop"]) == 0
    assert traces(workspace_home)
    capsys.readouterr()
    assert main(["forget-customer", SECRET]) == 0
    assert capsys.readouterr().out.startswith("28 rows removed from shop (28).")
    assert traces(workspace_home) == {}


def test_the_workspace_files_are_readable_by_their_owner_only(tmp_path, loose_umask):
    home = tmp_path / "home"
    workspace = Workspace(home=home)
    import_file(workspace, shop_csv(), "shop", file_name="shop.csv")
    assert owner_only(home, home / "workspace.duckdb", home / "workspace.duckdb.lock")
    with workspace.connection() as con:  # DuckDB makes its write-ahead log at a write, and drops it at a checkpoint
        con.execute("CREATE TABLE note AS SELECT 'after the import' AS written")
        assert owner_only(home / "workspace.duckdb.wal")
    privacy.forget_customer(workspace, SECRET)  # the compacted file that replaces it too
    assert owner_only(home / "workspace.duckdb")


def test_the_process_umask_is_back_once_the_workspace_is_closed(tmp_path):
    """Owner-only while a connection is open, the process's own umask after (in a process of its own:
    nothing else there holds a connection)."""
    probe = ("import os, sys\nfrom retail.data.workspace import Workspace\nos.umask(0o022)\n"
             "workspace = Workspace(home=sys.argv[1])\nwith workspace.connection():\n    inside = os.umask(0o022)\n"
             "    os.umask(inside)\nprint(oct(inside), oct(os.umask(0o022)))")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "home")], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["0o77", "0o22"], done.stderr


def _database_files(url: str) -> Path:
    """The folder of this database's table files on the test server (a superuser may ask where)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")  # what is in shared memory reaches the files
        folder = connection.execute("SHOW data_directory").fetchone()[0]
        oid = connection.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    return Path(folder) / "base" / str(oid)


def test_forget_customer_leaves_no_dead_rows_in_the_postgresql_tables(postgres_url):
    import psycopg

    workspace = Workspace(url=postgres_url)
    fill(workspace)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("ANALYZE")  # as autovacuum does when it likes: the id is a common value in pg_statistic
    assert traces(_database_files(postgres_url))
    erasure = privacy.forget_customer(workspace, SECRET)
    assert erasure.rows == 56 + 3
    assert traces(_database_files(postgres_url)) == {}  # VACUUM FULL wrote the tables anew
    assert workspace.get("shop").rows == 56


def test_compaction_waits_for_other_sessions_and_keeps_their_work(tmp_path):
    """A cursor open in another thread finishes before the file is swapped; what it wrote stays."""
    import threading

    workspace = Workspace(home=tmp_path)
    import_file(workspace, shop_csv(), "shop", file_name="shop.csv")
    started, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with workspace.connection() as con:
            con.execute("CREATE TABLE note AS SELECT 1 AS written")
            started.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    started.wait(10)
    threading.Timer(0.5, release.set).start()
    privacy.forget_customer(workspace, SECRET)
    writer.join()
    with workspace.connection() as con:
        assert con.execute("SELECT written FROM note").fetchone() == (1,)
    assert traces(tmp_path) == {}


SECRET_PRODUCT = "ZEBRA-TEAPOT-ERASE"  # a product name only the trashed dataset has


def trashed_shop(workspace: Workspace) -> None:
    """A dataset kept ("kept", other customers and products) and one deleted into the trash that alone
    holds :data:`SECRET` and :data:`SECRET_PRODUCT` (60,000 customers whose ids start with it)."""
    gone = [f"2011-02-{1 + n % 28:02d},Z{n % 500},{SECRET_PRODUCT} {n % 500},2,1.50,{SECRET}-{n:06d},London,Z{n}"
            for n in range(60_000)]  # several blocks: more than the audit entry's write reuses
    import_file(workspace, transactions_csv(gone), "gone", file_name="gone.csv")
    kept = [f"2011-03-{day:02d},K,Plate,1,2.00,c{day},London,K{day}" for day in range(1, 29)]
    import_file(workspace, transactions_csv(kept), "kept", file_name="kept.csv")  # after: the gone blocks are inside
    workspace.delete("gone")


def test_emptying_the_trash_leaves_no_trace_in_the_duckdb_file(tmp_path):
    home = tmp_path / "home"
    workspace = Workspace(home=home)
    trashed_shop(workspace)
    assert traces(home) and traces(home, SECRET_PRODUCT)  # in the trash, so in the file
    assert GuardedWorkspace(workspace, ADMIN).empty_trash() == ["gone"]
    assert traces(home) == {} and traces(home, SECRET_PRODUCT) == {}  # not in the freed blocks either
    assert workspace.get("kept").rows == 28 and workspace.list_trash() == []


def test_the_trash_emptied_by_age_leaves_no_trace_either(tmp_path, monkeypatch):
    home = tmp_path / "home"
    workspace = Workspace(home=home)
    trashed_shop(workspace)
    monkeypatch.setenv("RETAIL_TRASH_DAYS", "0")  # listing the trash empties what expired
    assert workspace.list_trash() == []
    assert traces(home) == {} and traces(home, SECRET_PRODUCT) == {}


def test_emptying_the_trash_leaves_no_dead_rows_in_the_postgresql_tables(postgres_url):
    import psycopg

    workspace = Workspace(url=postgres_url)
    trashed_shop(workspace)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("ANALYZE")  # the trashed table's values among pg_statistic's common values
    assert traces(_database_files(postgres_url))
    assert GuardedWorkspace(workspace, ADMIN).empty_trash() == ["gone"]
    assert traces(_database_files(postgres_url)) == {}
    assert traces(_database_files(postgres_url), SECRET_PRODUCT) == {}
    assert workspace.get("kept").rows == 28


def saved_campaign(workspace: Workspace) -> int:
    """A dataset without :data:`SECRET`, a saved campaign list of 60,000 customers whose ids start with it
    (several blocks: more than later writes reuse), its first ones in the run's settings as well, and a
    dataset imported after it (so that the list's blocks are inside the file, not at its end)."""
    kept = [f"2011-03-{day:02d},K,Plate,1,2.00,c{day},London,K{day}" for day in range(1, 29)]
    import_file(workspace, transactions_csv(kept), "kept", file_name="kept.csv")
    audience = pd.DataFrame({"customer_id": [f"{SECRET}-{n:06d}" for n in range(60_000)], "expected_spend": 1.0})
    run = workspace.save_run(CAMPAIGN, "kept", {"name": "vip", "customers": audience["customer_id"][:10].tolist()},
                             {"name": "vip"}, {"audience": audience})
    import_file(workspace, transactions_csv(kept), "later", file_name="kept.csv")
    return run.id


def test_a_deleted_campaign_leaves_no_trace_in_the_duckdb_file(tmp_path):
    home = tmp_path / "home"
    workspace = Workspace(home=home)
    run_id = saved_campaign(workspace)
    assert traces(home)
    GuardedWorkspace(workspace, ADMIN).delete_run(run_id)
    assert traces(home) == {}  # not in the freed blocks either
    assert workspace.list_runs() == [] and workspace.get("kept").rows == 28


def test_a_deleted_campaign_leaves_no_dead_rows_in_the_postgresql_tables(postgres_url):
    workspace = Workspace(url=postgres_url)
    run_id = saved_campaign(workspace)
    assert traces(_database_files(postgres_url))
    GuardedWorkspace(workspace, ADMIN).delete_run(run_id)
    assert traces(_database_files(postgres_url)) == {}
    assert workspace.get("kept").rows == 28
