"""End to end in a real browser: add a week's sales to a dataset, read what needs attention this week,
follow a line to the page that explains it, and see how the saved forecast did."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from retail.access.guard import GuardedWorkspace
from retail.access.roles import local_actor
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import save_run
from retail.forecast.settings import ForecastSettings
from tests.browser import chromium_tab, open_page, streamlit_server, wait_idle
from tests.conftest import ROOT
from ui.append import APPEND_TAB
from ui.planning import TRACKING_TAB

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000
CUT = pd.Timestamp("2011-11-07")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(tmp_path_factory, small_sample_file):
    """A workspace whose 'shop' ends on CUT with a saved forecast, and the next week as a till's CSV."""
    folder = tmp_path_factory.mktemp("browser_planning")
    lines = pd.read_parquet(small_sample_file)
    lines[lines["InvoiceDate"] < CUT].to_parquet(folder / "base.parquet", index=False)
    week = lines[(lines["InvoiceDate"] >= CUT) & (lines["InvoiceDate"] < CUT + pd.Timedelta(weeks=1))]
    week.to_csv(folder / "week 45.csv", index=False)
    home = folder / "home"
    workspace = GuardedWorkspace(Workspace(home=home), local_actor())
    import_file(workspace.workspace, folder / "base.parquet", "shop")
    settings = ForecastSettings(level="product", freq="W", horizon=2, models=("snaive", "ma"), windows=2, top_n=20)
    save_run(workspace, "shop", run_forecast(workspace.load("shop"), settings))
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url, chromium_tab(TIMEOUT_MS) as tab:
        yield tab, url, folder / "week 45.csv"


def choose_shop(page) -> None:
    """The sidebar's dataset: 'shop' (the bundled sample is listed first)."""
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("combobox").first.wait_for()
    wait_idle(page)
    if sidebar.get_by_role("combobox").first.input_value() != "shop":
        sidebar.get_by_role("combobox").first.click()
        page.get_by_role("option", name="shop", exact=True).click()
        wait_idle(page)


def test_add_a_week_then_read_this_week_and_follow_a_line(shop):
    page, url, week = shop
    page.goto(url)  # a first visit starts the session with its navigation, as a user arrives
    page.get_by_text("Sales overview").wait_for()
    choose_shop(page)
    open_page(page, "Data")
    page.get_by_role("tab", name=APPEND_TAB).click()
    uploader = page.locator("[data-testid='stFileUploader']", has_text="New sales")
    uploader.locator("input[type='file']").set_input_files(str(week))
    added = page.locator("[data-testid='stMetric']", has_text="Rows added")
    added.wait_for()
    assert f"{len(pd.read_csv(week)):,}".split(",")[0] in added.inner_text()
    page.get_by_text("New sales for shop").first.wait_for()
    page.get_by_role("button", name="Add to the dataset").click()
    page.get_by_text("now has").first.wait_for()
    wait_idle(page)

    open_page(page, "This week")
    page.get_by_text("need attention").first.wait_for()
    wait_idle(page)
    assert "Checked against 1 week of sales, the forecasts of 1 run" in page.inner_text("body")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "this-week.png"), full_page=True)
    page.get_by_role("link", name="Explain").first.click()
    wait_idle(page)
    title = page.locator("[data-testid='stMain'] h1").first.inner_text()
    assert title in ("Demand forecast", "Replenishment", "Sales overview") and "dataset=shop" in page.url
    assert page.locator("[data-testid='stException']").count() == 0


def test_how_did_our_forecasts_do(shop):
    page, _, _ = shop
    open_page(page, "Forecast")
    page.get_by_role("tab", name=TRACKING_TAB).click()
    page.get_by_text("Every run: real error against its promise").wait_for()
    wait_idle(page)
    assert page.locator(".js-plotly-plot").count() >= 2  # error per week; one series and its forecasts
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "forecast-checks.png"), full_page=True)
