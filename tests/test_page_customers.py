"""AppTest for the Customers page: segments, customer card, model check and campaign builder."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from retail.customers.analysis import CustomerSettings, analyse
from retail.customers.history import build_history, default_as_of
from retail.customers.registry import PROPENSITY_MODELS
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from tests.conftest import ROOT


def open_page(select: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.run()
    if select:
        app.selectbox(key="dataset_name").set_value(select)  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/customers.py").run()
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


def library_result(horizon: int, value_model: str | None = None, evaluate: bool = False):
    """What the page shows, computed by the library alone on the workspace's dataset."""
    history = build_history(Workspace().load(Workspace().list_datasets()[0].name))
    models = {"value_model": value_model} if value_model else {}
    as_of = None if evaluate else default_as_of(history)
    return analyse(history, CustomerSettings(as_of=as_of, horizon_days=horizon, evaluate=evaluate, **models))


def test_horizon_and_model_change_the_scores(app_env):
    app = open_page()
    before = metric(app, "Expected purchases")
    app.slider(key="cust_horizon").set_value(30).run()
    after = metric(app, "Expected purchases")
    assert not app.exception and after != before
    assert after == f"{library_result(30).headline()['expected_purchases']:,.0f}"
    app.selectbox(key="cust_value_model").set_value("last-period").run()
    switched = metric(app, "Expected purchases")
    assert not app.exception and switched != after
    assert switched == f"{library_result(30, 'last-period').headline()['expected_purchases']:,.0f}"


def test_model_check_beside_baselines(app_env):
    app = open_page()
    app.slider(key="cust_horizon").set_value(30).run()
    app.button(key="cust_check").click().run()
    assert not app.exception and not app.error
    propensity = frame_with(app, "auc").set_index("model")["auc"]
    library = library_result(30, evaluate=True).propensity_evaluation
    expected = library.assign(model=library["model"].map(PROPENSITY_MODELS.label)).set_index("model")["auc"]
    pd.testing.assert_series_equal(propensity, expected, check_names=False)
    assert "recency alone" in propensity.index and propensity.nunique() == len(propensity)
    assert propensity.drop("recency alone").max() > 0.6  # the learned models rank buyers well above chance
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
    app.button(key="saved_delete").click().run()  # gone for good: the workspace file is rewritten without it
    assert not app.exception and Workspace().list_runs("campaign") == []
    assert any(i.value.startswith("No saved campaign for this dataset yet") for i in app.info)


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
