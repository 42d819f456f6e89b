"""AppTest for the Forecast page: run a small forecast, read the leaderboard, change the model, reopen."""

import io
import json
import re

import numpy as np
import openpyxl
import pandas as pd
from streamlit.testing.v1 import AppTest

from retail.data.ingest import SAMPLE_NAME, import_file
from retail.data.workspace import Workspace
from tests.conftest import ROOT
from ui.data import PENDING_KEY


def open_page(dataset: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if dataset:
        app.session_state[PENDING_KEY] = dataset  # as if picked in the sidebar
    app.run()
    app.switch_page("app_pages/forecast.py").run()
    assert not app.exception
    return app


def run_small_forecast(app: AppTest, models=("snaive", "ma", "linear", "lightgbm")) -> None:
    app.number_input(key="fc_top").set_value(8)
    app.slider(key="fc_horizon").set_value(4)
    app.slider(key="fc_windows").set_value(2)
    app.multiselect(key="fc_models").set_value(list(models))
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert not app.exception and not app.error


def leaderboard(app: AppTest):
    return next(d.value for d in app.dataframe if "wape_vs_baseline" in d.value.columns)


def test_run_forecast_shows_leaderboard_series_chart_and_downloads(app_env):
    app = open_page()
    assert "run a forecast" in app.info[0].value
    run_small_forecast(app)
    board = leaderboard(app)
    assert set(board["model"]) == {"seasonal naive", "moving average", "linear regression", "LightGBM"}
    assert board["wape"].is_monotonic_increasing  # best first
    assert "was best: in the backtest" in app.success[0].value
    charts = app.get("plotly_chart")
    assert len(charts) >= 3  # leaderboard, one series, LightGBM importance
    series_table = next(d.value for d in app.dataframe if "series_id" in d.value.columns and "wape" in d.value.columns)
    assert len(series_table) == 8 and series_table["wape"].is_monotonic_decreasing  # worst first
    downloads = app.get("download_button")
    assert [d.key for d in downloads] == ["fc_download_xlsx", "fc_download_csv", "fc_report"]
    runs = Workspace(app_env).list_runs("forecast")
    assert len(runs) == 1 and runs[0].settings["horizon"] == 4


def model_picker(app: AppTest):
    return next(box for box in app.selectbox if box.key.startswith("fc_model_"))


def series_chart(app: AppTest) -> dict:
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    return next(spec for spec in specs if spec["layout"]["yaxis"]["title"]["text"].endswith("per week"))


def test_changing_model_redraws_without_rerunning(app_env):
    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    model_picker(app).set_value("ma").run()
    before = series_chart(app)
    model_picker(app).set_value("snaive").run()
    assert not app.exception
    after = series_chart(app)
    assert after["layout"]["title"]["text"].endswith(": seasonal naive")
    assert before["layout"]["title"]["text"].endswith(": moving average")
    forecast = [trace for trace in after["data"] if trace.get("name") == "forecast"]
    assert forecast and forecast != [t for t in before["data"] if t.get("name") == "forecast"]
    assert len(Workspace(app_env).list_runs("forecast")) == 1  # no new run: the saved one was redrawn


def test_saved_runs_reopen_and_delete(app_env):
    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    run_id = Workspace(app_env).list_runs("forecast")[0].id
    fresh = open_page()  # a new session: nothing open
    assert "run a forecast" in fresh.info[0].value
    fresh.selectbox(key="runs_choice").set_value(run_id)
    fresh.button(key="runs_open").click().run()
    assert not fresh.exception
    assert f"Run {run_id}:" in fresh.success[0].value
    fresh.button(key="runs_delete").click().run()
    assert Workspace(app_env).list_runs("forecast") == []


def test_excel_export_of_a_run(app_env):
    from retail.forecast.export import to_excel_bytes
    from retail.forecast.result import ForecastResult

    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    workspace = Workspace(app_env)
    run = workspace.list_runs("forecast")[0]
    result = ForecastResult.from_frames({t: workspace.load_run_table(run.id, t) for t in run.tables})
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result)))
    assert book.sheetnames == ["summary", "forecast", "accuracy", "settings"]


def test_the_blend_shows_its_weights_and_needs_two_of_its_models(app_env):
    app = open_page()
    app.multiselect(key="fc_models").set_value(["blend", "ma"])
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert "choose at least two of them" in app.error[0].value
    assert not Workspace(app_env).list_runs("forecast")  # nothing ran, nothing was saved
    run_small_forecast(app, models=("snaive", "topdown", "lightgbm", "blend"))
    assert {"share of total", "blend of models"} <= set(leaderboard(app)["model"])
    model_picker(app).set_value("blend").run()
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    assert "How the blend of models weighs its models (chosen on the backtest)" in titles
    weights = next(json.loads(chart.proto.spec) for chart in app.get("plotly_chart")
                   if "weighs its models" in json.loads(chart.proto.spec)["layout"]["title"]["text"])
    shown = weights["data"][0]["y"]  # the members given a weight (a member given none is not drawn)
    assert shown and set(shown) <= {"weight of LightGBM", "weight of share of total"}


def nine_day_workbook(path) -> None:
    """A shop's first 9 days as an Excel workbook: order lines of 12 products."""
    rng = np.random.default_rng(9)
    days = pd.date_range("2024-03-04", periods=9, freq="D")
    rows = [(day + pd.Timedelta(hours=int(rng.integers(9, 18))), f"INV{day.day}{order}", f"SKU{rng.integers(1, 13)}",
             int(rng.integers(1, 5)), float(rng.uniform(2, 20)).__round__(2))
            for day in days for order in range(30)]
    pd.DataFrame(rows, columns=["Date", "Invoice", "SKU", "Qty", "Price"]).to_excel(path, index=False)


def test_a_short_file_forecasts_with_defaults_that_fit_it(app_env, tmp_path):
    """9 days cannot carry 8 weeks ahead: the page starts daily with a short horizon, says why, and runs."""
    nine_day_workbook(tmp_path / "nine.xlsx")
    import_file(Workspace(app_env), tmp_path / "nine.xlsx", "nine days")
    app = open_page("nine days")
    assert app.selectbox(key="fc_freq").value == "D"
    assert (app.slider(key="fc_horizon").value, app.slider(key="fc_windows").value) == (3, 2)
    assert any("covers 9 complete days" in c.value and "daily" in c.value for c in app.caption)
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert not app.exception and not app.error
    assert re.search(r"Run 1: 1\d series, daily, 3 days ahead\.", app.success[0].value)
    sample = open_page(SAMPLE_NAME)  # the sample's slice (14 weeks) starts from its own: weekly, 4 ahead
    assert sample.selectbox(key="fc_freq").value == "W" and sample.slider(key="fc_horizon").value == 4


def test_a_failed_run_leaves_no_progress_bar(app_env):
    app = open_page()
    app.slider(key="fc_horizon").set_value(90)
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert not app.exception and "no series has the" in app.error[0].value
    assert not app.get("progress")  # the bar went with the failure
