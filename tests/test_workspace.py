import threading

import pandas as pd
import pytest

from retail.data import backends, schema
from retail.data.ingest import SAMPLE_NAME, ensure_sample, import_file
from retail.data.workspace import DatasetNotFound, Workspace, WorkspaceBusy
from tests.conftest import BAD_FILES, transactions_csv, workspace_held_elsewhere

CSV = transactions_csv(["01/02/2011,A,Mug,2,1.50,c1,London,1", "02/02/2011,B,Cup,1,2.00,c2,Leeds,2",
                        "03/02/2011,A,Mug,-1,1.50,c1,London,C3"])


def test_save_list_load_rename_delete(workspace_location):
    workspace = Workspace(**workspace_location)
    info, _ = import_file(workspace, CSV, "shop", file_name="shop.csv")
    assert info.rows == 3 and info.source_file == "shop.csv" and info.mapping["date"] == "Date"
    assert info.validation.rule("returns").count == 1
    frame = workspace.load("shop")
    assert list(frame.columns[: len(schema.CANONICAL_COLUMNS)]) == list(schema.CANONICAL_COLUMNS)
    assert frame[schema.DATE].dtype == "datetime64[ns]"
    assert workspace.load("shop", start=pd.Timestamp("2011-02-02"))[schema.PRODUCT_ID].tolist() == ["B", "A"]
    workspace.rename("shop", "my shop")
    assert [d.name for d in workspace.list_datasets()] == ["my shop"]
    workspace.delete("my shop")
    assert workspace.list_datasets() == []
    with pytest.raises(DatasetNotFound, match="no dataset named 'my shop'"):
        workspace.load("my shop")


def test_persisted_across_instances(workspace_location):
    import_file(Workspace(**workspace_location), CSV, "shop", file_name="shop.csv")
    assert Workspace(**workspace_location).get("shop").rows == 3


def test_name_clash_and_replace(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    with pytest.raises(ValueError, match="exists already"):
        import_file(workspace, CSV, "shop", file_name="shop.csv")
    info, _ = import_file(workspace, CSV, "shop", file_name="again.csv", replace=True)
    assert info.source_file == "again.csv" and len(workspace.list_datasets()) == 1
    with pytest.raises(ValueError, match="Give the dataset a name"):
        import_file(workspace, CSV, "  ", file_name="shop.csv")


def test_failed_import_leaves_workspace_unchanged(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    before = [(d.name, d.rows) for d in workspace.list_datasets()]
    tables_before = _tables(workspace)
    for bad in ["empty.csv", "binary_junk.csv", "corrupted.xlsx", "unreadable_dates.csv"]:
        with pytest.raises(ValueError):
            import_file(workspace, BAD_FILES / bad, "broken")
    with pytest.raises(ValueError):  # fails inside the transaction, after the table was created
        workspace.save_dataset("shop", workspace.load("shop"), workspace.get("shop").validation)
    assert [(d.name, d.rows) for d in workspace.list_datasets()] == before
    assert _tables(workspace) == tables_before


def _tables(workspace):
    with workspace.connection() as con:
        return sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema "
                                                "NOT IN ('information_schema', 'pg_catalog')").fetchall())


