"""End to end in a real browser: upload campaign results on the Experiments page, read the test out,
compare targeting models, download the targeting list, and replay the allocation policies."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from tests.browser import app_tab, wait_idle
from tests.conftest import ROOT
from tests.experiments_data import campaign

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 180_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("browser_experiments") / "home"
    with app_tab(ROOT, home, small_sample_file, TIMEOUT_MS) as (tab, url):
        tab.goto(url)
        tab.get_by_text("Sales overview").wait_for()
        tab.goto(f"{url}/experiments")
        yield tab


def test_upload_read_out_target_and_replay(page, tmp_path):
    results = tmp_path / "spring_test.csv"
    frame, _ = campaign(9, customers=4000, effect_scale=2.0)
    frame.loc[0, "customer_id"] = "=HYPERLINK(\"http://x\")"
    frame.to_csv(results, index=False)
    page.get_by_text("Campaign results from").wait_for()
    page.get_by_text("a file", exact=True).click()
    page.locator("input[type='file']").set_input_files(str(results))
    page.get_by_text("Offer A: visit").first.wait_for()
    wait_idle(page)
    assert page.get_by_text("Offer A raised visit by").first.is_visible()
    assert page.get_by_text("Arm sizes match the plan").first.is_visible()

    page.get_by_role("tab", name="Uplift targeting").click()
    page.get_by_role("button", name="Compare targeting models").click()
    page.get_by_text("targeting quality").first.wait_for()  # the verdict, whichever it is
    wait_idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "experiments-uplift.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "targets.csv"
    download_info.value.save_as(path)
    table = pd.read_csv(path, dtype={"customer": str})
    assert len(table) == 1200 and list(table.columns[:3]) == ["rank", "customer", "segment"]
    assert table["targeting score"].is_monotonic_decreasing
    assert not table.astype(str).apply(lambda c: c.str.startswith(("=", "+", "@"))).any().any()

    page.get_by_role("tab", name="Next wave").click()
    page.get_by_role("button", name="Replay the policies").click()
    page.get_by_text("replayed best").first.wait_for()
    wait_idle(page)
    assert page.get_by_text("Recommended allocation of the next wave").is_visible()
