"""End to end in a real browser: upload a file, check the report, save it, read a KPI off Overview."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from retail.formatting import compact
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT
from ui.paint import PAINT_SCRIPT

DEMO = ROOT / "sample_data" / "demo_upload.csv"
ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 90_000

pytestmark = pytest.mark.browser


def expected_demo_revenue() -> float:
    """Revenue of the demo file's sale lines, computed independently of `retail`."""
    frame = pd.read_csv(DEMO, sep=";", dtype=str).drop_duplicates()
    quantity = frame["Qty"].astype(float)
    price = frame["Price EUR"].str.replace(",", ".").astype(float)
    fees = frame["SKU"].isin(["POST", "DOT", "C2", "M", "D", "CRUK"])
    sale = (quantity > 0) & ~frame["Receipt"].str.startswith("C") & (price > 0) & ~fees
    return float((quantity * price)[sale].sum())


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("browser") / "home"
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with chromium_tab(TIMEOUT_MS) as page:
        yield page


def test_first_view_shows_the_figures_then_the_charts_by_itself(app_url):
    """A new session's Overview: the tiles, then (no click) the charts and tables the browser's paint
    asked for, and no note or signal left behind."""
    with chromium_tab(TIMEOUT_MS) as fresh:
        fresh.goto(f"{app_url}/")
        fresh.locator("[data-testid='stMetricValue']").first.wait_for()
        fresh.locator(".js-plotly-plot", has_text="Revenue per week").wait_for()
        fresh.locator(".js-plotly-plot", has_text="Top 10 products by revenue").wait_for()
        wait_idle(fresh)
        assert fresh.get_by_text("Drawing the charts…").count() == 0
        assert fresh.locator("[data-testid='stExpander']", has_text="Tables (with CSV downloads)").count() == 1


def test_the_overview_shows_what_it_showed_when_the_person_comes_back_from_another_page(app_url):
    with chromium_tab(TIMEOUT_MS) as tab:
        tab.goto(f"{app_url}/")
        tab.locator(".js-plotly-plot", has_text="Revenue per week").wait_for()
        wait_idle(tab)
        tab.locator("[data-testid='stButtonGroup']").first.get_by_text("month", exact=True).click()
        tab.locator(".js-plotly-plot", has_text="Revenue per month").wait_for()
        wait_idle(tab)
        tab.get_by_role("link", name="Forecast").click()
        tab.get_by_text("Demand forecast").first.wait_for()
        wait_idle(tab)
        tab.get_by_role("link", name="Overview").click()
        tab.get_by_text("Sales overview").first.wait_for()
        tab.locator(".js-plotly-plot", has_text="Revenue per month").wait_for()  # not back to weeks
        assert tab.locator(".js-plotly-plot", has_text="Revenue per week").count() == 0


# The paint signal's script on a bare page whose animation frames run when the test says: each case mounts
# it, may act, then runs the frames and reads what the script sent.
PAINT_HARNESS = """async script => {
  const frames = [];
  window.requestAnimationFrame = callback => frames.push(callback);
  const signal = await import("data:text/javascript," + encodeURIComponent(script));
  window.paint = {sent: [], mount: () => { window.paint.sent = []; window.paint.unmount = signal.default(
                    {setTriggerValue: name => window.paint.sent.push(name)}); },
                  runFrames: () => { while (frames.length) frames.shift()(); return window.paint.sent; }};
}"""


# What the person does between the signal's mounting and its animation frames, as Playwright does it.
BETWEEN_MOUNT_AND_PAINT = {
    "nothing": lambda tab: None,
    "click a button": lambda tab: tab.get_by_role("button").click(),
    "click the link": lambda tab: tab.get_by_role("link").click(),
    "press Enter on the link": lambda tab: tab.get_by_role("link").press("Enter"),
    "go back": lambda tab: tab.evaluate(
        "() => new Promise(done => { addEventListener('popstate', done, {once: true}); history.back(); })"),
    "unmount": lambda tab: tab.evaluate("() => paint.unmount()"),
}


