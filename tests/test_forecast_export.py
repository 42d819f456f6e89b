from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from retail.cli import forecast as cli_forecast
from retail.data.ingest import Loaded
from retail.forecast import ForecastResult, ForecastSettings, run_forecast, to_csv_bytes, to_excel_bytes
from retail.forecast.export import neutralise
from tests.forecast_data import canonical_lines

EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def result() -> ForecastResult:
    frame = canonical_lines(n=3000, days=210, products=("A", "B", EVIL), seed=3)
    frame.loc[frame.product_id == EVIL, "product_name"] = "@SUM(1+1)"
    settings = ForecastSettings(
        level="product", freq="W", horizon=4, windows=2, models=("snaive", "ma", "linear", "lightgbm")
    )
    return run_forecast(frame, settings)


def test_run_forecast_produces_every_piece(result):
    assert set(result.forecasts["model"]) == {"snaive", "ma", "linear", "lightgbm"}
    errors = result.backtest.assign(abs_error=(result.backtest["y"] - result.backtest["yhat"]).abs())
    by_model = errors.groupby("model")["abs_error"].sum() / errors.groupby("model")["y"].sum()
    assert result.best == by_model.idxmin()  # the lowest pooled WAPE, computed here from the backtest
    assert {"coverage_80", "coverage_95", "wape_vs_baseline"} <= set(result.metrics.columns)
    assert len(result.forecasts) == 4 * 3 * 4
    assert (result.forecasts.lo_95 <= result.forecasts.hi_95).all()
    assert set(result.importance["model"]) == {"linear", "lightgbm"}
    view = result.series_view("A")
    assert len(view["forecast"]) == 4 and not view["history"].empty and not view["backtest"].empty
    assert result.find_series("sum")["series_id"].tolist() == [EVIL]


CODE_WORDS = ("series_id", "lo_95", "hi_80", "wape", "mase", "snaive", "lightgbm", "objective", "n_jobs",
              "random_state", "None", "{", "nan")


def sheet_rows(sheet) -> tuple[list, list[tuple]]:
    header = [c.value for c in sheet[1]]
    return header, list(sheet.iter_rows(min_row=2, values_only=True))


def test_excel_has_sheets_types_and_neutralised_formulas(result):
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result)))
    assert book.sheetnames == ["summary", "forecast", "accuracy", "settings"]
    header, rows = sheet_rows(book["forecast"])
    assert header[:7] == ["Product", "Name", "Model", "Week starting", "Periods ahead", "Low (95% range)",
                          "Low (80% range)"]
    assert all(isinstance(r[header.index("Week starting")], dt.datetime) for r in rows)
    assert all(isinstance(r[header.index("Forecast")], int | float) for r in rows)
    evil_rows = [r for r in rows if "HYPERLINK" in r[0]]
    assert evil_rows and all(r[0] == "'" + EVIL and r[1] == "'@SUM(1+1)" for r in evil_rows)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    accuracy = book["accuracy"]
    header, rows = sheet_rows(accuracy)
    wape = header.index("Error (WAPE)") + 1
    assert isinstance(accuracy.cell(row=2, column=wape).value, float)
    assert accuracy.cell(row=2, column=wape).number_format == "0.0%"


