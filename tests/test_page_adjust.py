"""AppTest for planners on the Forecast page: adjust a selection (a new version opens, the log and the
statistical forecast beside it), a viewer cannot adjust, every level adds up, and the value-added tab."""

from __future__ import annotations

from retail.access import audit
from retail.data.workspace import Workspace
from retail.forecast.result import load_run
from tests.test_page_forecast import open_page, run_small_forecast
from ui.planning import VIEW_KEY


def test_an_analyst_adjusts_a_selection_and_the_new_version_opens(app_env):
    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    run_id = Workspace(app_env).list_runs("forecast")[0].id
    assert any(c.value == "Statistical forecast: no planner has adjusted it." for c in app.caption)
    product = app.multiselect(key=f"fc_adjust_product_{run_id}")
    product.set_value([product.options[0]]).run()
    app.radio(key=f"fc_adjust_how_{run_id}").set_value("percent").run()
    app.number_input(key=f"fc_adjust_amount_{run_id}").set_value(50.0).run()
    app.selectbox(key=f"fc_adjust_selection_{run_id}_reason").set_value("promotion")
    app.text_input(key=f"fc_adjust_selection_{run_id}_note").input("spring promotion")
    app.button(key=f"fc_adjust_save_{run_id}").click().run()
    assert not app.exception and not app.error
    runs = Workspace(app_env).list_runs("forecast")
    assert len(runs) == 2 and runs[0].settings["version"] == 2 and runs[0].settings["based_on"] == run_id
    assert any("Adjusted forecast (version 2 of run" in i.value for i in app.info)
    log = next(d.value for d in app.dataframe if "forecasts changed" in d.value.columns)
    assert log[["reason", "note", "change"]].iloc[0].tolist()[:2] == ["promotion", "spring promotion"]
    outlook = next(d.value for d in app.dataframe if "statistical" in d.value.columns)
    changed = outlook[outlook["forecast"] != outlook["statistical"]]
    assert len(changed) >= 1 and (changed["forecast"] > changed["statistical"]).all()
    result = load_run(Workspace(app_env), runs[0].id)
    assert result.is_adjusted and "planner change" in result.planner_note()
    assert audit.read(Workspace(app_env), "forecast adjusted")["detail"].str.contains("promotion 1").any()


def test_a_viewer_sees_the_forecast_but_cannot_adjust_it(app_env, monkeypatch):
    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    run_id = Workspace(app_env).list_runs("forecast")[0].id
    monkeypatch.setenv("RETAIL_LOCAL_ROLE", "viewer")
    viewer = open_page()
    viewer.selectbox(key="runs_choice").set_value(run_id)
    viewer.button(key="runs_open").click().run()
    assert not viewer.exception
    assert any("may read forecasts but not adjust them" in c.value for c in viewer.caption)
    assert not [b for b in viewer.button if b.key and b.key.startswith("fc_adjust_save")]


def test_every_level_adds_up_on_the_all_levels_tab(app_env):
    app = open_page()
    assert not [w for w in app.number_input if w.key == "lv_horizon"]  # a closed tab's work does not run
    app.session_state[VIEW_KEY] = "All levels, adding up"
    app.run()
    app.number_input(key="lv_horizon").set_value(4)
    app.slider(key="lv_windows").set_value(2)
    app.multiselect(key="lv_models").set_value(["snaive", "ma"])
    app.number_input(key="lv_top").set_value(10)
    next(b for b in app.button if b.form_id == "levels_settings").click().run()
    assert not app.exception and not app.error
    assert any("Every level adds up by" in s.value for s in app.success)
    assert any("Every level adds up to the cent" in c.value for c in app.caption)
    assert app.selectbox(key="lv_level_" + str(Workspace(app_env).list_runs("reconciled")[0].id)).options
    assert any(d.key == "lv_download" for d in app.get("download_button"))
    assert len(app.get("plotly_chart")) >= 1


def test_value_added_waits_for_the_sales_to_arrive(app_env):
    app = open_page()
    run_small_forecast(app, models=("snaive", "ma"))
    app.session_state[VIEW_KEY] = "Value added"
    app.run()
    assert any("No forecast has its actual sales yet" in i.value for i in app.info)
