"""End to end in a real browser: open Customers, build a campaign list, download it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser import app_tab, wait_idle
from tests.conftest import ROOT

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("browser_customers") / "home"
    with app_tab(ROOT, home, small_sample_file, TIMEOUT_MS) as (tab, url):
        tab.goto(f"{url}/customers")
        yield tab


def test_build_and_download_a_campaign(page, tmp_path):
    page.get_by_text("Customers per segment").first.wait_for()
    wait_idle(page)
    page.get_by_role("tab", name="Campaign", exact=True).click()
    top = page.get_by_role("spinbutton", name="At most (0 = everyone)")
    top.fill("25")
    top.press("Enter")
    wait_idle(page)
    audience = page.locator("[data-testid='stMetric']", has_text="Audience").first
    expect(audience).to_have_text(re.compile(r"^\s*Audience\s*25\s*$"), timeout=180_000)  # redrawn when the run ends
    page.get_by_role("button", name="Build and save the campaign list").click()
    page.get_by_text("saved as campaign").first.wait_for(timeout=180_000)
    wait_idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "customers-campaign.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "campaign.csv"
    download_info.value.save_as(path)
    table = pd.read_csv(path, dtype={"customer": str})
    assert len(table) == 25
    assert {"customer", "segment", "probability of buying (%)", "expected spend", "product 1", "why product 1"} <= set(
        table.columns)
    assert table["expected spend"].is_monotonic_decreasing
    assert not table.astype(str).apply(lambda c: c.str.startswith(("=", "+", "@"))).any().any()


def test_another_customer_redraws_the_card(page):
    """The customer tab is a fragment: choosing another customer reruns it alone (the app's state goes to
    running and back, so wait_idle waits for it) and the card follows."""
    page.get_by_role("tab", name="Customers", exact=True).click()
    card = page.locator("[data-testid='stSelectbox']", has_text="Customer card").first
    card.wait_for()
    heading = page.get_by_role("heading", name=re.compile(r"^Customer \S+:"))
    first = heading.inner_text()
    card.locator("input").click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(heading).not_to_have_text(first)
    assert page.get_by_text("Products to offer").first.is_visible()
