"""Trash, audit log, forgetting a customer, pseudonyms and retention, on DuckDB and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.access import audit, privacy, retention
from retail.access.guard import GuardedWorkspace
from retail.access.roles import Actor
from retail.data import schema
from retail.data.ingest import import_file
from retail.data.workspace import DatasetNotFound, Workspace
from tests.conftest import transactions_csv

CSV = transactions_csv(["01/02/2011,A,Mug,2,1.50,c1,London,1", "02/02/2011,B,Cup,1,2.00,c2,Leeds,2",
                        "03/02/2011,A,Mug,3,1.50,c1,London,3", "04/02/2011,C,Bowl,1,4.00,c3,Leeds,4"])
ADMIN = Actor("ada", "admin", "password")
VIEWER = Actor("vic", "viewer", "password")
ANALYST = Actor("ann", "analyst", "password")


def _tables(workspace: Workspace) -> set[str]:
    sql = ("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ds_%' "
           "AND table_schema NOT IN ('pg_catalog', 'information_schema')")
    with workspace.connection() as con:
        return {row[0] for row in con.execute(sql).fetchall()}


def test_delete_goes_to_the_trash_and_comes_back(workspace_location):
    workspace = Workspace(**workspace_location)
    info, _ = import_file(workspace, CSV, "shop", file_name="shop.csv")
    workspace.save_preferences("shop", "display", {"currency": "GBP"})
    workspace.delete("shop", by="ada")
    with pytest.raises(DatasetNotFound):
        workspace.get("shop")
    [item] = workspace.list_trash()
    assert (item.name, item.deleted_by, item.reason, item.info.rows) == ("shop", "ada", "deleted", 4)
    assert item.expires - item.deleted_at == pd.Timedelta(days=30)
    assert f"ds_{info.id}" in _tables(workspace)  # the rows are kept while in the trash
    restored = workspace.restore("shop")
    assert restored.rows == 4 and workspace.load("shop")[schema.PRODUCT_ID].tolist() == ["A", "B", "A", "C"]
    assert workspace.currency_of(restored) == "GBP" and workspace.list_trash() == []


def test_replacing_keeps_the_old_version_in_the_trash(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="old.csv")
    import_file(workspace, transactions_csv(["05/02/2011,D,Jug,1,9.00,c9,York,9"]), "shop", file_name="new.csv",
                replace=True)
    [item] = workspace.list_trash()
    assert (item.reason, item.info.source_file) == ("replaced", "old.csv")
    with pytest.raises(ValueError, match="exists already; restore this one under another name"):
        workspace.restore("shop")
    assert workspace.restore("shop", new_name="shop before").source_file == "old.csv"
    assert {d.name: d.rows for d in workspace.list_datasets()} == {"shop": 1, "shop before": 4}


def test_trash_expires_and_empties(workspace_location, monkeypatch):
    workspace = Workspace(**workspace_location)
    info, _ = import_file(workspace, CSV, "shop", file_name="shop.csv")
    workspace.delete("shop")
    monkeypatch.setenv("RETAIL_TRASH_DAYS", "0")  # every entry is past its time
    assert workspace.list_trash() == [] and f"ds_{info.id}" not in _tables(workspace)
    monkeypatch.setenv("RETAIL_TRASH_DAYS", "7")
    import_file(workspace, CSV, "again", file_name="shop.csv")
    workspace.delete("again")
    assert [i.name for i in workspace.list_trash()] == ["again"]
    assert workspace.empty_trash() == ["again"] and workspace.list_trash() == []
    monkeypatch.setenv("RETAIL_TRASH_DAYS", "soon")
    with pytest.raises(ValueError, match="RETAIL_TRASH_DAYS must be a whole number"):
        workspace.list_trash()


def test_roles_are_enforced_in_the_library_calls(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    viewer, analyst = GuardedWorkspace(workspace, VIEWER), GuardedWorkspace(workspace, ANALYST)
    frame, report = workspace.load("shop"), workspace.get("shop").validation
    for refused in (lambda: viewer.delete("shop"), lambda: viewer.save_dataset("copy", frame, report),
                    lambda: viewer.save_run("forecast", "shop", {}, {}, {}), lambda: viewer.rename("shop", "x"),
                    lambda: viewer.save_preferences("shop", "display", {}), lambda: analyst.delete("shop"),
                    lambda: analyst.empty_trash(), lambda: analyst.audit_log(), lambda: analyst.forget_customer("c1"),
                    lambda: viewer.restore("shop")):
        with pytest.raises(PermissionError, match="may not .* needs the (analyst|admin) role"):
            refused()
    assert viewer.load("shop").shape == frame.shape  # reading is open to every role
    with pytest.raises(AttributeError, match="not available through the access check"):
        viewer.connection  # noqa: B018 - raw SQL is not handed to a page
    analyst.save_dataset("copy", frame, report)
    assert [d.name for d in workspace.list_datasets()] == ["copy", "shop"]


def test_audit_log_records_who_did_what(workspace_location):
    workspace = Workspace(**workspace_location)
    admin, analyst = GuardedWorkspace(workspace, ADMIN), GuardedWorkspace(workspace, ANALYST)
    info, _ = import_file(workspace, CSV, "shop", file_name="shop.csv")
    analyst.save_dataset("shop", workspace.load("shop"), info.validation, replace=True)
    analyst.save_run("forecast", "shop", {}, {}, {"points": pd.DataFrame({"x": [1]})})
    analyst.record_export("shop", "forecast.csv")
    admin.delete("shop")
    admin.restore("shop")
    audit.record(workspace, "mallory", "sign-in failed", detail="wrong name or password")
    log = admin.audit_log()
    assert log["action"].tolist() == ["sign-in failed", "restore", "delete", "export", "forecast run", "replace"]
    assert log["actor"].tolist() == ["mallory", "ada", "ada", "ann", "ann", "ann"]
    assert (log["dataset"].iloc[1:] == "shop").all() and log["at"].dtype.kind == "M"
    text = audit.to_csv_bytes(log).decode()
    assert text.splitlines()[0] == "when (UTC),who,role,what,dataset,detail" and "mallory" in text


def test_forget_customer_everywhere_and_log_it_without_the_id(workspace_location):
    workspace = Workspace(**workspace_location)
    admin = GuardedWorkspace(workspace, ADMIN)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    import_file(workspace, CSV, "old shop", file_name="shop.csv")
    workspace.delete("old shop")
    audience = pd.DataFrame({"customer_id": ["c1", "c2"], "propensity": [0.5, 0.2]})
    run = workspace.save_run("campaign", "shop", {}, {}, {"audience": audience})
    workspace.save_preferences("shop", "recommend", {"customer": "c1", "k": 20})
    before = workspace.get("shop").version
    erasure = admin.forget_customer(" c1 ")
    assert erasure.datasets == {"shop": 2, "old shop": 2} and erasure.runs == {run.id: 1}
    assert erasure.rows == 5 and erasure.mentions == 1
    assert "c1" not in workspace.load("shop")[schema.CUSTOMER_ID].tolist()
    assert workspace.get("shop").rows == 2 and workspace.get("shop").version != before
    assert workspace.load_run_table(run.id, "audience")["customer_id"].tolist() == ["c2"]
    assert workspace.preferences("shop", "recommend") == {"k": 20}
    assert workspace.restore("old shop").rows == 2
    entry = admin.audit_log("forget customer").iloc[0]
    assert "5 rows removed" in entry["detail"] and "c1" not in entry.to_string()
    assert privacy.revision(workspace) == 1
    assert privacy.forget_customer(workspace, "c1").describe().startswith("Nothing to remove")
    with pytest.raises(ValueError, match="Give the customer's id"):
        privacy.forget_customer(workspace, "  ")


def test_pseudonyms_are_keyed_and_stable_within_a_workspace(workspace_location, tmp_path):
    workspace = Workspace(**workspace_location)
    frame = pd.DataFrame({"customer_id": ["c1", "c2", "c1", None], "revenue": [1.0, 2.0, 3.0, 4.0]})
    assert privacy.for_export(workspace, frame) is frame  # off until an admin turns it on
    GuardedWorkspace(workspace, ADMIN).set_pseudonymise_exports(True)
    shown = privacy.for_export(Workspace(**workspace_location), frame)  # another process, same key
    ids = shown["customer_id"].tolist()
    assert ids[0] == ids[2] != ids[1] and ids[0].startswith("C-") and len(ids[0]) == 18 and ids[3] is None
    assert privacy.for_export(workspace, frame)["customer_id"].tolist() == ids
    elsewhere = Workspace(home=tmp_path / "elsewhere")
    assert privacy.pseudonymise(frame, privacy.pseudonym_key(elsewhere))["customer_id"][0] != ids[0]


def test_retention_rolls_up_old_line_items(workspace_location):
    workspace = Workspace(**workspace_location)
    import_file(workspace, CSV, "shop", file_name="shop.csv")
    before = workspace.load("shop")
    done = GuardedWorkspace(workspace, ADMIN).apply_retention(1, as_of=pd.Timestamp("2011-03-04"))
    assert [(d.dataset, d.rows_before, d.rows_after) for d in done] == [("shop", 3, 3)]
    after = workspace.load("shop").sort_values([schema.DATE, schema.PRODUCT_ID]).reset_index(drop=True)
    assert after[schema.CUSTOMER_ID].isna().sum() == 3 and after[schema.ORDER_ID].isna().sum() == 3
    assert after[schema.CUSTOMER_ID].iloc[-1] == "c3"  # 4 February is within the month kept
    assert after[schema.REVENUE].sum() == pytest.approx(before[schema.REVENUE].sum())
    assert workspace.get("shop").rows == 4
    with pytest.raises(ValueError, match="at least 1 month"):
        retention.cutoff(0)


def test_roll_up_sums_a_day(tmp_path):
    old = pd.DataFrame({schema.DATE: pd.to_datetime(["2011-01-01 09:00", "2011-01-01 17:00", "2011-01-02 10:00"]),
                        schema.PRODUCT_ID: ["A", "A", "A"], schema.QUANTITY: [2.0, 3.0, 0.0],
                        schema.REVENUE: [2.0, 4.0, 0.0], schema.UNIT_PRICE: [1.0, 4 / 3, 1.5],
                        schema.CUSTOMER_ID: ["c1", "c2", "c1"], schema.STORE_ID: [None, None, None],
                        schema.ORDER_ID: ["1", "2", "3"], schema.LINE_TYPE: ["sale"] * 3})
    rolled = retention.roll_up(old)
    assert rolled[schema.QUANTITY].tolist() == [5.0, 0.0] and rolled[schema.UNIT_PRICE].tolist() == [1.2, 1.5]
    assert rolled[schema.CUSTOMER_ID].isna().all() and list(rolled.columns) == list(old.columns)