def test_concurrent_saves_from_threads(workspace_location):
    workspace = Workspace(**workspace_location)
    errors = []

    def save(i):
        try:
            import_file(workspace, CSV, f"shop {i}", file_name="shop.csv")
            workspace.load(f"shop {i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(d.name for d in workspace.list_datasets()) == [f"shop {i}" for i in range(6)]


def test_sample_registered_once(tmp_path, small_sample_file, monkeypatch):
    monkeypatch.setenv("RETAIL_SAMPLE_FILE", str(small_sample_file))
    workspace = Workspace(tmp_path)
    first = ensure_sample(workspace)
    assert first.name == SAMPLE_NAME and first.is_sample and first.rows > 1000
    assert ensure_sample(workspace).id == first.id
    assert len(workspace.list_datasets()) == 1


def test_runs_round_trip_and_atomicity(workspace_location):
    workspace = Workspace(**workspace_location)
    forecast = pd.DataFrame({"series_id": ["A", "B"], "date": pd.to_datetime(["2011-01-03", "2011-01-03"]),
                             "yhat": [1.5, 2.0]})
    metrics = pd.DataFrame({"model": ["lightgbm"], "wape": [0.8]})
    run = workspace.save_run("forecast", "shop", {"horizon": 8}, {"best": "lightgbm"},
                             {"forecast": forecast, "metrics": metrics})
    assert run.settings == {"horizon": 8} and run.summary == {"best": "lightgbm", "number": 1}
    assert run.tables == ["forecast", "metrics"]
    pd.testing.assert_frame_equal(workspace.load_run_table(run.id, "forecast"), forecast, check_dtype=False)
    assert [r.id for r in workspace.list_runs("forecast", "shop")] == [run.id]
    assert workspace.list_runs("forecast", "other") == []
    with pytest.raises(ValueError, match="lower-case identifiers"):
        workspace.save_run("forecast", "shop", {}, {}, {"Bad Name": metrics})
    both = workspace.load_run_tables(run, ["metrics", "forecast"])
    assert list(both) == ["metrics", "forecast"]
    for name, table in both.items():
        pd.testing.assert_frame_equal(table, workspace.load_run_table(run.id, name))
    with pytest.raises(KeyError, match="no table 'backtest'"):
        workspace.load_run_tables(run, ["forecast", "backtest"])
    assert len(workspace.list_runs()) == 1  # the failed save left nothing
    workspace.delete_run(run.id)
    assert workspace.list_runs() == []
    assert _tables(workspace) == ["datasets", "preferences", "runs", "trash"]  # no run table left behind


def test_runs_are_numbered_per_page_and_dataset(workspace_location):
    """Forecast 1, 2 of a dataset whatever the Pricing page saved in between (not one shared counter)."""
    workspace = Workspace(**workspace_location)
    table = {"t": pd.DataFrame({"x": [1]})}
    numbers = [workspace.save_run(kind, dataset, {}, {}, table).number for kind, dataset in (
        ("forecast", "shop"), ("pricing", "shop"), ("forecast", "shop"), ("forecast", "other"), ("pricing", "shop"))]
    assert numbers == [1, 1, 2, 1, 2]


def test_busy_workspace_is_a_plain_error(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "LOCK_RETRY_SECONDS", 0.5)
    with workspace_held_elsewhere(tmp_path) as pid, pytest.raises(
            WorkspaceBusy, match=rf"^The workspace is busy: another program \(python.*, PID {pid}\) is using "
                                 r".*workspace.duckdb and did not let go within 0.5 s\. Try again"):
        Workspace(tmp_path)


def test_preferences_and_runs_follow_their_dataset(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    assert workspace.preferences("shop", "recommend:item-knn") == {}
    workspace.save_preferences("shop", "recommend:item-knn", {"similarity": "cosine", "k": 20})
    workspace.save_preferences("shop", "recommend:item-knn", {"similarity": "jaccard", "k": 30})
    workspace.save_run("forecast", "shop", {}, {}, {"meta": pd.DataFrame({"key": ["a"], "value": ["b"]})})
    workspace.rename("shop", "store 1")
    assert workspace.preferences("store 1", "recommend:item-knn") == {"similarity": "jaccard", "k": 30}
    assert [r.dataset for r in workspace.list_runs("forecast")] == ["store 1"]
    workspace.delete("store 1")
    assert workspace.preferences("store 1", "recommend:item-knn") == {}
    with pytest.raises(DatasetNotFound):
        workspace.save_preferences("nowhere", "x", {})


def test_many_threads_and_a_second_process_share_the_workspace(workspace_location, tmp_path):
    """A stress test: threads list, load and save at once while another process imports."""
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "base", file_name="base.csv")
    source = tmp_path / "other.csv"
    source.write_bytes(CSV)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)} | (
        {"RETAIL_HOME": str(workspace_location["home"])} if "home" in workspace_location
        else {"RETAIL_DATABASE_URL": workspace_location["url"]})
    other = subprocess.Popen([sys.executable, "-m", "retail", "import", str(source), "--name", "from the CLI"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors, deadline = [], time.monotonic() + 4

    def busy(worker: int) -> None:
        try:
            round_ = 0
            while time.monotonic() < deadline:
                workspace.list_datasets()
                workspace.load("base")
                import_file(workspace, CSV, f"w{worker}-{round_}", file_name="w.csv")
                round_ += 1
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=busy, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = other.communicate(timeout=120)
    assert errors == [] and other.returncode == 0, (errors, stderr)
    names = {d.name for d in workspace.list_datasets()}
    assert "from the CLI" in names and sum(n.startswith("w") for n in names) >= 6
