"""In a real browser: an analyst adjusts a forecast (a selection, then a number typed over in the table), the
order plan follows the adjusted forecast, and a viewer sees the adjustments but cannot make one."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from retail.access import users
from retail.data.workspace import Workspace
from retail.forecast.explain import outlook
from retail.forecast.result import load_run
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT
from tests.test_browser import run_small_forecast
from tests.test_browser_access import go, sign_in

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def team(tmp_path_factory, small_sample_file):
    folder = tmp_path_factory.mktemp("planners")
    env = {"RETAIL_HOME": str(folder / "home"), "RETAIL_SAMPLE_FILE": str(small_sample_file),
           "RETAIL_ACCESS_FILE": str(folder / "access.toml")}
    users.add_user("ana", "analyst", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    users.add_user("vic", "viewer", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    with streamlit_server(ROOT, env) as url:
        yield url, Path(env["RETAIL_HOME"])


def finished(page) -> None:
    """Wait until the page's script has run to its end (a table edited while it still runs is drawn anew)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")
    wait_idle(page)


def rerun_by(page, action) -> None:
    """Do ``action`` (a click that reruns the page) and wait until that rerun has finished."""
    page.evaluate("""() => { window.__reran = false; const app = document.querySelector("[data-testid='stApp']");
        new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__reran = true; })
            .observe(app, {attributes: true}); }""")
    action()
    page.wait_for_function("""() => window.__reran
        && document.querySelector("[data-testid='stApp']").dataset.testScriptState === 'notRunning'""")
    wait_idle(page)


def biggest_product(home: Path) -> tuple[str, str]:
    """The code and name of the run's biggest product (what the test adjusts)."""
    workspace = Workspace(home=home)
    result = load_run(workspace, workspace.list_runs("forecast")[0].id)
    first = outlook(result).iloc[0]
    return str(first["series_id"]), str(first["name"])


def adjust_a_selection(page, product: str) -> None:
    """+500% on one product (chosen by its name in the list), reason promotion."""
    rerun_by(page, page.get_by_role("tab", name="Change a selection").click)  # switching tabs reruns the page
    products = page.locator("[data-testid='stMultiSelect']", has_text="Products (empty: all)")
    products.get_by_role("combobox").click()
    rerun_by(page, page.get_by_role("option", name=product, exact=True).click)
    page.keyboard.press("Escape")  # the list closes
    assert page.get_by_role("radio", name="by a percentage").is_checked()  # the first way to change, by default
    amount = page.get_by_role("spinbutton", name="Amount (%)")
    amount.fill("500")
    rerun_by(page, lambda: amount.press("Enter"))
    note = page.get_by_label("Note (what you know)").last
    note.fill("TV promotion")
    rerun_by(page, lambda: note.press("Enter"))
    page.get_by_role("button", name="Save this change as a new version").click()
    page.get_by_text("Adjusted forecast (version 2 of run").wait_for()
    finished(page)


def open_last_cell(page, grid, attempts: int = 3):
    """Open the editor of the table's last row and last period, as a person does: click the cell, type.
    The click lands where the table is on screen once it has stopped moving (the page above it may still
    be drawing); if no editor opens, the click missed the cell, and a person clicks again."""
    editor = page.locator("#portal input").first
    for _ in range(attempts):
        grid.evaluate("element => element.scrollIntoView({block: 'center'})")  # the whole table on screen
        box = settled_box(page, grid)
        # the last row's last period: rows are 35 px high and the table's toolbar sits above its top edge
        page.mouse.click(box["x"] + box["width"] - 40, box["y"] + box["height"] - 17)
        page.keyboard.type("9")  # typing on a chosen cell opens its editor with what was typed
        try:
            editor.wait_for(timeout=20_000)
            return editor
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"the table's cell editor did not open after {attempts} clicks")


def settled_box(page, locator) -> dict:
    """``locator``'s place on screen once two animation frames in a row agree on it."""
    previous = None
    while (box := locator.bounding_box()) != previous:
        previous = box
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return box


def type_over_a_number(page) -> None:
    """Set the smallest series' last week to 999 in the table, as a planner types it."""
    rerun_by(page, page.get_by_role("tab", name="Type over the numbers").click)
    grid = page.locator("[data-testid='stForm']").filter(has_text="Save the changed numbers").locator(
        "[data-testid='stDataFrame']")
    editor = open_last_cell(page, grid)
    editor.fill("999")
    editor.press("Enter")
    # the table takes the number when its (hidden) accessible copy of the cell shows it: then the form may be sent
    grid.locator("[role='gridcell']").filter(has_text=re.compile(r"^999$")).first.wait_for(state="attached")
    rerun_by(page, page.get_by_role("button", name="Save the changed numbers as a new version").click)
    page.get_by_text("Adjusted forecast (version 3 of run").wait_for()
    wait_idle(page)


def plan_follows(page, tmp_path) -> list[dict]:
    go(page, "Replenishment")
    page.get_by_text("Planners' adjustments the orders follow").wait_for()
    finished(page)
    top = page.get_by_role("spinbutton", name="Largest N items (0 = all)")
    top.fill("8")
    rerun_by(page, lambda: top.press("Enter"))
    weeks = page.get_by_role("spinbutton", name="Weeks replayed")
    weeks.fill("4")
    rerun_by(page, lambda: weeks.press("Enter"))
    page.get_by_role("button", name="Plan orders and replay both policies").click()
    page.get_by_text("The orders follow the planners' adjusted forecast of run").wait_for(timeout=240_000)
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "replenishment-follows.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV (orders)").click()
    path = tmp_path / "orders.csv"
    download.value.save_as(path)
    return list(csv.DictReader(path.open()))


def test_an_analyst_adjusts_the_order_plan_follows_and_a_viewer_cannot(team, tmp_path):
    url, home = team
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_tab(TIMEOUT_MS) as page:
        sign_in(page, url, "ana", PASSWORD)
        go(page, "Forecast")
        run_small_forecast(page, 240_000)
        code, name = biggest_product(home)
        adjust_a_selection(page, name)
        type_over_a_number(page)
        page.screenshot(path=str(ARTIFACTS / "forecast-adjusted.png"), full_page=True)
        orders = plan_follows(page, tmp_path)
    changed = {row["product code"]: row for row in orders if float(row["planners' change (units)"] or 0) > 0}
    assert code in changed and "planners' adjusted forecast adds" in changed[code]["why"]
    assert float(changed[code]["forecast demand over those days (units)"]) > float(
        changed[code]["statistical forecast over those days (units)"])
    runs = Workspace(home=home).list_runs("forecast")
    assert [r.settings.get("version") for r in runs] == [3, 2, None]
    assert runs[0].summary["adjusted_by"] == "ana"
    latest = load_run(Workspace(home=home), runs[0].id)
    assert list(latest.adjustments["change"].str.split(" ").str[0]) == ["+500%", "999"]
    with chromium_tab(TIMEOUT_MS) as page:
        sign_in(page, url, "vic", PASSWORD)
        go(page, "Forecast")
        rerun_by(page, page.get_by_role("tab", name="Saved runs").click)
        page.get_by_role("button", name="Open this run").click()  # the newest run: version 3
        page.get_by_text("Adjusted forecast (version 3 of run").wait_for()
        page.get_by_text("may read forecasts but not adjust them").wait_for()
        assert page.get_by_role("button", name="Save this change as a new version").count() == 0
        assert page.get_by_role("button", name="Save the changed numbers as a new version").count() == 0
        page.screenshot(path=str(ARTIFACTS / "forecast-viewer.png"), full_page=True)
