"""What a merchandiser trips on, tried in Chromium as a new user would: a 9-day workbook forecasts with
defaults that fit it and a failure leaves no progress bar; two quick downloads both land; tiles and
buttons fit at 1440 px; a store-totals file gets promotion lifts per store and a report about stores;
every page's help link opens its own section."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

from retail.access import audit
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT
from tests.rossmann_data import write_store_days
from tests.test_page_forecast import nine_day_workbook

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 180_000
CLIPPED = """elements => elements.filter(e => e.offsetWidth > 0 && e.scrollWidth > e.clientWidth + 1)
                                  .map(e => e.innerText)"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("merch")
    import_file(Workspace(folder / "home"), write_store_days(folder / "rossmann.csv", days=300), "rossmann")
    return folder / "home"


@pytest.fixture(scope="module")
def app_url(home, small_sample_file):
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with chromium_tab(TIMEOUT_MS, viewport=(1440, 1000)) as page:
        open_page(page, app_url, "")  # the first run of app.py declares the pages (before it, /forecast runs alone)
        page.get_by_text("Sales overview").wait_for()
        yield page


def open_page(page, url: str, path: str, dataset: str | None = None) -> None:
    page.goto(f"{url}/{path}" + (f"?dataset={quote(dataset)}" if dataset else ""))
    page.locator("h1").first.wait_for()
    wait_idle(page, TIMEOUT_MS)


def no_progress_bar_left(page) -> bool:
    """Called after wait_idle: the run has ended, so what it left on the page is final."""
    return page.locator("[data-testid='stProgress']").count() == 0


def test_a_nine_day_workbook_forecasts_and_downloads_twice(page, app_url, home, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nine_day_workbook(tmp_path / "nine days.xlsx")
    open_page(page, app_url, "data")
    page.locator("input[type='file']").set_input_files(str(tmp_path / "nine days.xlsx"))
    page.locator("[data-testid='stMetric']", has_text="Rows kept").wait_for()
    wait_idle(page, TIMEOUT_MS)
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text("Saved dataset 'nine days'").wait_for()

    open_page(page, app_url, "forecast", "nine days")
    page.get_by_text("covers 9 complete days, so the forecast starts daily, 3 days ahead").wait_for()
    page.get_by_role("button", name="Run forecast").click()
    page.get_by_text("was best: in the backtest").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    assert no_progress_bar_left(page)
    page.screenshot(path=str(ARTIFACTS / "forecast-nine-days.png"), full_page=True)

    # two quick downloads, the second clicked while the first is being built: both land
    landed = []

    def land(download) -> None:
        landed.append(download)

    page.on("download", land)
    page.get_by_role("button", name="Download Excel").click()
    page.get_by_role("button", name="Download CSV").click()
    while len(landed) < 2:  # the listener sees every download; wait for the next event until both landed
        page.wait_for_event("download", timeout=TIMEOUT_MS)
    assert sorted(d.suggested_filename for d in landed) == ["forecast_run_1.csv", "forecast_run_1.xlsx"]
    assert all(d.failure() is None for d in landed)
    assert "Deferred file not found" not in page.locator("body").inner_text()
    exports = audit.read(Workspace(home), action="export")  # each file built on its click, and logged then
    assert {"forecast_run_1.xlsx", "forecast_run_1.csv"} <= set(exports["detail"])
    page.remove_listener("download", land)

    shown = page.locator("[data-testid='stSlider']", has_text="Horizon (periods)")
    assert shown.inner_text().split()[2] == "3"  # "Horizon (periods) 3 1 90": what the run used is what it shows
    horizon = shown.get_by_role("slider")
    horizon.focus()
    horizon.press("End")  # 90 days ahead: more than 9 days can test
    page.get_by_role("button", name="Run forecast").click()
    page.get_by_text("no series has the").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    assert no_progress_bar_left(page)  # the failure took its bar with it


def test_tiles_and_buttons_fit_at_1440_pixels(page, app_url):
    for dataset in (None, "rossmann"):
        open_page(page, app_url, "", dataset)
        page.locator("[data-testid='stMetricValue']").first.wait_for()
        wait_idle(page, TIMEOUT_MS)
        main = page.locator("[data-testid='stMain']")
        values = main.locator("[data-testid='stMetricValue'] div").evaluate_all(CLIPPED)
        buttons = main.locator("[data-testid='stButtonGroup'] button").evaluate_all(CLIPPED)
        dates = main.locator("[data-testid='stDateInput'] input").evaluate_all(CLIPPED)
        assert not values and not buttons and not dates, (dataset, values, buttons, dates)
    page.screenshot(path=str(ARTIFACTS / "overview-stores-1440.png"), full_page=True)


def test_store_totals_get_promotion_lifts_and_a_report_about_stores(page, app_url, tmp_path):
    open_page(page, app_url, "pricing", "rossmann")
    page.get_by_text("On promotion days, sales were").wait_for(timeout=TIMEOUT_MS)
    assert "Promotion lift per store" in page.locator("[data-testid='stMain']").inner_text()
    page.locator(".js-plotly-plot").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "pricing-store-promotions.png"), full_page=True)

    open_page(page, app_url, "", "rossmann")
    with page.expect_download() as report:
        page.get_by_role("button", name="Stakeholder report (HTML)").click()
    text = Path(report.value.path()).read_text()
    assert "Top stores" in text and "Top products" not in text and "Net sales" not in text


def test_each_page_links_to_its_own_help_section(page, app_url):
    open_page(page, app_url, "forecast")
    page.get_by_text("What these numbers mean").first.click()
    page.get_by_role("heading", name="Forecast").first.wait_for()
    wait_idle(page, TIMEOUT_MS)
    headers = page.locator("[data-testid='stMain'] h2").all_inner_texts()
    assert headers[0].startswith("Forecast"), headers
    search = page.get_by_label("Search the help")
    search.fill("qini")
    search.press("Enter")
    page.get_by_text("Nothing in the help").or_(page.locator("[data-testid='stMain'] h2", has_text="Experiments")) \
        .first.wait_for()
    page.locator("[data-testid='stMain'] h2", has_text="Overview").wait_for(state="detached")
    assert [h.strip() for h in page.locator("[data-testid='stMain'] h2").all_inner_texts()] == ["Experiments"]
    page.screenshot(path=str(ARTIFACTS / "help-search.png"), full_page=True)
