"""``python -m retail customers`` and ``python -m retail campaign``."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from retail.cli import main
from retail.customers.registry import SEGMENTS
from tests.conftest import ROOT
from tests.customers_data import shop_lines, write_csv


@pytest.fixture(scope="module")
def shop_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop.csv"
    write_csv(shop_lines(customers=250, days=400, seed=4), path)
    return path


def test_customers_json_with_evaluation(shop_csv, tmp_path, capsys):
    out = tmp_path / "customers.csv"
    assert main(["customers", str(shop_csv), "--as-of", "2023-11-01", "--horizon-days", "60", "--evaluate",
                 "--json", "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["as_of"] == "2023-11-01" and info["customers"] > 100
    assert set(info["segments"]) == {rule.name for rule in SEGMENTS}
    assert sum(info["segments"].values()) == info["customers"]
    evaluation = info["evaluation"]
    assert {"propensity_auc", "top_decile_lift", "purchases_predicted", "purchases_actual", "spearman"} <= set(evaluation)
    assert isinstance(evaluation["purchases_actual"], int) and 0.5 < evaluation["propensity_auc"] <= 1
    table = pd.read_csv(out, dtype={"customer": str})
    assert len(table) == info["customers"] and "probability of buying (%)" in table.columns


def test_customers_text_and_excel_with_model_flags(shop_csv, tmp_path, capsys):
    out = tmp_path / "customers.xlsx"
    assert main(["customers", str(shop_csv), "--value-model", "lightgbm-value", "--lightgbm-value-num-leaves", "4",
                 "--propensity-model", "logistic", "--logistic-features", "activity", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "customers as of" in printed and "LightGBM on customer features" in printed
    assert openpyxl.load_workbook(out).sheetnames == ["customers", "segments", "settings"]


def test_without_customers_one_line_and_exit_2(capsys):
    walmart = ROOT.parent / "shared" / "data" / "walmart_store_sales" / "walmart_store_sales.csv"
    source = walmart if walmart.exists() else ROOT / "sample_data" / "demo_upload.csv"
    assert main(["customers", str(source), "--map", "customer_id="]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a customer column" in err[0]


def test_bad_out_and_horizon_are_refused(shop_csv, capsys):
    assert main(["customers", str(shop_csv), "--out", "x.pdf"]) == 2
    assert "--out must end in .xlsx or .csv" in capsys.readouterr().err
    assert main(["customers", str(shop_csv), "--horizon-days", "1000"]) == 2
    assert "horizon must be" in capsys.readouterr().err


def test_campaign_csv_and_saved(shop_csv, tmp_path, workspace_home, capsys):
    out = tmp_path / "campaign.csv"
    assert main(["campaign", str(shop_csv), "--segments", "champions,loyal", "--min-propensity", "0.2", "--top", "10",
                 "--products", "2", "--algorithm", "item-knn", "--k", "20", "--name", "spring", "--out", str(out), "--save", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "spring" and 0 < info["customers"] <= 10 and info["run_id"] is not None
    table = pd.read_csv(out, dtype={"customer": str})
    assert len(table) == info["customers"] and set(table["segment"]) <= {"champions", "loyal"}
    assert {"product 1", "why product 1", "product 2"} <= set(table.columns)
    assert info["expected_revenue"] == pytest.approx(table["expected spend"].sum(), abs=0.01 * len(table))
    chance = table["probability of buying (%)"]
    assert chance.between(0, 100).all() and (chance == chance.round(1)).all()  # 99.8, not 0.9978089717144496


def test_campaign_refuses_unknown_segments_and_foreign_flags(shop_csv, capsys):
    assert main(["campaign", str(shop_csv), "--segments", "vip"]) == 2
    assert "Unknown segment" in capsys.readouterr().err
    assert main(["campaign", str(shop_csv), "--algorithm", "popularity", "--k", "5"]) == 2
    assert "does not apply to popularity" in capsys.readouterr().err
