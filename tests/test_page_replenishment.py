"""AppTest for the Replenishment page: plan and replay, read the proof, change the item, reopen, refuse bad input."""

import json

from streamlit.testing.v1 import AppTest

from retail.data.workspace import Workspace
from tests.conftest import ROOT


def open_page() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.switch_page("app_pages/replenishment.py").run()
    assert not app.exception
    return app


def plan_small(app: AppTest, top: int = 10, weeks: int = 4) -> None:
    app.number_input(key="rp_top").set_value(top)
    app.number_input(key="rp_weeks").set_value(weeks)
    app.button(key="rp_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]


def chart_titles(app: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]


def test_plan_shows_the_proof_the_curve_the_orders_and_downloads(app_env):
    app = open_page()
    assert "plan the orders" in app.info[0].value
    assert app.slider(key="rp_service_level").value == 0.95 and app.slider(key="rp_review_days").value == 7
    plan_small(app)
    assert app.success[0].value.startswith("Replaying ")
    assert [m.label for m in app.metric][:3] == ["Cycle service achieved", "Fill rate achieved",
                                                  "Stock held (days of demand)"]
    titles = chart_titles(app)
    assert titles[0].startswith("Service achieved vs stock held")
    assert any(title.endswith("demand, stock and order-up-to levels") for title in titles)
    plan = next(d.value for d in app.dataframe if "order quantity (units)" in d.value.columns)
    assert len(plan) == 10 and {"why", "order-up-to level (units)", "forecast demand over those days (units)"} <= set(
        plan.columns)
    assert [d.key for d in app.get("download_button")] == ["rp_download_xlsx", "rp_download_csv"]
    runs = Workspace(app_env).list_runs("replenishment")
    assert len(runs) == 1 and runs[0].settings["top_n"] == 10


def test_changing_the_item_redraws_without_a_new_run(app_env):
    from retail.inventory.result import load_run

    app = open_page()
    plan_small(app)
    workspace = Workspace(app_env)
    items = list(load_run(workspace, workspace.list_runs("replenishment")[0].id).plan["series_id"])
    picker = next(box for box in app.selectbox if box.key.startswith("rp_item_"))
    assert picker.value == items[0]
    before = [t for t in chart_titles(app) if t.endswith("order-up-to levels")]
    picker.set_value(items[2]).run()
    assert not app.exception
    after = [t for t in chart_titles(app) if t.endswith("order-up-to levels")]
    assert after != before
    assert len(workspace.list_runs("replenishment")) == 1


def test_a_lead_time_longer_than_the_history_is_a_plain_error(app_env):
    app = open_page()
    app.number_input(key="rp_top").set_value(5)
    app.slider(key="rp_lead_days").set_value(42)
    app.number_input(key="rp_weeks").set_value(11)
    app.button(key="rp_run").click().run()
    assert not app.exception
    assert app.error and "longer than the" in app.error[0].value


def test_saved_runs_reopen(app_env):
    app = open_page()
    plan_small(app)
    run_id = Workspace(app_env).list_runs("replenishment")[0].id
    fresh = open_page()
    assert "plan the orders" in fresh.info[0].value
    fresh.selectbox(key="rp_runs_choice").set_value(run_id)
    fresh.button(key="rp_runs_open").click().run()
    assert not fresh.exception and fresh.success[0].value.startswith("Replaying ")
