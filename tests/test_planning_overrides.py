"""Planner adjustments: changes parsed and applied, selections, versions with who and when, the audit log and
the viewer's refusal, and the adjusted forecast in exports, the report and the order plan (statistical beside)."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from retail import reports
from retail.access import audit
from retail.access.guard import GuardedWorkspace
from retail.access.roles import Actor
from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data.workspace import Workspace
from retail.forecast import ForecastSettings, run_forecast
from retail.forecast.export import forecast_table, to_csv_bytes, to_excel_bytes
from retail.forecast.metrics import MODEL, YHAT
from retail.forecast.result import load_run, save_run
from retail.inventory.pipeline import run_replenishment
from retail.inventory.settings import ReplenishmentSettings
from retail.planning.editing import edited_cells, grid, select_series, series_attributes
from retail.planning.overrides import ADD, PERCENT, SET, Adjustment, Change, adjustments_from_table, read_adjustments
from retail.planning.versions import adjust_run, changes_to_follow, versions
from tests.forecast_data import canonical_lines

SETTINGS = ForecastSettings(level="product", freq="W", horizon=4, windows=2, models=("snaive", "ma"))


@pytest.fixture(scope="module")
def frame():
    lines = canonical_lines()
    lines["category"] = lines["product_id"].map({"A": "cups", "B": "cups", "C": "plates"})
    return lines


@pytest.fixture
def stored(tmp_path, frame):
    workspace = Workspace(home=tmp_path)
    run = save_run(workspace, "shop", run_forecast(frame, SETTINGS))
    return workspace, run.id


def best_rows(result) -> pd.DataFrame:
    return result.forecasts[result.forecasts[MODEL] == result.best].sort_values([SERIES_ID, DATE])


@pytest.mark.parametrize(("text", "kind", "amount", "before", "after"), [
    ("120", SET, 120.0, 80.0, 120.0), ("+20", ADD, 20.0, 80.0, 100.0), ("-20", ADD, -20.0, 80.0, 60.0),
    ("+20%", PERCENT, 20.0, 80.0, 96.0), ("-15 %", PERCENT, -15.0, 80.0, 68.0), ("25%", PERCENT, 25.0, 80.0, 100.0),
    ("1,5", SET, 1.5, 80.0, 1.5)])
def test_a_change_is_units_to_set_add_or_a_percentage(text, kind, amount, before, after):
    change = Change.parse(text)
    assert (change.kind, change.amount) == (kind, amount)
    assert change.apply(np.array([before]))[0] == pytest.approx(after)


@pytest.mark.parametrize(("text", "message"), [("lots", "a change is a number"), ("-100%", "above -100%"),
                                               ("", "a change is a number")])
def test_an_unreadable_change_says_what_is_allowed(text, message):
    with pytest.raises(ValueError, match=message):
        Change.parse(text)


def test_the_file_reads_series_period_change_reason_with_wildcards(tmp_path, stored):
    workspace, run_id = stored
    dates = sorted(load_run(workspace, run_id).forecasts[DATE].unique())
    path = tmp_path / "adjustments.csv"
    path.write_text(f"series,period,change,reason,note\nA,{pd.Timestamp(dates[1]):%Y-%m-%d},120,promotion,TV\n"
                    "*,*,+10%,Judgement,\nB*,*,-5,data error,\n")
    adjustments = read_adjustments(path)
    assert [a.reason for a in adjustments] == ["promotion", "judgement", "data_error"]
    run = adjust_run(workspace, run_id, adjustments, "alice")
    before, after = best_rows(load_run(workspace, run_id)), best_rows(load_run(workspace, run.id))
    expected = before[YHAT].to_numpy() * 1.1
    is_a = (before[SERIES_ID] == "A").to_numpy() & (pd.to_datetime(before[DATE]) == dates[1]).to_numpy()
    expected[is_a] = 120 * 1.1
    expected[(before[SERIES_ID] == "B").to_numpy()] -= 5
    np.testing.assert_allclose(after[YHAT].to_numpy(), expected)
    np.testing.assert_allclose(after["statistical"].to_numpy(), before[YHAT].to_numpy())


@pytest.mark.parametrize(("table", "message"), [
    (pd.DataFrame({"series": ["A"], "period": ["*"], "change": ["+1"]}), "lacks reason"),
    (pd.DataFrame({"series": ["A"], "period": ["*"], "change": ["+1"], "reason": ["weather"]}), "row 2 .* reason"),
    (pd.DataFrame({"series": ["A"], "period": ["soon"], "change": ["+1"], "reason": ["event"]}), None),
])
def test_bad_rows_name_the_row_and_store_nothing(table, message, stored):
    workspace, run_id = stored
    if message:
        with pytest.raises(ValueError, match=message):
            adjustments_from_table(table)
        return
    with pytest.raises(ValueError, match="a period is a date"):
        adjust_run(workspace, run_id, adjustments_from_table(table), "alice")
    assert len(workspace.list_runs("forecast")) == 1


def test_a_selection_that_matches_nothing_stores_nothing(stored):
    workspace, run_id = stored
    adjustments = [Adjustment(("A",), ("*",), Change.parse("+1"), "event"),
                   Adjustment(("ZZZ",), ("*",), Change.parse("+1"), "event")]
    with pytest.raises(ValueError, match="adjustment 2 .* matches no forecast"):
        adjust_run(workspace, run_id, adjustments, "alice")
    assert len(workspace.list_runs("forecast")) == 1


def test_versions_keep_who_when_why_and_go_on_from_the_latest(stored):
    workspace, run_id = stored
    guarded = GuardedWorkspace(workspace, Actor("alice", "analyst"))
    second = adjust_run(guarded, run_id, [Adjustment(("A",), ("*",), Change.parse("+50%"), "promotion", "TV")],
                        "alice")
    third = adjust_run(guarded, second.id, [Adjustment(("A",), ("*",), Change.parse("-10"), "supply")], "alice")
    assert [(v.id, v.settings.get("version")) for v in versions(workspace, run_id)] == [
        (run_id, None), (second.id, 2), (third.id, 3)]
    result = load_run(workspace, third.id)
    assert result.version == 3 and result.based_on == run_id and result.is_adjusted
    assert list(result.adjustments["reason"]) == ["promotion", "supply"]
    assert list(result.adjustments["by"]) == ["alice", "alice"] and result.adjustments["at"].notna().all()
    a = best_rows(result)[lambda f: f[SERIES_ID] == "A"]
    np.testing.assert_allclose(a[YHAT], a["statistical"] * 1.5 - 10)
    entries = audit.read(workspace, "forecast adjusted")
    assert len(entries) == 2 and entries["detail"].iloc[0].startswith(f"run {third.id}: version 3 of run {run_id}")


def test_a_viewer_cannot_adjust(stored):
    workspace, run_id = stored
    viewer = GuardedWorkspace(workspace, Actor("vic", "viewer"))
    with pytest.raises(PermissionError, match="may not adjust forecasts"):
        adjust_run(viewer, run_id, [Adjustment(("*",), ("*",), Change.parse("0"), "event")], "vic")
    assert len(workspace.list_runs("forecast")) == 1


def test_ranges_move_with_the_adjusted_forecast(stored):
    workspace, run_id = stored
    run = adjust_run(workspace, run_id, [Adjustment(("*",), ("*",), Change.parse("0"), "listing")], "alice")
    rows = best_rows(load_run(workspace, run.id))
    assert (rows[YHAT] == 0).all() and (rows["lo_80"] == 0).all() and (rows["hi_80"] >= 0).all()


def test_exports_and_the_report_use_the_adjusted_forecast_and_say_so(stored):
    workspace, run_id = stored
    run = adjust_run(workspace, run_id, [Adjustment(("A",), ("*",), Change.parse("+100%"), "event")], "alice")
    result = load_run(workspace, run.id)
    table = forecast_table(result)
    a = table[table[SERIES_ID] == "A"]
    np.testing.assert_allclose(a["forecast"], a["statistical_forecast"] * 2)
    np.testing.assert_allclose(a["planner_change"], a["statistical_forecast"])
    assert {"Statistical forecast", "Planner adjustment"} <= set(pd.read_csv(io.BytesIO(to_csv_bytes(result))).columns)
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result)))
    settings = {row[0]: row[1] for row in book["settings"].values}
    assert settings["Which forecast"].startswith("Adjusted forecast (version 2 of run")
    assert any(str(c.value).startswith("Statistical forecast") for c in book["summary"][1])
    html = reports.forecast_section(result, reports.figure_renderer())
    assert "Adjusted forecast (version 2" in html and "Statistical forecast" in html
    plain = load_run(workspace, run_id)
    assert "no planner has adjusted it" in settings_of(plain)


def settings_of(result) -> str:
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(result)))
    return {row[0]: row[1] for row in book["settings"].values}["Which forecast"]


def test_the_order_plan_follows_the_adjusted_forecast(stored, frame):
    workspace, run_id = stored
    assert changes_to_follow(workspace, "shop", "product") is None
    adjust_run(workspace, run_id, [Adjustment(("A",), ("*",), Change.parse("+70"), "promotion")], "alice")
    changes = changes_to_follow(workspace, "shop", "product")
    settings = ReplenishmentSettings(level="product", simulate_weeks=4)
    statistical = run_replenishment(frame, settings).plan.set_index(SERIES_ID)
    followed = run_replenishment(frame, settings, planner_changes=changes)
    plan = followed.plan.set_index(SERIES_ID)
    # +70 units a week; the plan covers 14 days from the day after the data: the weeks' days inside it
    days = changes.units_over(np.array(["A"]), plan.loc["A", "review_date"], np.array([14]))[0]
    assert 70 < days <= 140
    assert plan.loc["A", "planner_change"] == pytest.approx(days)
    assert plan.loc["A", "forecast"] == pytest.approx(statistical.loc["A", "forecast"] + days)
    assert plan.loc["A", "order_quantity"] >= statistical.loc["A", "order_quantity"] + days - 1
    assert plan.loc["B", "order_quantity"] == statistical.loc["B", "order_quantity"]
    assert "planners' adjusted forecast adds" in plan.loc["A", "reason"]
    assert any("follow the planners' adjusted forecast" in note for note in followed.warnings)


def test_the_grid_edits_and_selections_become_adjustments(stored, frame):
    workspace, run_id = stored
    result = load_run(workspace, run_id)
    before = grid(result)
    after = before.copy()
    after.iloc[0, 1] = 999.0
    adjustments = edited_cells(before, after, "event", "fair")
    assert len(adjustments) == 1 and adjustments[0].change == Change(SET, 999.0)
    assert adjustments[0].series == (before.index[0],) and adjustments[0].periods == (before.columns[1],)
    after.iloc[0, 2] = -1.0
    with pytest.raises(ValueError, match="below zero"):
        edited_cells(before, after, "event")
    attributes = series_attributes(result, frame)
    series, label = select_series(attributes, categories=["cups"])
    assert sorted(series) == ["A", "B"] and label == "categories: cups"


def test_the_forecast_checks_score_an_adjusted_version_as_the_forecast_it_is(tmp_path, frame):
    """The weekly cycle's tracking reads an adjusted version like any run: its ``yhat`` is the adjusted forecast."""
    from retail.planning import tracking

    workspace = Workspace(home=tmp_path)
    cut = frame[pd.to_datetime(frame["date"]) < pd.to_datetime(frame["date"]).max() - pd.Timedelta(days=35)]
    run = save_run(workspace, "shop", run_forecast(cut, SETTINGS))
    adjusted = adjust_run(workspace, run.id, [Adjustment(("*",), ("*",), Change.parse("+50%"), "promotion")], "ana")
    rows = tracking.track(workspace, "shop", frame).rows
    best = rows[rows[tracking.BEST]].set_index([tracking.RUN, SERIES_ID, DATE])[YHAT]
    assert not best.empty and set(best.index.get_level_values(0)) == {run.id, adjusted.id}
    statistical, changed = best.xs(run.id).sort_index(), best.xs(adjusted.id).sort_index()
    np.testing.assert_allclose(changed.to_numpy(), 1.5 * statistical.to_numpy())
