"""End to end in a real browser: the Pricing page measures elasticities, shows a product, moves a
scenario with its slider and downloads a formula-safe CSV."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT
from tests.pricing_data import shop_rows

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000
DATASET = "Till export"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, small_sample_file):
    folder = tmp_path_factory.mktemp("browser_pricing")
    home, till = folder / "home", folder / "till.csv"
    rows = shop_rows()
    rows.loc[rows["SKU"] == "F", "Description"] = "=HYPERLINK(\"http://example.com\")"  # must stay text
    rows.to_csv(till, index=False)
    # imported in its own process: the server must be the only one holding the workspace
    subprocess.run([sys.executable, "-c", "import sys; from retail.data.ingest import import_file; "
                    "from retail.data.workspace import Workspace; import_file(Workspace(sys.argv[1]), sys.argv[2], "
                    "sys.argv[3])", str(home), str(till), DATASET], check=True, cwd=ROOT)
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with chromium_tab(TIMEOUT_MS) as page:
        yield page


def metric_text(page) -> str:
    return " | ".join(page.locator("[data-testid='stMetric']").all_inner_texts())


def test_measure_elasticities_scenario_and_download(page, app_url, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(app_url)
    page.get_by_text("Sales overview").wait_for()
    page.goto(f"{app_url}/pricing?dataset={DATASET.replace(' ', '+')}")
    page.get_by_role("button", name="Measure price elasticities").click()
    page.get_by_text("6 of 8 products have a measurable price elasticity").wait_for()
    wait_idle(page)
    page.get_by_text("One product").scroll_into_view_if_needed()
    page.get_by_text("It rests on").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "pricing.png"))

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV (products)").click()
    path = tmp_path / "products.csv"
    download_info.value.save_as(path)
    table = pd.read_csv(path)
    assert {"product code", "Price elasticity", "Low (95%)", "High (95%)", "Measurable", "Price levels",
            "Verdict"} <= set(table)
    assert table.loc[table["product code"] == "F", "product"].iat[0].startswith("'=")
    assert table.loc[table["product code"] == "FLAT", "Price elasticity"].isna().all()
    wait_idle(page)  # the download's click reruns the page (audit log): let it finish before changing tab

    page.get_by_role("tab", name="Scenarios").click()  # a tab: no rerun
    page.get_by_text("Price with the most sales value").first.wait_for()
    before = metric_text(page)
    slider = page.locator("[data-testid='stSlider']", has_text="Price change (%)").first.get_by_role("slider")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")  # +5%
    wait_idle(page)
    page.wait_for_function("(old) => Array.from(document.querySelectorAll(\"[data-testid='stMetric']\"))"
                           ".map(e => e.innerText).join(' | ') !== old", arg=before, timeout=TIMEOUT_MS)
    assert "vs today" in metric_text(page) and metric_text(page) != before
    page.screenshot(path=str(ARTIFACTS / "pricing-scenario.png"))