@pytest.mark.parametrize(("between", "sent"), [
    ("nothing", ["painted"]),
    ("click a button", ["painted"]),  # an input that stays on the page must not hold the charts back
    ("click the link", []),  # the page menu: the run we would ask for carries this page's address
    ("press Enter on the link", []),
    ("go back", []),  # the browser's Back button opens the page before
    ("unmount", []),  # another run has replaced the page
])
def test_the_paint_signal_is_sent_unless_the_person_leaves_the_page_first(between, sent):
    with chromium_tab(TIMEOUT_MS) as tab:
        tab.set_content("<a href='#data'>Data</a> <button>Filter</button>")
        tab.evaluate("() => history.pushState({}, '', '#overview')")
        tab.evaluate(PAINT_HARNESS, PAINT_SCRIPT)
        tab.evaluate("() => paint.mount()")
        BETWEEN_MOUNT_AND_PAINT[between](tab)
        assert tab.evaluate("() => paint.runFrames()") == sent


def test_upload_validate_save_and_overview_kpi(page, app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{app_url}/data")
    page.get_by_text("Choose a file").first.wait_for()
    page.locator("input[type='file']").set_input_files(str(DEMO))
    rows_kept = page.locator("[data-testid='stMetric']", has_text="Rows kept")
    rows_kept.wait_for()
    assert "660" in rows_kept.inner_text()
    page.get_by_text("Exact duplicate rows: 3 rows, for example").wait_for()
    page.screenshot(path=str(ARTIFACTS / "data-page.png"), full_page=True)

    name = page.get_by_label("Dataset name")
    name.fill("Browser upload")
    name.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save dataset").click()
    page.get_by_text("Saved dataset 'Browser upload' with 660 rows").wait_for()

    page.goto(f"{app_url}/")
    page.get_by_text("Sales overview").wait_for()
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    if "Browser upload" not in sidebar.inner_text():
        sidebar.get_by_role("combobox").first.click()
        page.get_by_role("option", name="Browser upload").click()
        wait_idle(page)
    revenue = page.locator("[data-testid='stMetric']", has_text="€").first  # the demo file's prices are in EUR
    revenue.wait_for()
    # the tile is short ("€14.7k", it fits); its tooltip has every digit
    assert compact(expected_demo_revenue(), "€") in revenue.inner_text()
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def top_picks(page) -> str:
    picks = page.locator("[data-testid='stText']")
    picks.first.wait_for()
    return " | ".join(picks.all_inner_texts())


def test_recommendations_follow_the_k_slider(page, app_url):
    page.goto(f"{app_url}/recommendations?algorithm=item-knn")  # a shared link to the item-kNN list
    page.get_by_text("Top 10 for customer").wait_for()
    wait_idle(page)
    before = top_picks(page)
    assert before.startswith("1. ")
    slider = page.locator("[data-testid='stSlider']", has_text="Neighbours k").first.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # k = 1: each product scored from its single nearest bought product
    wait_idle(page)
    page.wait_for_function("(old) => Array.from(document.querySelectorAll(\"[data-testid='stText']\"))"
                           ".map(e => e.innerText).join(' | ') !== old", arg=before, timeout=TIMEOUT_MS)
    assert top_picks(page) != before
    page.screenshot(path=str(ARTIFACTS / "recommendations.png"), full_page=True)


def run_small_forecast(page, timeout_ms: int = 180_000) -> None:
    """On the Forecast page: 8 series, 4 periods ahead, 2 backtest windows; wait for the run's headline."""
    page.get_by_text("Run forecast").wait_for()
    wait_idle(page)
    # the sample slice holds 14 weeks: the page starts at 4 weeks ahead with 2 windows, and says why
    page.get_by_text("so the forecast starts weekly, 4 weeks ahead, tested on 2 earlier windows").wait_for()
    page.get_by_label("Largest N series (0 = all)").fill("8")
    page.get_by_role("button", name="Run forecast").click()
    page.get_by_text("was best: in the backtest").wait_for(timeout=timeout_ms)
    wait_idle(page)


def test_forecast_run_and_excel_download(page, app_url, tmp_path):
    import openpyxl

    page.goto(f"{app_url}/forecast")
    run_small_forecast(page)
    page.screenshot(path=str(ARTIFACTS / "forecast.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Excel").click()
    path = tmp_path / "forecast.xlsx"
    download_info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["summary", "forecast", "accuracy", "settings"]
    header = [cell.value for cell in book["forecast"][1]]
    assert {"Product", "Name", "Week starting", "Forecast", "Low (80% range)", "High (80% range)"} <= set(header)
    assert book["forecast"].max_row == 1 + 8 * 4  # 8 series x 4 weeks
