"""End to end in a real browser: the learned product weights (EASE) recommend with reasons and
re-rank on the regularisation slider; the "Bought together" tab's rules follow the minimum support."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from retail.recommend.registry import BASKET_RULES, RECOMMENDERS
from tests.browser import NOT_RUNNING, app_tab, wait_idle
from tests.conftest import ROOT

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_sample_file):
    home = tmp_path_factory.mktemp("browser_learning") / "home"
    with app_tab(ROOT, home, small_sample_file, TIMEOUT_MS, viewport=(1400, 1100)) as (tab, url):
        tab.goto(f"{url}/recommendations")
        yield tab


def texts(page, testid: str) -> str:
    return " | ".join(page.locator(f"[data-testid='{testid}']").all_inner_texts())


def wait_for_change(page, testid: str, old: str) -> None:
    page.wait_for_function(f"(old) => Array.from(document.querySelectorAll(\"[data-testid='{testid}']\"))"
                           ".map(e => e.innerText).join(' | ') !== old", arg=old, timeout=TIMEOUT_MS)


def test_ease_recommends_with_reasons_and_follows_its_slider(page):
    page.get_by_text("Top 10 for customer").wait_for()
    wait_idle(page)
    page.locator("[data-testid='stSelectbox']", has_text="Algorithm").get_by_role("combobox").click()
    page.get_by_role("option", name=RECOMMENDERS.label("ease")).click()
    # EASE's own slider shows it is chosen (the hybrid the page opens on can have the same top three)
    page.locator("[data-testid='stSlider']", has_text="Regularisation").first.wait_for()
    wait_idle(page)
    picks = texts(page, "stText")
    assert picks.startswith("1. ") and "because you bought" in picks
    slider = page.locator("[data-testid='stSlider']", has_text="Regularisation").first.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # the smallest regularisation follows rare pairs: another list
    wait_idle(page)
    wait_for_change(page, "stText", picks)
    assert texts(page, "stText") != picks
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "recommendations-ease.png"), full_page=True)


def test_bought_together_rules_follow_the_minimum_support(page):
    page.get_by_role("tab", name="Bought together", exact=True).click()  # a tab: no rerun
    page.get_by_text("Bought in the same basket as").first.wait_for()
    label = RECOMMENDERS.get(RECOMMENDERS.first_tagged(BASKET_RULES)).param("min_support").label
    before = texts(page, "stCaptionContainer")
    default = RECOMMENDERS.get(RECOMMENDERS.first_tagged(BASKET_RULES)).defaults()["min_support"]
    assert f"fewer than {default} baskets make no rule" in before
    slider = page.locator("[data-testid='stSlider']", has_text=label).first.get_by_role("slider")
    slider.focus()
    slider.press("End")
    wait_idle(page)
    wait_for_change(page, "stCaptionContainer", before)
    assert "fewer than 200 baskets make no rule" in texts(page, "stCaptionContainer")
    page.get_by_role("tab", name="Bought together", exact=True).screenshot(
        path=str(ARTIFACTS / "bought-together-tab.png"))
    page.screenshot(path=str(ARTIFACTS / "bought-together.png"), full_page=True)


def test_the_evaluation_keeps_the_best_neighbours_for_the_other_sections(page):
    """The evaluation tab is a fragment: its run draws the table and the sweep alone; keeping the sweep's
    best setting reruns the whole page, so the "Bought together" tab's slider starts there."""
    page.get_by_role("tab", name="Bought together", exact=True).click()  # a tab: no rerun
    slider = page.locator("[data-testid='stSlider']", has_text="Neighbours k").first.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # k = 1: not a value the sweep tries, so keeping its best must move it
    wait_idle(page)
    expect(slider).to_have_value("1")
    page.get_by_role("tab", name="Evaluation", exact=True).click()
    page.get_by_role("button", name="Evaluate").click()
    page.get_by_text("Neighbours and similarity").wait_for(timeout=300_000)
    wait_idle(page, timeout_ms=300_000)
    keep = page.get_by_role("button", name=re.compile(r"^Use .+, k = \d+ for "))
    k = re.search(r"k = (\d+)", keep.inner_text()).group(1)
    keep.click()
    page.get_by_role("tab", name="Bought together", exact=True).click()
    expect(slider).to_have_value(k, timeout=TIMEOUT_MS)  # drawn by the page's rerun
    # not wait_idle: its last input is the tab click, which starts no run (it waited for nothing, in CI)
    page.wait_for_function(NOT_RUNNING, timeout=TIMEOUT_MS)  # the page's rerun, seen drawing, has ended
