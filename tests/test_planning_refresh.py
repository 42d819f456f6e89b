"""``python -m retail refresh``: all or nothing, idempotent, locked, role-checked, its pack and its JSON;
on a PostgreSQL workspace with the new sales read from the shop's own PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from retail.access import audit
from retail.access.guard import GuardedWorkspace
from retail.access.roles import local_actor
from retail.cli import main
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import save_run
from retail.forecast.settings import ForecastSettings
from retail.inventory.pipeline import run_replenishment
from retail.inventory.result import save_run as save_plan
from retail.inventory.settings import ReplenishmentSettings
from retail.planning.sources import SOURCE_SCOPE
from tests.conftest import ROOT, owner_only
from tests.weekly_data import HEADER, csv_bytes, sales_lines, split_weeks

FORECAST = ForecastSettings(level="product", freq="W", horizon=4, models=("snaive", "ma"), windows=2)
PLAN = ReplenishmentSettings(top_n=3, simulate_weeks=4)


def _shop(workspace: Workspace, base: bytes) -> None:
    """A dataset with a saved forecast and order plan: the settings a refresh reuses (small, quick ones)."""
    guarded = GuardedWorkspace(workspace, local_actor())
    import_file(workspace, base, "shop", file_name="base.csv")
    frame = workspace.load("shop")
    save_run(guarded, "shop", run_forecast(frame, FORECAST))
    save_plan(guarded, "shop", run_replenishment(frame, PLAN))


@pytest.fixture
def weeks():
    return split_weeks(sales_lines(weeks=30, products=4, seed=11), "2024-07-08")


def _state(workspace: Workspace) -> tuple:
    """Everything a refresh may change: datasets, runs, tables."""
    with workspace.connection() as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE "
                                                  "table_schema NOT IN ('information_schema', 'pg_catalog')").fetchall())
    return tuple((d.name, d.id, d.rows) for d in workspace.list_datasets()), tuple(r.id for r in workspace.list_runs()), \
        tuple(tables)


def test_refresh_end_to_end_and_again(workspace_home, weeks, tmp_path, capsys, loose_umask):
    base, later = weeks
    _shop(Workspace(), csv_bytes(base))
    week = tmp_path / "week.csv"
    week.write_bytes(csv_bytes(later[0]))
    stock = tmp_path / "stock.csv"
    stock.write_text("SKU,On hand,On order\nP0,1,0\nP1,500,0\nP2,2,0\nP3,900,0\n")
    pack = tmp_path / "pack"
    assert main(["refresh", "shop", str(week), "--stock", str(stock), "--pack", str(pack), "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)  # exactly one JSON document on stdout
    workspace = Workspace()
    assert summary["changed"] and summary["append"]["added"] == len(later[0]) and summary["data_through"] == "2024-07-14"
    assert summary["run_id"] == workspace.list_runs("forecast", "shop")[0].id == summary["runs"]["forecast"]
    assert summary["runs"]["replenishment"] == workspace.list_runs("replenishment", "shop")[0].id
    assert workspace.get_run(summary["runs"]["refresh"]).summary["dataset_id"] == workspace.get("shop").id
    assert "[ 10%]" in err and "scoring earlier forecasts" in err
    assert {row["kind"] for row in summary["exceptions"]["top"]} >= {"stock-out"}
    assert summary["tracking"]["periods_scored"] == 1  # the week after the saved forecast
    files = sorted(p.name for p in pack.iterdir())
    assert files == ["shop 2024-07-14 report.html", "shop 2024-07-14 weekly pack.xlsx"]
    assert owner_only(pack, *pack.iterdir())  # the folder made for it too, whatever the umask
    book = openpyxl.load_workbook(pack / files[1])
    assert book.sheetnames == ["this week", "exceptions", "orders", "outlook", "forecast", "accuracy"]
    assert "What needs attention" in (pack / files[0]).read_text()
    logged = set(audit.read(workspace)["action"])
    assert {"append", "forecast run", "analysis run", "refresh", "export"} <= logged
    before = _state(workspace)
    assert main(["refresh", "shop", str(week), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not again["changed"] and again["run_id"] == summary["run_id"] and _state(workspace) == before


def test_bad_input_a_viewer_and_a_held_lock_change_nothing(workspace_home, weeks, tmp_path, capsys, monkeypatch):
    base, later = weeks
    _shop(Workspace(), csv_bytes(base))
    before = _state(Workspace())
    stores = tmp_path / "stores.csv"
    stores.write_text("Date,Store,Sales\n2024-07-08,London,500.5\n")
    assert main(["refresh", "shop", str(stores)]) == 2
    assert "error: This file holds sales totals per store, but 'shop' holds order lines" in capsys.readouterr().err
    week = tmp_path / "week.csv"
    week.write_bytes(csv_bytes(later[0]))
    monkeypatch.setenv("RETAIL_LOCAL_ROLE", "viewer")
    assert main(["refresh", "shop", str(week)]) == 2
    assert "signed in as viewer may not add, replace or rename datasets" in capsys.readouterr().err
    monkeypatch.delenv("RETAIL_LOCAL_ROLE")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from retail.data.workspace import Workspace; "
                               "from retail.planning.lock import refresh_lock\nwith refresh_lock(Workspace(), 'shop'):\n"
                               "    print('held', flush=True); time.sleep(60)"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["refresh", "shop", str(week), "--wait", "0.5"]) == 2
        assert f"Another refresh of 'shop' is running (process {holder.pid} on" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert _state(Workspace()) == before


def test_a_failure_while_saving_leaves_the_workspace_as_it_was(workspace_home, weeks, tmp_path, monkeypatch):
    base, later = weeks
    _shop(Workspace(), csv_bytes(base))
    before = _state(Workspace())
    week = tmp_path / "week.csv"
    week.write_bytes(csv_bytes(later[0]))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("retail.planning.refresh._InTransaction.save_run", broken)  # after the new rows are written
    with pytest.raises(RuntimeError, match="disk full"):
        main(["refresh", "shop", str(week)])
    assert _state(Workspace()) == before and not list(Workspace().list_trash())


def test_refresh_on_postgresql_from_the_shops_postgresql_database(postgres_server, postgres_url, weeks, monkeypatch,
                                                                  tmp_path, capsys):
    import psycopg

    base, later = weeks
    monkeypatch.setenv("RETAIL_DATABASE_URL", postgres_url)
    _shop(Workspace(), csv_bytes(base))
    shop_db = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-word@") + "_till"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {postgres_url.rsplit('/', 1)[1]}_till")
    with psycopg.connect(shop_db, autocommit=True) as con:
        con.execute('CREATE TABLE till ("Date" date, "SKU" text, "Name" text, "Qty" integer, "Price" numeric(10, 2), '
                    '"Customer" text, "Store" text, "Invoice" text)')
        for week in later[:2]:
            with con.cursor().copy(f"COPY till ({', '.join(chr(34) + c + chr(34) for c in HEADER)}) FROM STDIN") as copy:
                for row in week.itertuples(index=False):
                    copy.write_row(list(row))
        con.execute("""INSERT INTO till VALUES ('2024-03-04', 'P0', 'Product P0', 999, 1, 'c1', 'London', 'OLD')""")
    monkeypatch.setenv("SHOP_DB", shop_db)
    query = 'SELECT * FROM till WHERE "Date" < \'2024-07-15\''
    assert main(["refresh", "shop", "--query", query, "--url-env", "SHOP_DB", "--keep-query", "--json"]) == 0
    out, err = capsys.readouterr()
    first = json.loads(out)
    assert first["append"]["added"] == len(later[0]) and first["append"]["source"] == "the sales query on $SHOP_DB"
    workspace = Workspace()
    assert workspace.load("shop")["order_id"].ne("OLD").all()  # asked only from the dataset's last days on
    kept = workspace.preferences("shop", SOURCE_SCOPE)
    assert kept == {"query": query, "url_env": "SHOP_DB", "recheck_days": 3}
    with psycopg.connect(shop_db, autocommit=True) as con:
        con.execute(f"""UPDATE till SET "Qty" = 77 WHERE "Invoice" = '{later[0]["Invoice"].iat[-1]}'""")
    GuardedWorkspace(workspace, local_actor()).save_preferences("shop", SOURCE_SCOPE, kept | {"query": "SELECT * FROM till"})
    assert main(["refresh", "shop", "--json"]) == 0  # the kept query, from the last day less 3 days to re-check
    second = json.loads(capsys.readouterr().out)
    assert second["append"]["added"] == len(later[1]) + int(later[0]["Date"].ge("2024-07-12").sum())
    assert 77.0 in workspace.load("shop", start="2024-07-12")["quantity"].tolist()
    texts = [out, err, json.dumps(second), json.dumps(workspace.preferences("shop", SOURCE_SCOPE)),
             audit.read(workspace).to_csv(), *(json.dumps(r.summary) for r in workspace.list_runs())]
    assert not any("s3cret-word" in text or shop_db in text for text in texts)
    monkeypatch.delenv("SHOP_DB")
    assert main(["refresh", "shop"]) == 2
    assert "Set the environment variable SHOP_DB" in capsys.readouterr().err
    monkeypatch.setenv("SHOP_DB", shop_db)
    assert main(["refresh", "shop", "--query", "SELECT * FROM nowhere"]) == 2
    message = capsys.readouterr().err
    assert "Could not read the sales query on $SHOP_DB" in message and "s3cret-word" not in message


def test_one_refresh_of_a_dataset_at_a_time_on_either_backend(workspace_location):
    """The lock is held by a process (another dataset is free) and let go when that process dies."""
    from retail.planning.lock import RefreshBusy, refresh_lock

    workspace = Workspace(**workspace_location)
    location = workspace_location.get("url") or str(workspace_location["home"])
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from retail.data.workspace import Workspace; "
                               "from retail.planning.lock import refresh_lock\nwith refresh_lock(Workspace.at(sys.argv[1]), "
                               "'shop'):\n    print('held', flush=True); time.sleep(60)", location], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    heard = []
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = f"Another refresh of 'shop' is running \\(process {holder.pid} on "
        with pytest.raises(RefreshBusy, match=busy), refresh_lock(workspace, "shop", wait=0.6, say=heard.append):
            pass
        assert heard and heard[0].startswith("waiting for the refresh of 'shop' held by process")
        with refresh_lock(workspace, "other shop"):
            pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with refresh_lock(workspace, "shop", wait=10):  # a killed holder leaves no stale lock
        pass
