"""What a row means is told apart from the mapping and the data, and sets the Overview's tiles."""

import pandas as pd
import pytest

from retail.analytics import overview
from retail.data import currency, kinds, schema
from retail.data.ingest import ingest
from tests.conftest import ROOT, SHARED


def canonical(rows: list[dict], **columns) -> pd.DataFrame:
    frame = schema.empty_canonical_frame().reindex(range(len(rows)))
    for column in frame.columns:
        if column in rows[0]:
            frame[column] = [r[column] for r in rows]
    frame[schema.DATE] = pd.to_datetime(frame[schema.DATE])
    frame[schema.LINE_TYPE] = schema.SALE
    return frame.assign(**columns)


def test_kinds_from_mapping_and_data():
    stores = canonical([{"date": f"2024-01-0{d}", "store_id": s, "revenue": 100.0 * d, "quantity": 1.0}
                        for d in range(1, 8) for s in ("1", "2")])
    assert kinds.detect(stores, {"date": "Date", "store_id": "Store", "revenue": "Sales"}) == "store_totals"
    assert kinds.describe(stores, "store_totals") == ("Sales totals per store: one row = one store's sales total "
                                                      "for one day.")
    baskets = canonical([{"date": "2024-01-01", "product_id": "bread", "order_id": "1", "quantity": 1.0}] * 3)
    assert kinds.detect(baskets, {"date": "Date", "product_id": "Item", "order_id": "Transaction"}) == "basket_list"
    totals = canonical([{"date": f"2024-01-0{d}", "product_id": p, "quantity": 3.0} for d in range(1, 8)
                        for p in "AB"])
    assert kinds.detect(totals, {"date": "Day", "product_id": "SKU", "quantity": "Units"}) == "product_totals"
    scan_log = canonical([{"date": "2024-01-01", "product_id": "A", "quantity": 1.0}] * 5)
    assert kinds.detect(scan_log, {"date": "Day", "product_id": "SKU", "quantity": "Units"}) == "line_items"


def test_store_totals_get_their_own_tiles():
    rows = [{"date": f"2024-01-{d:02d}", "store_id": s, "revenue": 1000.0, "quantity": 1.0}
            for d in range(1, 29) for s in ("1", "2", "3")]
    frame = canonical(rows, Promo=[int(r["date"].endswith(("07", "14"))) for r in rows])
    tiles = {k.label: k for k in overview.kpis(frame, overview.Selection("2024-01-15", "2024-01-28"),
                                                 "store_totals")}
    assert list(tiles) == ["Sales", "Stores", "Sales per store-day", "Promotion share"]
    assert tiles["Sales"].value == 42_000 and tiles["Stores"].value == 3
    assert tiles["Sales per store-day"].value == 1000 and tiles["Promotion share"].formatted() == "0%"
    assert tiles["Sales"].formatted("USD") == "$42.0k" and tiles["Sales"].exact("USD") == "$42,000.00"
    assert overview.measures(lambda f: f in ("date", "store_id", "revenue"), "store_totals") == ["revenue"]


def test_basket_tiles_leave_out_money():
    frame = canonical([{"date": "2024-01-01", "product_id": p, "order_id": o, "quantity": 1.0}
                       for o, p in [("1", "a"), ("1", "b"), ("2", "a")]])
    labels = [k.label for k in overview.kpis(frame, overview.Selection("2024-01-01", "2024-01-01"), "basket_list")]
    assert labels == ["Items sold", "Baskets", "Items per basket"]


def test_currency_guesses():
    assert currency.from_marks(["€", "EUR"]) == "EUR" and currency.from_marks(["€", "£"]) is None
    assert currency.from_header("Price EUR") == "EUR" and currency.from_header("Amount (£)") == "GBP"
    assert currency.from_countries(pd.Series(["United Kingdom"] * 3 + ["France"])) == "GBP"
    demo = ingest(ROOT / "sample_data" / "demo_upload.csv")
    assert currency.guess(demo.result.frame, demo.mapping.to_dict()) == "EUR"  # its header says "Price EUR"


@pytest.mark.skipif(not (SHARED / "walmart_store_sales").exists(), reason="../shared/data is not present")
def test_real_files_are_told_apart():
    walmart = ingest(SHARED / "walmart_store_sales" / "walmart_store_sales.csv")
    assert kinds.detect(walmart.result.frame, walmart.mapping.to_dict()) == "store_totals"
    assert kinds.row_period(walmart.result.frame, "store_totals") == "week"
    assert "unit_price" not in walmart.mapping.to_dict()  # Fuel_Price is context, not the price of a unit
    assert "Fuel_Price" in walmart.result.frame.columns
    bakery = ingest(SHARED / "bakery_baskets" / "bread_basket.csv")
    assert kinds.detect(bakery.result.frame, bakery.mapping.to_dict()) == "basket_list"


def test_money_puts_a_loss_sign_before_the_currency():
    from retail.data import currency

    assert currency.money(-1112.4, "GBP", 0) == "-£1,112"
    assert currency.money(-2_500_000, "GBP") == "-£2.50M"
    assert currency.money(-0.001, "GBP") == "£0.00" and currency.money(1234.5, None) == "1,234.50"
