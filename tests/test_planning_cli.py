"""``python -m retail override | fva | forecast --reconcile`` and ``replenish`` following an adjusted forecast:
the JSON contracts, the files, and one-line errors (exit 2) that change nothing."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from retail.cli import main
from retail.data.workspace import Workspace
from retail.forecast import ForecastSettings, run_forecast
from retail.forecast.result import save_run


@pytest.fixture
def shop(workspace_home, small_sample_file, capsys):
    assert main(["import", str(small_sample_file), "--name", "shop"]) == 0
    workspace = Workspace()
    settings = ForecastSettings(level="product", freq="W", horizon=4, windows=2, models=("snaive", "ma"), top_n=6)
    result = run_forecast(workspace.load("shop"), settings)
    run = save_run(workspace, "shop", result)
    capsys.readouterr()
    return workspace, run.id, result.series_info["series_id"].iat[0]


def test_override_stores_a_version_and_prints_it(shop, tmp_path, capsys):
    workspace, run_id, product = shop
    path = tmp_path / "adjustments.csv"
    path.write_text(f"series,period,change,reason,note\n{product},*,+20%,promotion,Christmas\n*,*,+1,judgement,\n")
    assert main(["override", str(run_id), "--file", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 2 and out["based_on"] == run_id and out["changes"] == 2
    assert out["forecasts_changed"] == 4 + 6 * 4 and out["run_id"] == workspace.list_runs("forecast")[0].id
    assert "by local user" in out["adjusted"] and "promotion 1" in out["adjusted"]


def test_override_refuses_a_viewer_and_a_bad_file(shop, tmp_path, capsys, monkeypatch):
    workspace, run_id, product = shop
    path = tmp_path / "adjustments.csv"
    path.write_text(f"series,period,change,reason\n{product},*,lots,promotion\n")
    assert main(["override", str(run_id), "--file", str(path)]) == 2
    assert "row 2 of the adjustments file" in capsys.readouterr().err
    path.write_text(f"series,period,change,reason\n{product},*,+5,promotion\n")
    monkeypatch.setenv("RETAIL_LOCAL_ROLE", "viewer")
    assert main(["override", str(run_id), "--file", str(path)]) == 2
    assert "may not adjust forecasts" in capsys.readouterr().err
    assert main(["override", "999", "--file", str(path)]) == 2
    assert len(workspace.list_runs("forecast")) == 1


def test_fva_prints_one_json_document(shop, capsys):
    assert main(["fva", "shop", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"sentence", "runs", "forecasts", "overall", "planner", "reason", "category", "horizon"}
    assert out["sentence"].startswith("No forecast has its actual sales yet") and out["forecasts"] == 0
    assert main(["fva", "nowhere"]) == 2


def test_forecast_reconcile_writes_one_sheet_per_level(small_sample_file, tmp_path, capsys):
    out_file = tmp_path / "F.xlsx"
    assert main(["forecast", str(small_sample_file), "--reconcile", "--top", "5", "--horizon", "3", "--windows", "2",
                 "--models", "snaive,ma", "--out", str(out_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["levels"] == ["total", "store", "product", "product_store"]
    assert out["method"] in ("bottom-up", "top-down", "mint-shrink") and out["out"] == str(out_file)
    book = openpyxl.load_workbook(out_file)
    assert book.sheetnames[:4] == ["total", "store", "product", "product_store"]
    sheets = {name: pd.DataFrame(list(book[name].values)[1:], columns=list(book[name].values)[0])
              for name in out["levels"]}
    assert all(list(sheet.columns) == ["series", "period", "forecast"] for sheet in sheets.values())
    total = sheets["total"].set_index("period")["forecast"]
    for level in ("store", "product", "product_store"):
        sums = sheets[level].groupby("period")["forecast"].sum().round(2)
        assert (sums == total.round(2)).all()


def test_replenish_follows_the_newest_adjusted_forecast(shop, tmp_path, capsys):
    workspace, run_id, product = shop
    base = ["replenish", "shop", "--level", "product", "--top", "6", "--simulate-weeks", "4", "--json"]
    assert main(base) == 0
    before = json.loads(capsys.readouterr().out)
    path = tmp_path / "adjustments.csv"
    path.write_text(f"series,period,change,reason\n{product},*,+500,promotion\n")
    assert main(["override", str(run_id), "--file", str(path)]) == 0
    capsys.readouterr()
    assert main(base) == 0
    captured = capsys.readouterr()
    after = json.loads(captured.out)
    assert "follow the planners' adjusted forecast" in captured.err
    assert after["plan"]["units"] > before["plan"]["units"] + 500
    assert main([*base, "--statistical"]) == 0
    assert json.loads(capsys.readouterr().out)["plan"]["units"] == before["plan"]["units"]
