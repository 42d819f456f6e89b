import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from retail.cli import main
from retail.data import backends
from tests.conftest import BAD_FILES, ROOT, SHARED_DATA, workspace_held_elsewhere

DEMO = ROOT / "sample_data" / "demo_upload.csv"


def test_validate_json(capsys):
    assert main(["validate", str(DEMO), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["usable"] is True and report["rows_read"] == 663 and report["rows_kept"] == 660
    assert report["mapping"]["date"] == "Sale Date" and report["mapping"]["unit_price"] == "Price EUR"
    assert report["date_range"] == ["2011-11-01", "2011-11-07"]
    assert {"rule", "count", "action"} <= set(report["rules"][0])
    assert report["file_kind"] == "line_items" and report["currency"] == "EUR"  # the header says "Price EUR"
    assert report["file_kind_text"].startswith("Order lines: one row = one line of an order")


def test_validate_with_mapping_override(capsys):
    assert main(["validate", str(DEMO), "--json", "--map", "store_id=", "--map", "product_name=Item"]) == 0
    mapping = json.loads(capsys.readouterr().out)["mapping"]
    assert "store_id" not in mapping and mapping["product_name"] == "Item"


@pytest.mark.parametrize("bad", ["empty.csv", "binary_junk.csv", "corrupted.xlsx", "spark_output.csv", "web_page.csv",
                                 "deflate64.zip", "password.zip"])
def test_unusable_file_exits_2_with_one_line(bad, capsys):
    assert main(["validate", str(BAD_FILES / bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


def test_validate_json_is_valid_json_with_infinite_values(capsys):
    assert main(["validate", str(BAD_FILES / "infinite_values.csv"), "--json"]) == 0
    out = capsys.readouterr().out

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    report = json.loads(out, parse_constant=refuse)
    assert report["rows_kept"] == 2


def test_bad_map_argument(capsys):
    assert main(["validate", str(DEMO), "--map", "colour=Shop"]) == 2
    assert "FIELD=COLUMN" in capsys.readouterr().err


def test_import_then_list(workspace_home, capsys):
    assert main(["import", str(DEMO), "--name", "demo"]) == 0
    assert "stored as dataset 'demo' (660 rows)" in capsys.readouterr().out
    assert main(["datasets"]) == 0
    assert capsys.readouterr().out.startswith("demo\t660 rows")
    assert main(["import", str(DEMO), "--name", "demo"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_module_entry_point(workspace_home):
    result = subprocess.run([sys.executable, "-m", "retail", "validate", str(BAD_FILES / "empty.csv")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and result.stderr.strip() == (
        "error: The file is empty: it contains no bytes at all. Export the data again.")


def test_real_online_retail_counts(online_retail, capsys):
    assert main(["validate", str(SHARED_DATA), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rules = {r["rule"]: r["count"] for r in report["rules"]}
    assert report["rows_read"] == 541_909
    assert rules["duplicate_rows"] == 5_268
    # The same counts computed independently, by brute force on the raw columns.
    raw = online_retail.drop_duplicates()
    fee_names = {"POSTAGE", "DOTCOM POSTAGE", "CARRIAGE", "MANUAL", "DISCOUNT", "SAMPLES", "BANK CHARGES",
                 "AMAZON FEE", "CRUK COMMISSION", "ADJUST BAD DEBT"}
    non_product = (raw["StockCode"].isin(["POST", "DOT", "C2", "CRUK", "BANK CHARGES", "AMAZONFEE"])
                   | raw["StockCode"].str.startswith("gift_")
                   | raw["Description"].str.strip().str.upper().isin(fee_names)
                   | raw["Description"].str.contains("gift voucher", case=False))
    returns = ((raw["Quantity"] < 0) | raw["InvoiceNo"].str.startswith("C")) & ~non_product
    zero_price = (raw["UnitPrice"] <= 0) & ~returns & ~non_product
    assert rules["non_product"] == int(non_product.sum())
    assert rules["returns"] == int(returns.sum())
    assert rules["zero_or_negative_price"] == int(zero_price.sum())
    assert rules["missing_customer"] == int(raw["CustomerID"].isna().sum())
    # Implausible: 74,215 storage jars (23166, usually 8 a line; cancelled the same day) is the only
    # sale line over 1000x its product's median and 5 robust deviations away.
    sales = raw[~(non_product | returns | zero_price)]
    implausible = sales.groupby("StockCode")[["Quantity", "UnitPrice"]].transform(_far_from_usual).any(axis=1)
    assert sales[implausible]["Quantity"].tolist() == [74_215] and rules["implausible"] == 1
    cancelled = _cancelled_by_hand(sales[~implausible], raw[returns])
    assert rules["cancelled_sales"] == cancelled
    assert report["line_types"]["sale"] == len(sales) - 1 - cancelled


RETURN_WINDOW = pd.Timedelta(days=90)


def _cancelled_by_hand(sales, returns, window=RETURN_WINDOW) -> int:
    """Each return (in file order) undoes the latest not yet undone sale of the same customer,
    product and units bought at most 90 days before it: a plain loop, the reference."""
    open_sales: dict[tuple, list] = {}
    for row in sales[sales["CustomerID"].notna()].itertuples():
        open_sales.setdefault((row.CustomerID, row.StockCode, row.Quantity), []).append(row.InvoiceDate)
    matched = 0
    for row in returns[returns["CustomerID"].notna() & (returns["Quantity"] < 0)].itertuples():
        dates = open_sales.get((row.CustomerID, row.StockCode, -row.Quantity), [])
        fitting = [d for d in dates if pd.Timedelta(0) <= row.InvoiceDate - d <= window]
        if fitting:
            dates.remove(max(fitting))
            matched += 1
    return matched


def _far_from_usual(values):
    """The per-product rule written plainly, one product at a time."""
    logs = np.log10(values.astype(float))
    if len(logs) < 20:
        return pd.Series(False, index=values.index)
    deviation = (logs - logs.median()).abs()
    return deviation > max(5 * 1.4826 * deviation.median(), 3.0)


def test_forecast_command_json_and_excel(tmp_path, capsys):
    out = tmp_path / "forecast.xlsx"
    code = main(["forecast", str(DEMO), "--level", "product", "--freq", "D", "--horizon", "2", "--windows", "1",
                 "--models", "snaive,ma,lightgbm", "--top", "5", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["series"] == 5 and summary["horizon"] == 2 and summary["windows"] == 1
    assert set(summary["models"]) == {"snaive", "ma", "lightgbm"}
    assert {"wape", "mase", "rmse", "bias", "seconds", "coverage_80"} <= set(summary["models"]["lightgbm"])
    assert summary["best"] in summary["models"]
    assert out.exists() and out.stat().st_size > 0


def store_totals_csv(path):
    """A store x day totals file (no quantity column): one row per store and day, sales varying."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2013-01-07", periods=140, freq="D")
    rows = [(day.strftime("%Y-%m-%d"), store, round(float(rng.gamma(5, 900) * (1.3 if day.weekday() == 5 else 1)), 2),
             int(day.day % 7 == 0)) for day in days for store in (1, 2, 3)]
    pd.DataFrame(rows, columns=["Date", "Store", "Sales", "Promo"]).to_csv(path, index=False)
    return path


def test_forecast_of_store_totals_defaults_to_sales_value_and_says_why(tmp_path, capsys):
    source = store_totals_csv(tmp_path / "stores.csv")
    argv = ["forecast", str(source), "--level", "store", "--freq", "W", "--horizon", "2", "--windows", "1",
            "--models", "snaive,ma", "--json"]
    assert main(argv) == 0  # no --out: the summary alone is a valid use
    summary = json.loads(capsys.readouterr().out)
    assert summary["target"] == "revenue" and "no quantity column" in summary["target_reason"]
    assert summary["out"] is None and summary["models"]["ma"]["wape"] > 0.01
    assert not any("too good to be true" in w for w in summary["warnings"])
    assert main([*argv, "--target", "units"]) == 0  # counting rows: every store-week has 7 rows
    counted = json.loads(capsys.readouterr().out)
    assert counted["target_reason"] == "chosen with --target"
    assert any("same value in every period" in w for w in counted["warnings"])


def test_overview_command_net_and_gross(tmp_path, capsys):
    till = tmp_path / "till.csv"
    till.write_text("Date,SKU,Name,Qty,Price,Customer,Invoice\n"
                    "2024-03-01,A,Mug,2,5.00,c1,1\n2024-03-01,B,Big order,100,1.00,c2,2\n"
                    "2024-03-02,B,Big order,-100,1.00,c2,C2\n2024-03-03,A,Mug,1,5.00,c3,3\n")
    assert main(["overview", str(till), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["file_kind"] == "line_items" and info["from"] == "2024-03-01" and info["to"] == "2024-03-03"
    assert info["revenue_net"] == 15.0 and info["revenue_gross"] == 115.0  # the cancelled order of 100
    assert info["units"] == 3 and info["orders"] == 2 and info["customers"] == 2
    assert [p["product_id"] for p in info["top_products"]] == ["A"]
    assert main(["overview", str(till)]) == 0
    assert "Revenue net 15.00 / gross 115.00" in capsys.readouterr().out
    assert main(["overview", str(till), "--from", "2024-03-03"]) == 0
    assert "Revenue: 5.00" in capsys.readouterr().out


def test_overview_command_on_store_totals_speaks_of_sales(tmp_path, capsys):
    """No net / gross line when nothing was undone, no units or products for store totals."""
    from tests.rossmann_data import write_store_days

    assert main(["overview", str(write_store_days(tmp_path / "stores.csv", days=60))]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Sales totals per store, ") and "  Sales: " in printed
    assert "gross" not in printed and "units" not in printed and "Revenue" not in printed


def test_recommend_and_evaluate_commands(small_sample_file, capsys):
    assert main(["evaluate-recs", str(small_sample_file), "--test-days", "30", "--k", "10",
                 "--algorithms", "popularity,item-knn", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["k"] == 10 and report["protocol"] == "discovery" and report["customers_evaluated"] > 0
    assert {"precision", "recall", "ndcg", "map", "hit_rate", "coverage", "seconds"} <= set(report["algorithms"]["item-knn"])
    assert main(["recommend", str(small_sample_file), "--customer", "no-such-customer"]) == 2
    assert "no-such-customer" in capsys.readouterr().err


def test_date_order_override(tmp_path, capsys):
    ambiguous = tmp_path / "us.csv"
    ambiguous.write_text("Date,SKU,Qty\n03/04/2011,A,1\n05/06/2011,B,2\n")
    assert main(["validate", str(ambiguous), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["date_range"] == ["2011-04-03", "2011-06-05"]
    assert main(["validate", str(ambiguous), "--json", "--date-order", "monthfirst"]) == 0
    assert json.loads(capsys.readouterr().out)["date_range"] == ["2011-03-04", "2011-05-06"]


def test_busy_workspace_one_line_exit_2(workspace_home, monkeypatch, capsys):
    monkeypatch.setattr(backends, "LOCK_RETRY_SECONDS", 0.5)
    with workspace_held_elsewhere(workspace_home) as pid:
        assert main(["import", str(DEMO), "--name", "demo"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: The workspace is busy:") and f"PID {pid}" in err and "\n" not in err


def test_forecast_on_a_local_dask_cluster(capsys):
    argv = ["forecast", str(DEMO), "--freq", "D", "--horizon", "2", "--windows", "1", "--models", "snaive,lightgbm",
            "--top", "4", "--json", "--engine", "dask", "--workers", "1"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["models"]) == {"snaive", "lightgbm"} and summary["series"] == 4
