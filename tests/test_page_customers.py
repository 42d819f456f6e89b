"""AppTest for the Customers page: segments, customer card, model check and campaign builder."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from tests.conftest import ROOT


def open_page(select: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.run()
    if select:
        app.session_state["active_dataset"] = select
    app.switch_page("pages/customers.py").run()
    assert not app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label.startswith(label))


def frame_with(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_segments_customers_and_card(app_env):
    app = open_page()
    assert int(metric(app, "Customers").replace(",", "")) > 100
    segments = frame_with(app, "revenue_share")
    assert len(segments) == 9 and segments["customers"].sum() == int(metric(app, "Customers").replace(",", ""))
    assert len(app.get("plotly_chart")) >= 2  # treemap and movement
    customers = frame_with(app, "propensity")
    first = customers["customer_id"].iloc[0]
    app.text_input(key="cust_search").set_value(first[:4]).run()
    found = frame_with(app, "propensity")
    assert found["customer_id"].str.contains(first[:4]).all()
    assert app.selectbox(key="cust_card").value == found["customer_id"].iloc[0]
    assert any(s.value.startswith("Customer ") for s in app.subheader)
    assert len(frame_with(app, "reasons")) == 5  # products to offer, with the reason


def test_horizon_and_model_change_the_scores(app_env):
    app = open_page()
    before = metric(app, "Expected purchases")
    app.slider(key="cust_horizon").set_value(30).run()
    assert not app.exception and metric(app, "Expected purchases") != before
    app.selectbox(key="cust_value_model").set_value("last-period").run()
    assert not app.exception


def test_model_check_beside_baselines(app_env):
    app = open_page()
    app.slider(key="cust_horizon").set_value(30).run()
    app.button(key="cust_check").click().run()
    assert not app.exception and not app.error
    propensity = frame_with(app, "auc")
    assert "recency alone" in set(propensity["model"]) and propensity["auc"].between(0, 1).all()
    value = frame_with(app, "spearman")
    assert "same as the last period" in set(value["model"])
    assert len(app.get("plotly_chart")) >= 5  # + lift, calibration, purchases


def test_campaign_builder_saves_a_campaign(app_env):
    app = open_page()
    everyone = int(metric(app, "Audience").replace(",", ""))
    app.multiselect(key="camp_segments").set_value(["champions"]).run()
    app.number_input(key="camp_top").set_value(20).run()
    audience = int(metric(app, "Audience").replace(",", ""))
    assert 0 < audience <= 20 < everyone
    app.button(key="camp_build").click().run()
    assert not app.exception
    saved = next(s.value for s in app.success if "saved as campaign 1" in s.value)
    assert "with or without the campaign" in saved  # their spend, not what the campaign adds
    assert app.text_input(key="camp_name").value == "winter campaign, Dec 2011"  # the analysis date's season
    listed = frame_with(app, "why_1")
    assert len(listed) == audience and set(listed["segment"]) == {"champions"}
    assert app.selectbox(key="saved_campaign").options


def test_dataset_without_customers_says_so(app_env, tmp_path):
    path = tmp_path / "no_customers.csv"
    path.write_text("Date,SKU,Qty,Price\n2011-01-01,A,1,2.0\n2011-01-02,B,2,3.0\n")
    import_file(Workspace(app_env), path, "no customers")
    app = open_page(select="no customers")
    assert "needs a customer column" in app.info[0].value


def test_kmeans_groups_in_words(app_env):
    app = open_page()
    app.toggle(key="cust_kmeans").set_value(True).run()
    assert not app.exception
    groups = frame_with(app, "description")
    assert len(groups) >= 2 and groups["description"].str.contains("buy").all()
