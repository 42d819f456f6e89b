"""Personal data inside the export controls, on the command line: every file that carries customers
follows `pseudonymise`, and exports of customers, forecasts, elasticities and order plans go to the
audit log once the file was written (a file that could not be written is not logged)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from retail.access import audit, privacy
from retail.cli import main
from retail.data.workspace import Workspace
from tests.conftest import owner_only
from tests.customers_data import shop_lines, write_csv
from tests.pricing_data import shop_rows

REPLENISH = ["--level", "product", "--top", "4", "--review-days", "7", "--lead-days", "7", "--simulate-weeks", "2"]


@pytest.fixture
def shop(workspace_home, tmp_path, monkeypatch):
    monkeypatch.delenv("RETAIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(tmp_path / "access.toml"))
    path = tmp_path / "shop.csv"
    lines = shop_lines(customers=120, days=300, seed=7)
    write_csv(lines, path)
    return path, set(lines["customer_id"].astype(str))


def exports(home) -> list[str]:
    log = audit.read(Workspace(home=home), "export")
    return log["detail"].tolist()


def test_customers_out_follows_pseudonymise_and_is_logged(shop, workspace_home, tmp_path, loose_umask):
    path, ids = shop
    assert main(["pseudonymise", "on"]) == 0
    key = privacy.pseudonym_key(Workspace())
    csv, book = tmp_path / "customers.csv", tmp_path / "customers.xlsx"
    assert main(["customers", str(path), "--as-of", "2023-09-01", "--out", str(csv)]) == 0
    assert main(["customers", str(path), "--as-of", "2023-09-01", "--out", str(book)]) == 0
    written = pd.read_csv(csv, dtype={"customer": str})["customer"]
    assert len(written) > 50 and not set(written) & ids
    assert set(written) <= {privacy.pseudonym(i, key) for i in ids}  # the workspace's keyed pseudonyms
    sheet = openpyxl.load_workbook(book)["customers"]
    header = [cell.value for cell in sheet[1]]
    column = [row[header.index("customer")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(str(value).startswith("C-") for value in column) and not set(map(str, column)) & ids
    assert exports(workspace_home) == ["customers.xlsx", "customers.csv"]
    assert owner_only(csv, book)  # as the workspace they came from, whatever the umask


def test_forecast_elasticity_and_plan_files_are_logged_once_written(shop, workspace_home, tmp_path, loose_umask):
    path, _ = shop
    till = tmp_path / "till.csv"
    shop_rows().to_csv(till, index=False)
    assert main(["elasticity", str(till), "--out", str(tmp_path / "elasticities.csv")]) == 0
    assert main(["replenish", str(path), *REPLENISH, "--out", str(tmp_path / "plan.xlsx")]) == 0
    assert main(["forecast", str(path), "--level", "total", "--horizon", "7", "--windows", "1",
                 "--models", "snaive", "--out", str(tmp_path / "forecast.csv")]) == 0
    assert exports(workspace_home) == ["forecast.csv", "plan.xlsx", "elasticities.csv"]
    assert owner_only(*(tmp_path / name for name in ("forecast.csv", "plan.xlsx", "elasticities.csv")))
    assert main(["replenish", str(path), *REPLENISH, "--out", str(tmp_path / "no such folder" / "plan.csv")]) == 2
    assert exports(workspace_home) == ["forecast.csv", "plan.xlsx", "elasticities.csv"]  # nothing was written
    (tmp_path / "again.csv").write_bytes(b"an older file, readable by everyone")
    assert main(["elasticity", str(till), "--out", str(tmp_path / "again.csv")]) == 0
    assert owner_only(tmp_path / "again.csv")  # a file replaced takes the export's mode


def test_the_audit_log_written_to_a_file_is_logged_and_its_owners_only(shop, workspace_home, tmp_path, loose_umask):
    assert main(["pseudonymise", "on"]) == 0
    out = tmp_path / "audit.csv"
    assert main(["audit", "--csv", str(out)]) == 0
    assert "privacy setting" in out.read_text() and owner_only(out)
    assert exports(workspace_home) == ["audit.csv"]  # downloading the log is in the log


def test_the_audit_log_names_a_run_as_its_page_does(tmp_path):
    from retail.access.guard import Actor, GuardedWorkspace

    workspace = Workspace(home=tmp_path / "home")
    guarded = GuardedWorkspace(workspace, Actor("alice", "analyst"))
    workspace.save_run("campaign", "shop", {}, {}, {})  # another page's run takes the workspace's id 1
    run = guarded.save_run("forecast", "shop", {}, {}, {})
    assert (run.number, run.id) == (1, 2)
    assert audit.read(workspace, "forecast run")["detail"].tolist() == ["forecast run 1 (id 2)"]
