"""In a real browser with sign-in on: the stakeholder report downloads (it failed with "Sign in first.":
Streamlit builds a deferred download outside the session) and is logged once built; a page's table of
customers downloads by pseudonym when an admin chose so."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from retail.access import audit, privacy, users
from retail.data.ingest import ensure_sample
from retail.data.workspace import Workspace
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
TIMEOUT_MS = 120_000
PASSWORD = "correct horse battery"


def test_a_signed_in_viewer_downloads_the_report_and_pseudonymised_customers(tmp_path, small_sample_file, monkeypatch):
    env = {"RETAIL_HOME": str(tmp_path / "home"), "RETAIL_SAMPLE_FILE": str(small_sample_file),
           "RETAIL_ACCESS_FILE": str(tmp_path / "access.toml")}
    users.add_user("vic", "viewer", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    monkeypatch.setenv("RETAIL_SAMPLE_FILE", env["RETAIL_SAMPLE_FILE"])
    workspace = Workspace(home=env["RETAIL_HOME"])
    sample = ensure_sample(workspace)
    privacy.set_pseudonymise_exports(workspace, True)
    ids = set(workspace.load(sample.name)["customer_id"].dropna().astype(str))
    with streamlit_server(ROOT, env) as url, chromium_tab(TIMEOUT_MS) as tab:
        tab.goto(url)
        tab.get_by_label("Name").fill("vic")
        tab.get_by_role("textbox", name="Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in", exact=True).click()
        tab.locator(".js-plotly-plot").first.wait_for()
        wait_idle(tab)
        with tab.expect_download() as report:
            tab.get_by_role("button", name="Stakeholder report (HTML)").click()
        html = Path(report.value.path()).read_text()
        assert "sales and outlook" in html and "Sign in first" not in html
        tab.get_by_text("Tables (with CSV downloads)").click()
        with tab.expect_download() as customers:
            tab.get_by_role("button", name="Download CSV").nth(1).click()  # top customers
        rows = list(csv.reader(Path(customers.value.path()).read_text().splitlines()))
        column = [row[rows[0].index("customer")] for row in rows[1:]]
        assert column and all(value.startswith("C-") for value in column) and not set(column) & ids
    log = audit.read(workspace, "export")
    assert ("vic", f"{sample.name} report.html") in list(zip(log["actor"], log["detail"], strict=True))
