"""End to end in a real browser: plan orders on the Replenishment page, read the proof, download the plan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import app_tab, open_page, wait_idle
from tests.conftest import ROOT

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("browser_replenishment") / "home"
    with app_tab(ROOT, home, small_sample_file, TIMEOUT_MS) as (tab, url):
        tab.goto(url)  # a first visit starts the session with its navigation, as a user arrives
        tab.get_by_text("Sales overview").wait_for()
        open_page(tab, "Replenishment")
        yield tab


def test_plan_orders_read_the_proof_and_download(page, tmp_path):
    import openpyxl

    page.get_by_text("Plan orders and replay both policies").wait_for()
    wait_idle(page)
    top = page.get_by_role("spinbutton", name="Largest N items (0 = all)")
    top.fill("8")
    top.press("Enter")
    weeks = page.get_by_role("spinbutton", name="Weeks replayed")
    weeks.fill("4")
    weeks.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Plan orders and replay both policies").click()
    page.get_by_text("Replaying ").first.wait_for(timeout=180_000)
    wait_idle(page)
    page.get_by_text("Service achieved vs stock held").first.wait_for()
    assert page.locator("[data-testid='stMetric']", has_text="Cycle service achieved").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "replenishment.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Excel").click()
    path = tmp_path / "plan.xlsx"
    download_info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["orders", "simulation", "items", "curve", "settings"]
    assert book["orders"].max_row == 1 + 8
    header = [cell.value for cell in book["orders"][1]]
    assert {"order quantity (units)", "order-up-to level (units)", "why"} <= set(header)
