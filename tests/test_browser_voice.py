"""End to end in a real browser: upload a customer messages file, save it, open Customer voice, read the
topics and the unhappy list, ask the answer helper about a new message and see a past answer to copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT
from tests.feedback_data import messages

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 180_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("voice") / "home"
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url:
        yield url


def test_upload_messages_see_topics_unhappy_list_and_answer_helper(app_url, tmp_path):
    tickets = tmp_path / "tickets.csv"
    messages(400, seed=0).to_csv(tickets, index=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_tab(TIMEOUT_MS) as page:
        page.goto(f"{app_url}/data")
        page.get_by_text("Choose a file").first.wait_for()
        page.locator("input[type='file']").set_input_files(str(tickets))
        page.get_by_text("Customer messages: one row = one customer review or service message").wait_for()
        name = page.get_by_label("Dataset name")
        name.fill("Tickets")
        name.press("Enter")
        wait_idle(page)
        page.get_by_role("button", name="Save dataset").click()
        page.get_by_text("Saved dataset 'Tickets' with 400 rows").wait_for()

        page.goto(f"{app_url}/")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.locator("[data-testid='stCaptionContainer']").first.wait_for()
        wait_idle(page)
        if "Tickets" not in sidebar.inner_text():
            sidebar.get_by_role("combobox").first.click()
            page.get_by_role("option", name="Tickets").click()
            wait_idle(page)
        sidebar.get_by_role("link", name="Customer voice").click()
        page.get_by_text("400 messages ·").wait_for()
        main = page.locator("[data-testid='stMain']")
        # the topics chart draws after the caption: wait for its title rather than read the page at once
        main.locator(".js-plotly-plot").first.wait_for()
        expect(main.locator(".js-plotly-plot").first).to_contain_text("What customers talk about")
        page.get_by_role("tab", name="Unhappy customers").click()
        page.get_by_text("Act on these first").wait_for()
        assert "Learned from the ratings" in main.inner_text()
        page.get_by_role("tab", name="Answer helper").click()
        box = page.get_by_label("A new customer message")
        box.fill("my parcel never arrived, where is the courier")
        box.press("Control+Enter")
        page.get_by_text("Most likely intent").wait_for()
        wait_idle(page)
        assert "delivery" in main.locator("[data-testid='stMetric']", has_text="Most likely intent").inner_text()
        answer = main.locator("[data-testid='stCode']").first
        answer.wait_for()
        assert "courier" in answer.inner_text()
        page.screenshot(path=str(ARTIFACTS / "customer-voice.png"), full_page=True)
