"""``python -m retail replenish``: the JSON contract, stock files, exports and one-line errors (exit 2)."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from retail.cli import main

BASE = ["--level", "product", "--top", "6", "--review-days", "7", "--lead-days", "7", "--service-level", "0.9",
        "--simulate-weeks", "4"]


def replenish(capsys, source, *extra: str) -> dict:
    assert main(["replenish", str(source), *BASE, *extra, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(small_sample_file, capsys):
    out = replenish(capsys, small_sample_file)
    assert out["items"] == 6
    assert out["policy"]["review_days"] == 7 and out["policy"]["lead_days"] == 7
    assert out["policy"]["service_level"] == 0.9 and out["policy"]["simulate_weeks"] == 4
    for role in ("ours", "baseline"):
        numbers = out["simulation"][role]
        assert {"achieved_csl", "fill_rate", "days_of_cover"} <= set(numbers)
        assert all(isinstance(numbers[k], float) for k in ("achieved_csl", "fill_rate", "days_of_cover"))
    assert out["plan"]["review_date"] == "2011-12-10"
    assert out["policy"]["simulate_to"] == "2011-12-09"  # default: the last 4 weeks of the data


def test_simulate_from_and_top_rank_before_that_date(small_sample_file, capsys):
    out = replenish(capsys, small_sample_file, "--simulate-from", "2011-10-03", "--level", "product-store")
    assert out["policy"]["simulate_from"] == "2011-10-03" and out["policy"]["simulate_to"] == "2011-10-30"
    assert out["policy"]["level"] == "product_store"


def stock_csv(tmp_path, codes: list[str], header: str = "SKU,Description,Stock on hand,Qty on order,Cost price,MOQ"):
    rows = [f"{code},item {code},{5 * i},{i},{1.5 + i},{12}" for i, code in enumerate(codes)]
    path = tmp_path / "stock.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_stock_file_gives_stock_costs_and_terms(small_sample_file, tmp_path, capsys):
    out_file = tmp_path / "plan.xlsx"
    codes = ["85123A", "84879", "22423", "NOT-SOLD"]
    out = replenish(capsys, small_sample_file, "--stock", str(stock_csv(tmp_path, codes)), "--out", str(out_file))
    assert out["simulation"]["ours"]["average_stock_value"] is not None  # a cost is known for some items
    assert any("from 4 rows" in note and "NOT-SOLD" in note for note in out["warnings"])
    book = openpyxl.load_workbook(out_file)
    assert book.sheetnames == ["orders", "simulation", "items", "curve", "settings"]
    header = [c.value for c in book["orders"][1]]
    assert {"on hand", "on order", "order quantity (units)", "unit cost", "order value", "why"} <= set(header)
    rows = pd.DataFrame(list(book["orders"].iter_rows(min_row=2, values_only=True)), columns=header)
    stocked = rows[rows["product code"].isin(codes[:3])]
    assert (stocked["order quantity (units)"].fillna(0) % 1 == 0).all()
    assert ((stocked["order quantity (units)"] == 0) | (stocked["order quantity (units)"] >= 12)).all()  # MOQ 12


def test_csv_out(small_sample_file, tmp_path, capsys):
    out_file = tmp_path / "plan.csv"
    replenish(capsys, small_sample_file, "--out", str(out_file))
    plan = pd.read_csv(out_file)
    assert len(plan) == 6 and "order-up-to level (units)" in plan.columns


@pytest.mark.parametrize(("extra", "message"), [
    (["--lead-days", "120"], "a lead time of 120 days is longer than the"),
    (["--simulate-from", "2030-01-01"], "the simulation must start after the first sale"),
    (["--map", "quantity=No such column"], "No such column"),
    (["--out", "plan.pdf"], "--out must end in .xlsx or .csv"),
    (["--service-level", "1.2"], "Target service level (service_level) must be >= 0.5 and <= 0.999"),
])
def test_bad_input_is_one_line_and_exit_2(small_sample_file, capsys, extra, message):
    assert main(["replenish", str(small_sample_file), *BASE, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]


def test_stock_file_that_matches_no_product(small_sample_file, tmp_path, capsys):
    path = stock_csv(tmp_path, ["X1", "X2"])
    assert main(["replenish", str(small_sample_file), *BASE, "--stock", str(path)]) == 2
    assert "the stock file matches none of the 6 planned items" in capsys.readouterr().err


def test_stock_file_without_a_product_column(small_sample_file, tmp_path, capsys):
    path = tmp_path / "stock.csv"
    path.write_text("Warehouse note,On hand\nshelf A,3\n")
    assert main(["replenish", str(small_sample_file), *BASE, "--stock", str(path)]) == 2
    assert "the stock file has no product code column" in capsys.readouterr().err


def test_text_summary(small_sample_file, capsys):
    assert main(["replenish", str(small_sample_file), *BASE]) == 0
    out = capsys.readouterr().out
    assert "forecast quantile" in out and "spreadsheet rule" in out and "next review 2011-12-10" in out
