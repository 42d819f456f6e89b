"""Adding new sales to a dataset: its mapping, days replaced, one transaction, trash, audit, returns
across the seam, idempotency, plain refusals; on DuckDB and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.access import audit
from retail.access.guard import GuardedWorkspace
from retail.access.roles import Actor, local_actor
from retail.cli import main
from retail.data import schema
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.planning.append import apply_append, mapping_for, prepare_append, stored_day_order
from retail.planning.seam import combine, same_rows
from retail.planning.sources import read_file
from tests.conftest import transactions_csv
from tests.weekly_data import csv_bytes, sales_lines, split_weeks

BASE = transactions_csv(["01/02/2024,A,Mug,2,1.50,c1,London,1", "02/02/2024,B,Cup,1,2.00,c2,Leeds,2",
                         "03/02/2024,A,Mug,3,1.50,c3,London,3"])
WEEK = transactions_csv(["03/02/2024,A,Mug,4,1.50,c3,London,9", "10/02/2024,B,Cup,5,2.00,c2,Leeds,10",
                         "11/02/2024,A,Mug,-2,1.50,c1,London,C11"])


def _guarded(**location) -> GuardedWorkspace:
    return GuardedWorkspace(Workspace(**location), local_actor())


def _raw(data: bytes, name: str = "week.csv"):
    return read_file(data, name=name)


def _tables(workspace: Workspace) -> list[str]:
    with workspace.connection() as con:
        return sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema "
                                                "NOT IN ('information_schema', 'pg_catalog')").fetchall())


def test_append_replaces_days_keeps_the_rest_trashes_the_old_version_and_logs(workspace_location):
    workspace = _guarded(**workspace_location)
    before, _ = import_file(workspace.workspace, BASE, "shop", file_name="base.csv")
    plan = prepare_append(workspace, "shop", _raw(WEEK))
    assert (plan.seam.added, plan.seam.replaced, plan.seam.kept, plan.seam.days) == (3, 1, 2, 3)
    assert plan.span_before == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-03"))
    assert plan.span_after == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-11"))
    assert "3 rows added over 3 days, replacing 1 rows" in plan.describe()
    after = apply_append(workspace, plan)
    frame = workspace.load("shop")
    assert after.rows == 5 and after.id != before.id
    assert sorted(frame.loc[frame[schema.DATE] == "2024-02-03", schema.QUANTITY]) == [4.0]  # the re-sent day
    trashed = workspace.trash()
    assert [(t.name, t.reason, t.info.rows) for t in trashed] == [("shop", "new sales added", 3)]
    entries = audit.read(workspace.workspace, action="append")
    assert len(entries) == 1 and "3 rows over 3 days from week.csv (1 replaced, 2 kept)" in entries["detail"].iat[0]
    assert after.report["appends"][0]["added"] == 3 and after.report["date_range"] == ["2024-02-01", "2024-02-11"]
    restored = workspace.restore("shop", trashed[0].id, "shop before")
    assert restored.rows == 3


def test_the_same_file_twice_changes_nothing_and_says_so(workspace_location):
    workspace = _guarded(**workspace_location)
    import_file(workspace.workspace, BASE, "shop", file_name="base.csv")
    apply_append(workspace, prepare_append(workspace, "shop", _raw(WEEK)))
    version, tables = workspace.get("shop"), _tables(workspace.workspace)
    again = prepare_append(workspace, "shop", _raw(WEEK))
    assert again.unchanged and again.describe().startswith("Nothing changed")
    assert apply_append(workspace, again) == version
    assert workspace.get("shop") == version and _tables(workspace.workspace) == tables
    assert len(audit.read(workspace.workspace, action="append")) == 1


def test_a_return_in_the_new_rows_cancels_the_sale_before_the_seam(workspace_location):
    workspace = _guarded(**workspace_location)
    import_file(workspace.workspace, BASE, "shop", file_name="base.csv")
    plan = prepare_append(workspace, "shop", _raw(WEEK))
    assert plan.seam.cancelled_across == 1 and "1 earlier sales are now undone" in plan.describe()
    apply_append(workspace, plan)
    frame = workspace.load("shop")
    sale = frame[(frame[schema.CUSTOMER_ID] == "c1") & (frame[schema.QUANTITY] == 2)]
    assert sale[schema.LINE_TYPE].tolist() == [schema.CANCELLED]


def test_appending_week_by_week_gives_the_line_types_of_one_import(tmp_path):
    """The property behind the seam: base + weeks appended = the whole file imported at once."""
    lines = sales_lines(weeks=6, products=4, seed=3)
    returns = lines.sample(12, random_state=1).assign(Qty=lambda f: -f["Qty"], Invoice=lambda f: "C" + f["Invoice"])
    returns["Date"] = (pd.to_datetime(returns["Date"]) + pd.Timedelta(days=9)).dt.strftime("%Y-%m-%d")
    lines = pd.concat([lines, returns]).sort_values("Date", kind="stable")
    base, weeks = split_weeks(lines, "2024-01-22")
    workspace = _guarded(home=tmp_path / "a")
    import_file(workspace.workspace, csv_bytes(base), "shop", file_name="base.csv")
    for k, week in enumerate(weeks):
        apply_append(workspace, prepare_append(workspace, "shop", _raw(csv_bytes(week), f"w{k}.csv")))
    whole, _ = import_file(Workspace(home=tmp_path / "b"), csv_bytes(lines), "whole", file_name="all.csv")
    appended = workspace.load("shop")
    assert same_rows(Workspace(home=tmp_path / "b").load("whole"), appended)
    assert (appended[schema.LINE_TYPE] == schema.CANCELLED).sum() == 12


def test_refusals_are_plain_and_change_nothing(workspace_location):
    workspace = _guarded(**workspace_location)
    import_file(workspace.workspace, BASE, "shop", file_name="base.csv")
    workspace.save_preferences("shop", "display", {"currency": "GBP"})  # the currency chosen at import
    tables = _tables(workspace.workspace)
    dollars = WEEK.replace(b"Price", b"Price USD").replace(b"1.50", b"$1.50").replace(b"2.00", b"$2.00")
    with pytest.raises(ValueError, match=r"in USD, but 'shop' is in GBP: adding them would mix currencies"):
        prepare_append(workspace, "shop", _raw(dollars))
    stores = transactions_csv(["10/02/2024,London,500.5", "10/02/2024,Leeds,310.0"], header="Date,Store,Sales")
    with pytest.raises(ValueError, match="This file holds sales totals per store, but 'shop' holds order lines"):
        prepare_append(workspace, "shop", _raw(stores))
    with pytest.raises(ValueError, match="--map names columns that are not in the file"):
        prepare_append(workspace, "shop", _raw(WEEK), {"quantity": "Units"})
    viewer = GuardedWorkspace(workspace.workspace, Actor("vic", "viewer"))
    with pytest.raises(PermissionError, match="vic signed in as viewer may not add, replace or rename datasets"):
        apply_append(viewer, prepare_append(viewer, "shop", _raw(WEEK)))
    assert _tables(workspace.workspace) == tables and workspace.get("shop").rows == 3


def test_a_version_changed_meanwhile_is_not_overwritten(workspace_location):
    workspace = _guarded(**workspace_location)
    import_file(workspace.workspace, BASE, "shop", file_name="base.csv")
    stale = prepare_append(workspace, "shop", _raw(WEEK))
    apply_append(workspace, prepare_append(workspace, "shop", _raw(WEEK.replace(b"5,2.00", b"6,2.00"))))
    tables = _tables(workspace.workspace)
    with pytest.raises(ValueError, match="was changed by someone else meanwhile; nothing was saved"):
        apply_append(workspace, stale)
    assert _tables(workspace.workspace) == tables


def test_the_dataset_mapping_and_date_order_are_used_and_differences_shown():
    frame = pd.DataFrame({"Day": ["05/03/2024"], "SKU": ["A"], "Units": [1], "Client": ["c1"], "Promo": [1]})
    mapping, differences = mapping_for(frame, {"date": "Date", "product_id": "SKU", "quantity": "Qty"})
    assert mapping.to_dict() == {"date": "Day", "product_id": "SKU", "quantity": "Units"}
    assert differences[0] == "date: the dataset reads column 'Date', which this file lacks; reading 'Day' instead"
    assert "this file also has 'Client' (customer), which the dataset does not read (left out)" in differences[-1]
    assert stored_day_order({"date_format": "%d/%m/%Y"}) is True
    assert stored_day_order({"date_format": "%m/%d/%Y %H:%M"}) is False
    assert stored_day_order({"date_format": "ISO8601"}) is None


def test_a_week_of_ambiguous_dates_is_read_in_the_dataset_order(tmp_path):
    workspace = _guarded(home=tmp_path)
    import_file(workspace.workspace, transactions_csv(["25/01/2024,A,Mug,2,1.50,c1,London,1"]), "shop",
                file_name="base.csv")
    week = transactions_csv(["01/02/2024,A,Mug,1,1.50,c1,London,2", "07/02/2024,A,Mug,1,1.50,c1,London,3"])
    plan = prepare_append(workspace, "shop", _raw(week))
    assert plan.span_after == (pd.Timestamp("2024-01-25"), pd.Timestamp("2024-02-07"))


def test_new_lines_far_from_the_products_usual_are_marked_implausible():
    old = sales_lines(weeks=4, products=2, seed=1)
    from retail.data.ingest import ingest

    clean = ingest(csv_bytes(old), name="old.csv").result.frame
    new = clean.tail(1).assign(**{schema.DATE: pd.Timestamp("2024-02-01"), schema.QUANTITY: 50_000.0})
    seam = combine(clean, new)
    assert seam.implausible == 1 and seam.frame[schema.LINE_TYPE].iat[-1] == schema.IMPLAUSIBLE


def test_import_append_from_the_command_line(workspace_home, tmp_path, capsys):
    base, week = tmp_path / "base.csv", tmp_path / "week.csv"
    base.write_bytes(BASE)
    week.write_bytes(WEEK)
    assert main(["import", str(base), "--name", "shop"]) == 0
    assert main(["import", str(week), "--name", "shop", "--append"]) == 0
    out = capsys.readouterr().out
    assert "3 rows added over 3 days, replacing 1 rows of those days; 2 rows kept" in out
    assert "the version before is in the trash" in out
    assert main(["import", str(week), "--name", "shop", "--append"]) == 0
    assert "Nothing changed: every row of week.csv is in 'shop' already" in capsys.readouterr().out
    assert main(["import", str(week), "--name", "shop", "--append", "--replace"]) == 2
    assert "choose one" in capsys.readouterr().err
    assert main(["import", str(week), "--name", "nowhere", "--append"]) == 2
    assert "There is no dataset named 'nowhere'" in capsys.readouterr().err
