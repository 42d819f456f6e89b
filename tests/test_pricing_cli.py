"""``python -m retail elasticity`` and ``price-scenario``: the contract of their output and errors."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from retail.cli import main
from tests.conftest import SHARED
from tests.pricing_data import shop_rows

REQUIRED = {"product_id", "elasticity", "ci_low", "ci_high", "identifiable", "price_levels", "verdict"}


@pytest.fixture(scope="module")
def till(tmp_path_factory):
    path = tmp_path_factory.mktemp("pricing") / "till.csv"
    rows = shop_rows()
    rows.assign(Cost=(rows["Price"] * 0.4).round(2)).to_csv(path, index=False)
    return path


def test_elasticity_json_has_one_object_per_product(till, capsys):
    assert main(["elasticity", str(till), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    items = {item["product_id"]: item for item in out["items"]}
    assert len(items) == 8 and set(items["A"]) >= REQUIRED
    assert items["FLAT"]["elasticity"] is None and items["FLAT"]["identifiable"] is False
    assert items["FLAT"]["verdict"] == "not identifiable" and items["FLAT"]["price_levels"] == 1
    assert items["A"]["ci_low"] < items["A"]["elasticity"] < items["A"]["ci_high"] and items["A"]["identifiable"]
    assert out["level"] == "product" and any("carried forward" in note for note in out["notes"])


def test_elasticity_per_category_and_files(till, tmp_path, capsys):
    out = tmp_path / "categories.csv"
    assert main(["elasticity", str(till), "--level", "category", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "category" in printed and "have a measurable price elasticity" in printed
    table = pd.read_csv(out)
    assert set(table["Category"]) == {"cat0", "cat1"}
    assert {"Price elasticity", "Low (95%)", "High (95%)", "Verdict"} <= set(table)
    book = tmp_path / "all.xlsx"
    assert main(["elasticity", str(till), "--out", str(book), "--model", "poisson", "--season", "months"]) == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "elasticity"


def test_trend_and_season_each_products_own_on_request(till, capsys):
    runs = {}
    for kind in ("own", "shrunk"):
        assert main(["elasticity", str(till), "--trend-season", kind, "--json"]) == 0
        runs[kind] = {item["product_id"]: item["elasticity"] for item in json.loads(capsys.readouterr().out)["items"]}
    # eight products are too few to measure how far trends stray: both keep each product's own
    assert runs["own"] == runs["shrunk"] and runs["own"]["A"] is not None
    with pytest.raises(SystemExit, match="2"):
        main(["elasticity", str(till), "--trend-season", "pooled"])
    assert "invalid choice: 'pooled'" in capsys.readouterr().err


def test_a_flag_the_model_does_not_take_is_refused(till, capsys):
    assert main(["elasticity", str(till), "--model", "naive", "--season", "months"]) == 2
    assert "does not apply to log-log regression (naive)" in capsys.readouterr().err


def test_data_without_prices_exits_2(tmp_path, capsys):
    totals = tmp_path / "store_totals.csv"
    totals.write_text("Store,Date,Weekly_Sales,Fuel_Price\n1,05-02-2010,1643690.9,2.572\n1,12-02-2010,1641957.4,2.548\n"
                      "2,05-02-2010,2136989.5,2.572\n2,12-02-2010,2137809.5,2.548\n")
    assert main(["elasticity", str(totals)]) == 2
    assert "without products" in capsys.readouterr().err


def test_the_real_walmart_file_has_no_product_prices(capsys):
    walmart = SHARED / "walmart_store_sales" / "walmart_store_sales.csv"
    if not walmart.exists():
        pytest.skip("../shared/data is not present")
    assert main(["elasticity", str(walmart)]) == 2
    assert "sales totals per store, without products" in capsys.readouterr().err


def test_price_scenario_json(till, capsys):
    assert main(["price-scenario", str(till), "--product", "A", "--change", "-0.1", "--change", "0.1",
                 "--ending", "99", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for row in out["scenarios"]:
        assert row["revenue"] == pytest.approx(row["price"] * row["units"])
    recommendation = out["recommendation"]
    assert abs(recommendation["change"]) <= 0.15 + 1e-9
    assert f"{recommendation['price']:.2f}".endswith("99") or recommendation["change"] == 0  # or keep today's price
    assert "Price with the most sales value" in recommendation["text"] and not recommendation["margin_known"]
    assert "Margin cannot be judged without unit costs" in recommendation["text"]


def test_price_scenario_margin_needs_costs_and_uses_them(till, capsys):
    assert main(["price-scenario", str(till), "--product", "B", "--goal", "max-margin"]) == 2
    assert "needs unit costs" in capsys.readouterr().err
    assert main(["price-scenario", str(till), "--category", "cat1", "--goal", "max-margin", "--cost-column", "Cost",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["products"] == 4 and all(row["margin"] is not None for row in out["scenarios"])


def test_price_scenario_with_a_cost_file(till, tmp_path, capsys):
    costs = tmp_path / "costs.csv"
    costs.write_text("SKU,Unit cost\nA,1.50\n")
    assert main(["price-scenario", str(till), "--product", "A", "--goal", "max-margin", "--cost-file", str(costs)]) == 0
    assert "margin" in capsys.readouterr().out
    assert main(["price-scenario", str(till), "--product", "NOPE"]) == 2
    assert "not in this run" in capsys.readouterr().err


def test_store_promotions_command(tmp_path, capsys):
    from tests.rossmann_data import LIFT, write_store_days

    stores = write_store_days(tmp_path / "stores.csv", stores=3)
    out = tmp_path / "lift.csv"
    assert main(["store-promotions", str(stores), "--json", "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["promo_column"] == "Promo" and info["chain"]["low"] < LIFT < info["chain"]["high"]
    assert len(info["stores"]) == 3 and "sales were +2" in info["headline"]
    table = pd.read_csv(out)
    assert {"store", "Promotion lift (%)", "Lift, low (95%) (%)"} <= set(table.columns)
    assert main(["store-promotions", str(stores), "--promo-column", "Discount"]) == 2
    assert "There is no column 'Discount'" in capsys.readouterr().err
