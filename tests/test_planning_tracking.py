"""Saved forecasts checked against what happened: per run, model and step, against a brute-force count."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from retail.access.guard import GuardedWorkspace
from retail.access.roles import local_actor
from retail.cli import main
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import save_run
from retail.forecast.settings import ForecastSettings
from retail.planning import tracking
from retail.planning.append import apply_append, prepare_append
from retail.planning.sources import read_file
from tests.weekly_data import csv_bytes, sales_lines, split_weeks

SETTINGS = ForecastSettings(level="product", freq="W", horizon=4, models=("snaive", "ma"), windows=2)


@pytest.fixture
def tracked_shop(tmp_path):
    """Two saved runs: one before three appended weeks, one before the last of them."""
    lines = sales_lines(weeks=30, products=3, seed=5, shifts={"P2": ("2024-07-01", 2.0)})
    base, weeks = split_weeks(lines, "2024-06-24")
    workspace = GuardedWorkspace(Workspace(home=tmp_path), local_actor())
    import_file(workspace.workspace, csv_bytes(base), "shop", file_name="base.csv")
    runs = []
    for k, week in enumerate(weeks[:3]):
        if k in (0, 2):
            runs.append(save_run(workspace, "shop", run_forecast(workspace.load("shop"), SETTINGS)).id)
        apply_append(workspace, prepare_append(workspace, "shop", read_file(csv_bytes(week), name=f"w{k}.csv")))
    return workspace, runs, lines


def _brute_force(workspace, lines: pd.DataFrame) -> pd.DataFrame:
    """Every saved forecast row joined, by a plain loop, with the week's units summed from the file."""
    dates = pd.to_datetime(lines["Date"])
    week = dates - pd.to_timedelta(dates.dt.weekday, unit="D")
    truth = lines.assign(week=week).groupby(["SKU", "week"])["Qty"].sum()
    last_week = pd.Timestamp("2024-07-08")  # the three appended weeks start 24 Jun, 1 and 8 Jul
    rows = []
    for run in workspace.list_runs("forecast", "shop"):
        for record in workspace.load_run_table(run.id, "forecasts").to_dict("records"):
            if pd.Timestamp(record["date"]) <= last_week:
                y = float(truth.get((record["series_id"], pd.Timestamp(record["date"])), 0.0))
                rows.append(record | {"run_id": run.id, "y": y})
    return pd.DataFrame(rows)


def test_scores_equal_a_brute_force_count(tracked_shop):
    workspace, runs, lines = tracked_shop
    tracked = tracking.track(workspace, "shop", workspace.load("shop"))
    reference = _brute_force(workspace, lines)
    assert len(tracked.rows) == len(reference) == 3 * 2 * (3 + 1)  # series x models x (3 weeks of run 1 + 1 of run 2)
    for (run_id, model, step), group in reference.groupby(["run_id", "model", "step"]):
        row = tracked.by_step[(tracked.by_step["run_id"] == run_id) & (tracked.by_step["model"] == model)
                              & (tracked.by_step["step"] == step)].iloc[0]
        assert row["wape"] == pytest.approx(np.abs(group["y"] - group["yhat"]).sum() / group["y"].sum())
        assert row["bias"] == pytest.approx((group["yhat"] - group["y"]).sum() / group["y"].sum())
        inside = [lo <= y <= hi for lo, y, hi in zip(group["lo_95"], group["y"], group["hi_95"], strict=True)]
        assert row["coverage_95"] == pytest.approx(np.mean(inside))
    assert set(tracked.by_run["steps_scored"]) == {3, 1}


def test_saved_runs_are_read_over_one_connection_each(tracked_shop, monkeypatch):
    workspace, runs, _ = tracked_shop
    opened = []
    connect = Workspace._connect
    monkeypatch.setattr(Workspace, "_connect", lambda self: opened.append(1) or connect(self))
    assert [run.run_id for run in tracking.saved_forecasts(workspace, "shop")] == runs
    assert len(opened) == 1 + len(runs)  # the list of runs, then one per run (three tables each; was six)


def test_the_promise_is_the_backtest_error_at_each_step(tracked_shop):
    workspace, runs, _ = tracked_shop
    backtest = workspace.load_run_table(runs[0], "backtest")
    promise = tracking.promise_of(backtest)
    part = backtest[(backtest["model"] == "ma") & (backtest["step"] == 2)]
    row = promise[(promise["model"] == "ma") & (promise["step"] == 2)].iloc[0]
    assert row["promised_wape"] == pytest.approx((part["y"] - part["yhat"]).abs().sum() / part["y"].sum())


def test_each_week_is_judged_by_the_latest_forecast_made_before_it(tracked_shop):
    workspace, runs, _ = tracked_shop
    by_week = tracking.track(workspace, "shop", workspace.load("shop")).by_week
    assert by_week["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-06-24", "2024-07-01", "2024-07-08"]
    assert by_week["run_id"].tolist() == [runs[0], runs[0], runs[1]]
    assert by_week["step"].tolist() == [1, 2, 1]


def test_a_week_not_complete_yet_is_not_scored(tracked_shop):
    workspace, _, _ = tracked_shop
    frame = workspace.load("shop")
    partial = frame[frame["date"] < "2024-07-12"]  # the week of 8 July has only Monday to Thursday
    assert tracking.track(workspace, "shop", partial).by_week["date"].max() == pd.Timestamp("2024-07-01")


def test_accuracy_of_any_forecast_frame():
    rows = pd.DataFrame({"g": ["a", "a", "b"], "y": [10.0, 0.0, 5.0], "yhat": [8.0, 1.0, 5.0],
                         "lo_80": [9.0, 0.0, 4.0], "hi_80": [11.0, 2.0, 6.0], "lo_95": [0, 0, 0], "hi_95": [20, 20, 20]})
    table = tracking.accuracy(rows, by=["g"]).set_index("g")
    assert table.loc["a", "wape"] == pytest.approx(3 / 10) and table.loc["a", "bias"] == pytest.approx(-1 / 10)
    assert table.loc["a", "coverage_80"] == 1.0 and table.loc["b", "wape"] == 0.0


def test_forecast_accuracy_command(tracked_shop, monkeypatch, capsys):
    workspace, runs, _ = tracked_shop
    monkeypatch.setenv("RETAIL_HOME", str(workspace.workspace.home))
    assert main(["forecast-accuracy", "shop", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["runs"] == 2 and document["summary"]["periods_scored"] == 3
    assert {row["run_id"] for row in document["runs"]} == set(runs)
    assert {"wape", "promised_wape", "coverage_80", "coverage_95"} <= set(document["steps"][0])
    assert main(["forecast-accuracy", "shop"]) == 0
    assert "Error promised (backtest)" in capsys.readouterr().out
