"""In a real browser, each kind of data (order lines, a basket list, store totals) opens every
page with the figures that make sense for it, in plain words, with its currency and what a row
means on screen."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest

from retail.data.ingest import SAMPLE_NAME, import_file
from retail.data.workspace import Workspace
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
TIMEOUT_MS = 120_000
PAGES = ("", "forecast", "recommendations", "data", "help")
CODE_WORDS = ("snaive", "lightgbm", "item-knn", "user-knn", "product_id", "unit_price", "store_id", "customer_id",
              "wape_vs", "line_type", "Traceback", "%d", "%Y")


def basket_list(path: Path) -> Path:
    rng = np.random.default_rng(5)
    items = ["Coffee", "Bread", "Tea", "Cake", "Pastry", "Sandwich", "Juice", "Cookies"]
    rows = [(day.strftime("%Y-%m-%d"), f"{basket}", rng.choice(items))
            for basket, day in enumerate(pd.date_range("2016-10-30", periods=120, freq="D").repeat(12))
            for _ in range(rng.integers(1, 4))]
    pd.DataFrame(rows, columns=["Date", "Transaction", "Item"]).to_csv(path, index=False)
    return path


def store_totals(path: Path) -> Path:
    rng = np.random.default_rng(3)
    days = pd.date_range("2013-01-07", periods=210, freq="D")
    rows = [(day.strftime("%d.%m.%Y"), store, round(float(rng.gamma(5, 900)), 2), int(day.day % 9 == 0))
            for day in days for store in (1, 2, 3, 4)]
    pd.DataFrame(rows, columns=["Datum", "Store", "Sales USD", "Promo"]).to_csv(path, index=False, sep=";")
    return path


KINDS = {  # dataset -> (tiles expected on Overview, a money mark or None, the sidebar's kind)
    SAMPLE_NAME: (["Revenue", "Units sold", "Orders", "Customers", "Average order value"], "£", "Order lines"),
    "bakery": (["Items sold", "Baskets", "Items per basket"], None, "Basket list"),
    "stores": (["Sales", "Stores", "Sales per store-day", "Promotion share"], "$", "Sales totals per store"),
}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, small_sample_file):
    folder = tmp_path_factory.mktemp("kinds")
    home = folder / "home"
    workspace = Workspace(home)
    import_file(workspace, basket_list(folder / "bakery.csv"), "bakery")
    import_file(workspace, store_totals(folder / "stores.csv"), "stores")
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file)}
    with streamlit_server(ROOT, env) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(app_url):
    with chromium_tab(TIMEOUT_MS) as page:
        yield page


def open_page(page, url: str, path: str, dataset: str) -> str:
    page.goto(f"{url}/{path}?dataset={quote(dataset)}")
    page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']").first.wait_for()
    page.locator("h1").first.wait_for()
    if path == "":
        page.locator("[data-testid='stMetricValue']").first.wait_for()
    wait_idle(page, TIMEOUT_MS)
    return page.locator("[data-testid='stMain']").inner_text()


@pytest.mark.parametrize("dataset", list(KINDS))
def test_every_page_speaks_for_its_kind_of_data(app_url, browser_page, dataset):
    tiles, money, kind = KINDS[dataset]
    overview = open_page(browser_page, app_url, "", dataset)
    labels = browser_page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    assert [label.strip() for label in labels] == tiles
    values = browser_page.locator("[data-testid='stMetricValue']").all_inner_texts()
    if money:
        assert values[0].startswith(money), values
    else:
        assert not any(re.search(r"[£$€]", v) for v in values)
    sidebar = browser_page.locator("[data-testid='stSidebar']")
    assert kind in sidebar.inner_text()
    assert sidebar.get_by_role("combobox").first.input_value() == dataset or dataset in sidebar.inner_text()
    for path in PAGES:
        text = overview if path == "" else open_page(browser_page, app_url, path, dataset)
        assert not any(word in text for word in CODE_WORDS), (path, [w for w in CODE_WORDS if w in text])
        assert "Error" not in browser_page.locator("[data-testid='stException']").all_inner_texts()
    if dataset == "stores":
        open_page(browser_page, app_url, "forecast", dataset)
        # its settings may come a run after the first one settles (CI once read them before they were drawn)
        browser_page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.wait_for()
        boxes = browser_page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").all_inner_texts()
        chosen = " ".join(boxes) + " ".join(browser_page.locator("[data-testid='stMain'] input").evaluate_all(
            "inputs => inputs.map(i => i.value)"))
        assert "store" in chosen and "store / country" not in chosen and "sales value" in chosen, chosen
        assert "sales totals, with no customers" in open_page(browser_page, app_url, "recommendations", dataset)
