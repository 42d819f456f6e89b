"""Regenerate the README screenshots: the real app on the full bundled sample, in Chromium.

Run from the project root: .venv/bin/python docs/make_screenshots.py [pricing | bought-together | experiments]
(only that one)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from retail.data.ingest import import_file  # noqa: E402
from retail.data.workspace import Workspace  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

DOCS = ROOT / "docs"
WALMART = ROOT.parent / "shared" / "data" / "walmart_store_sales" / "walmart_store_sales.csv"
STORES_NAME = "Walmart store sales"
TIMEOUT_MS = 300_000


def settle(page) -> None:
    page.wait_for_timeout(500)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)


PRICING_DATASET = "Synthetic till export"
IMPORT_PRICING = ("import sys; sys.path.insert(0, 'benchmarks'); from pricing_synthetic import till_export; "
                  "from retail.data.ingest import import_file; from retail.data.workspace import Workspace; "
                  "rows = till_export(0)[0]; rows.to_csv(sys.argv[2], index=False); "
                  "import_file(Workspace(sys.argv[1]), sys.argv[2], sys.argv[3])")


def pricing(page, url: str) -> None:
    """The Pricing page on the benchmark's synthetic till export (seed 0): one product's view."""
    page.goto(f"{url}/pricing?dataset={PRICING_DATASET.replace(' ', '+')}")
    page.get_by_role("button", name="Measure price elasticities").click()
    page.get_by_text("have a measurable price elasticity").wait_for()
    settle(page)
    page.get_by_text("One product").evaluate("element => element.scrollIntoView({block: 'start'})")
    settle(page)
    page.screenshot(path=str(DOCS / "pricing.png"))


def main() -> None:
    if sys.argv[1:] == ["experiments"]:
        with tempfile.TemporaryDirectory() as home:
            shoot_experiments(home)
        return
    only = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as home:
        if WALMART.exists():  # a store x week totals file beside the line items
            import_file(Workspace(home), WALMART, STORES_NAME)
        subprocess.run([sys.executable, "-c", IMPORT_PRICING, home, str(Path(home) / "till.csv"), PRICING_DATASET],
                       check=True, cwd=ROOT)  # the benchmark's synthetic till export, for the Pricing page
        shoot(home, only)


def shoot(home: str, only: str | None) -> None:
    with streamlit_server(ROOT, {"RETAIL_HOME": home}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.get_by_text("Sales overview").wait_for()
        settle(page)
        if only:
            {"pricing": pricing, "bought-together": bought_together}[only](page, url)
            browser.close()
            return
        page.screenshot(path=str(DOCS / "overview.png"))

        page.goto(f"{url}/data")
        page.get_by_role("button", name="Or try the demo file").click()
        page.get_by_text("Validation report").wait_for()
        settle(page)
        page.get_by_text("3. Validation report").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "data-page.png"))

        page.goto(f"{url}/forecast")
        page.get_by_role("button", name="Run forecast").click()
        page.get_by_text("was best: in the backtest").wait_for()
        settle(page)
        page.get_by_text("One series").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "forecast.png"))

        page.goto(f"{url}/recommendations")
        page.get_by_text("Top 10 for customer").wait_for()
        settle(page)
        page.screenshot(path=str(DOCS / "recommendations.png"))

        page.goto(f"{url}/replenishment")
        page.get_by_role("spinbutton", name="Largest N items (0 = all)").fill("500")
        page.get_by_role("button", name="Plan orders and replay both policies").click()
        page.get_by_text("Service achieved vs stock held").first.wait_for()
        settle(page)
        page.get_by_role("button", name="Plan orders and replay both policies").evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "replenishment.png"))

        page.goto(f"{url}/?dataset={quote(STORES_NAME)}")
        page.locator("[data-testid='stMetricValue']").first.wait_for()
        settle(page)
        page.screenshot(path=str(DOCS / "overview-stores.png"))

        pricing(page, url)
        customers(page, url)
        bought_together(page, url)
        experiments(page, url)
        browser.close()


def customers(page, url: str) -> None:
    """The Customers page: segments of the whole sample and the campaign builder's headline."""
    page.goto(f"{url}/customers")
    page.get_by_text("Customers per segment").first.wait_for()
    settle(page)
    page.screenshot(path=str(DOCS / "customers.png"))


def bought_together(page, url: str) -> None:
    """The Recommendations page's "Bought together" tab: basket rules for the best-selling product."""
    page.goto(f"{url}/recommendations")
    page.get_by_text("Top 10 for customer").wait_for()
    settle(page)
    page.get_by_role("tab", name="Bought together", exact=True).click()
    page.get_by_text("Bought in the same basket as").first.wait_for()
    settle(page)
    page.screenshot(path=str(DOCS / "bought-together.png"))


def experiments(page, url: str) -> None:
    """The Experiments page on the demo campaign (customer facts from the whole sample): targeting models
    compared on held-out customers, with their Qini curves."""
    page.goto(f"{url}/experiments")
    page.get_by_role("tab", name="Uplift targeting").click()
    page.get_by_role("button", name="Compare targeting models").click()
    page.get_by_text("ranked the held-out customers best").first.wait_for()
    settle(page)
    page.get_by_role("tab", name="Uplift targeting").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(DOCS / "experiments.png"))


def shoot_experiments(home: str) -> None:
    with streamlit_server(ROOT, {"RETAIL_HOME": home}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.get_by_text("Sales overview").wait_for()
        settle(page)
        experiments(page, url)
        browser.close()


if __name__ == "__main__":
    main()