def test_exports_speak_the_pages_language(result):
    """Headers from the glossary, models by name, settings in words, units whole, errors as percentages."""
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result, "all")))
    for sheet in book.worksheets:
        header, rows = sheet_rows(sheet)
        text = " ".join(str(v) for v in header) + " " + " ".join(str(v) for r in rows for v in r if isinstance(v, str))
        found = [word for word in CODE_WORDS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
        assert not found, (sheet.title, found)
    header, rows = sheet_rows(book["forecast"])
    models = {r[header.index("Model")] for r in rows}
    assert models == {"seasonal naive", "moving average", "linear regression", "LightGBM"}
    forecasts = [r[header.index("Forecast")] for r in rows]
    assert all(float(v).is_integer() for v in forecasts)  # units: whole numbers, no 17593.05113810197
    assert book["forecast"].cell(row=2, column=header.index("Forecast") + 1).number_format == "#,##0"
    settings = dict(sheet_rows(book["settings"])[1])
    assert settings["Frequency"] == "weekly" and settings["Forecast per"] == "product"
    assert settings["Models"] == "seasonal naive, moving average, linear regression, LightGBM"
    assert settings["Best model"] in models and "was best" in settings["In words"]


def test_csv_export_is_neutralised(result):
    table = pd.read_csv(io.BytesIO(to_csv_bytes(result, model="all")))
    assert not table["Product"].str.startswith(("=", "+", "-", "@")).any()
    assert set(table["Model"]) == {"seasonal naive", "moving average", "linear regression", "LightGBM"}
    assert (table["Forecast"] == table["Forecast"].round()).all()
    with pytest.raises(ValueError, match="is not in this run"):
        to_csv_bytes(result, model="prophet")
    assert neutralise("-1+2") == "'-1+2" and neutralise(-3.0) == -3.0 and neutralise("ok") == "ok"


def test_run_round_trips_through_frames(result):
    again = ForecastResult.from_frames(result.to_frames())
    assert again.settings == result.settings and again.best == result.best
    pd.testing.assert_frame_equal(again.forecasts, result.forecasts)
    with pytest.raises(ValueError, match="needs tables"):
        ForecastResult.from_frames({"meta": result.to_frames()["meta"]})


def test_settings_validation_messages():
    with pytest.raises(ValueError, match="Unknown forecast model"):
        ForecastSettings(models=("prophet",))
    with pytest.raises(ValueError, match=r"LightGBM: Loss \(objective\) must be one of tweedie"):
        ForecastSettings(model_params={"lightgbm": {"objective": "huber"}})
    with pytest.raises(ValueError, match="LightGBM has no setting"):
        ForecastSettings(model_params={"lightgbm": {"depth": 3}})
    with pytest.raises(ValueError, match="settings given for unknown model"):
        ForecastSettings(model_params={"prophet": {}})
    with pytest.raises(ValueError, match="horizon must be"):
        ForecastSettings(horizon=0)
    with pytest.raises(ValueError, match="level must be"):
        ForecastSettings(level="galaxy")
    with pytest.raises(ValueError, match="between 0 and 1"):
        ForecastSettings(intervals=(80,))


def test_future_known_must_be_a_dataset_column():
    frame = canonical_lines(n=500, days=120)
    with pytest.raises(ValueError, match="future_known column"):
        run_forecast(
            frame, ForecastSettings(freq="D", horizon=7, windows=1, models=("ma",), future_known=("Promo",))
        )


def test_cli_forecast_json_and_files(tmp_path, monkeypatch, capsys):
    frame = canonical_lines(n=3000, days=210, seed=4, Promo=np.random.default_rng(0).integers(0, 2, 3000))
    monkeypatch.setattr("retail.data.ingest.load_data", lambda source, overrides=None: Loaded(frame, {"quantity": "Qty"}))
    parser = argparse.ArgumentParser()
    cli_forecast.register(parser.add_subparsers(dest="command"))
    out, metrics = tmp_path / "f.xlsx", tmp_path / "m.json"
    args = parser.parse_args(
        [
            "forecast",
            "data.csv",
            "--level",
            "product",
            "--freq",
            "W",
            "--horizon",
            "4",
            "--models",
            "lightgbm,linear,snaive,ma",
            "--windows",
            "2",
            "--out",
            str(out),
            "--metrics-out",
            str(metrics),
            "--top",
            "2",
            "--future-known",
            "Promo",
            "--json",
        ]
    )
    assert args.handler(args) == 0
    captured = capsys.readouterr()
    info = json.loads(captured.out)
    assert info["series"] == 2 and info["horizon"] == 4 and info["windows"] == 2
    assert set(info["models"]) == {"lightgbm", "linear", "snaive", "ma"}
    assert {"wape", "mase", "rmse", "bias", "seconds", "coverage_80"} <= set(info["models"]["lightgbm"])
    assert info["best"] in info["models"] and "[100%]" in captured.err
    assert json.loads(metrics.read_text())["best"] == info["best"]
    assert openpyxl.load_workbook(out).sheetnames == ["summary", "forecast", "accuracy", "settings"]
    bad = parser.parse_args(["forecast", "x", "--out", str(tmp_path / "f.pdf")])
    with pytest.raises(ValueError, match="must end in .xlsx or .csv"):
        bad.handler(bad)


def test_ticks_read_yes_or_no_also_among_empty_cells():
    from retail import exports

    frame = pd.DataFrame({"in_sample": pd.Series([True, None, False], dtype=object), "units": [1.0, 2.0, 3.0]})
    lines = exports.csv_bytes(exports.Sheet(frame)).decode().splitlines()
    assert lines == ["Range checked on its own data,units", "yes,1", ",2", "no,3"]
