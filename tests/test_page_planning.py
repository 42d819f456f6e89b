"""AppTest for the weekly cycle's pages: This week, the Forecast page's "How did our forecasts do" and the
Data page's "Add to this dataset" (from the shop's PostgreSQL database)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from retail.access.guard import GuardedWorkspace
from retail.access.roles import local_actor
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import save_run
from retail.forecast.settings import ForecastSettings
from retail.planning.append import apply_append, prepare_append
from retail.planning.attention import SCOPE, AttentionSettings, this_week
from retail.planning.registry import EXCEPTIONS, QUERY_SOURCE
from retail.planning.sources import read_file
from tests.conftest import ROOT
from ui.append import APPEND_TAB
from ui.planning import TRACKING_TAB

CUT = pd.Timestamp("2011-11-07")  # a Monday: two weeks are added after the saved forecast


@pytest.fixture
def tracked_app(app_env, small_sample_file, tmp_path):
    """The sample slice as 'shop' up to CUT, a saved forecast, then the next two weeks added."""
    lines = pd.read_parquet(small_sample_file)
    base, after = lines[lines["InvoiceDate"] < CUT], lines[lines["InvoiceDate"] >= CUT]
    base.to_parquet(tmp_path / "base.parquet", index=False)
    workspace = GuardedWorkspace(Workspace(), local_actor())
    import_file(workspace.workspace, tmp_path / "base.parquet", "shop")
    settings = ForecastSettings(level="product", freq="W", horizon=2, models=("snaive", "ma"), windows=2, top_n=20)
    save_run(workspace, "shop", run_forecast(workspace.load("shop"), settings))
    for week in range(2):
        part = after[after["InvoiceDate"] < CUT + pd.Timedelta(weeks=week + 1)]
        part.to_parquet(tmp_path / f"w{week}.parquet", index=False)
        apply_append(workspace, prepare_append(workspace, "shop", read_file(tmp_path / f"w{week}.parquet")))
    return app_env


def open_page(page: str, dataset: str | None = "shop", **params: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if dataset:
        app.query_params["dataset"] = dataset
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _lines(app: AppTest, label: str) -> list[str]:
    """The ranked list's lines of one kind of exception (each: what and product in bold, then why)."""
    return [m.value for m in app.markdown if m.value.startswith(f"**{label[:1].upper()}{label[1:]}: ")]


def test_this_week_ranks_exceptions_and_keeps_thresholds(tracked_app):
    workspace = Workspace(tracked_app)
    expected = this_week(workspace, "shop", workspace.load("shop"))
    kind = expected.ranked["kind"].iat[0]
    app = open_page("app_pages/this_week.py")
    assert app.title[0].value == "This week" and app.subheader[0].value == expected.headline
    assert any(m.value.startswith("Checked against 2 weeks of sales, the forecasts of 1 run") for m in app.markdown)
    assert len(_lines(app, EXCEPTIONS.get(kind).label)) == min((expected.ranked["kind"] == kind).sum(), 25)
    table = next(d.value for d in app.dataframe if "Why" in d.value.columns)
    assert {"What", "Why", "At stake", "product"} <= set(table.columns) and len(table) == len(expected.ranked)
    app.toggle(key=f"tw_on_{kind}").set_value(False).run()
    without = this_week(workspace, "shop", workspace.load("shop"), AttentionSettings(off=(kind,)))
    assert not app.exception and not _lines(app, EXCEPTIONS.get(kind).label)
    assert app.subheader[0].value == without.headline
    app.button(key="tw_keep").click().run()
    assert workspace.preferences("shop", SCOPE)["off"] == [kind]


def test_the_forecast_page_shows_how_the_forecasts_did(tracked_app):
    app = open_page("app_pages/forecast.py", view=TRACKING_TAB)
    assert any(m.value.startswith("Checked against 2 weeks") for m in app.markdown)
    runs = next(d.value for d in app.dataframe if "Error promised (backtest)" in d.value.columns)
    assert len(runs) == 1 and {"Error (WAPE)", "Error promised (backtest)", "Inside 95% range"} <= set(runs.columns)
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    assert any(t.startswith("Forecast error per week: measured against promised") for t in titles)
    assert any(t.endswith("sold, and every saved forecast of it") for t in titles)
    series = app.selectbox(key="tr_series")
    series.set_value(series.options[-1]).run()
    assert not app.exception


def test_a_link_opens_the_series_it_names(tracked_app):
    from retail.planning.tracking import track

    workspace = Workspace(tracked_app)
    linked = track(workspace, "shop", workspace.load("shop")).rows["series_id"].iloc[-1]
    app = open_page("app_pages/forecast.py", view=TRACKING_TAB, tracked=linked)
    assert app.selectbox(key="tr_series").value == linked


def test_a_viewer_sees_the_list_but_adds_nothing(tracked_app, monkeypatch):
    monkeypatch.setenv("RETAIL_LOCAL_ROLE", "viewer")
    app = open_page("app_pages/this_week.py")
    assert not [b for b in app.button if b.key == "tw_keep"]
    app = open_page("app_pages/data.py", view=APPEND_TAB)
    assert any("adding sales needs the analyst role" in i.value for i in app.info)


def test_adding_sales_from_the_shops_database(app_env, small_sample_file, postgres_server, postgres_url, monkeypatch,
                                              tmp_path):
    import psycopg

    lines = pd.read_parquet(small_sample_file)
    base = lines[lines["InvoiceDate"] < CUT]
    base.to_parquet(tmp_path / "base.parquet", index=False)
    import_file(Workspace(), tmp_path / "base.parquet", "shop")
    week = lines[(lines["InvoiceDate"] >= CUT) & (lines["InvoiceDate"] < CUT + pd.Timedelta(weeks=1))]
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute('CREATE TABLE till ("InvoiceNo" text, "StockCode" text, "Description" text, "Quantity" integer, '
                    '"InvoiceDate" timestamp, "UnitPrice" numeric(10, 2), "CustomerID" text, "Country" text)')
        with con.cursor().copy("COPY till FROM STDIN") as copy:
            for row in week[["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
                             "CustomerID", "Country"]].astype(object).itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])
    monkeypatch.setenv("SHOP_DB", postgres_url)
    app = open_page("app_pages/data.py", view=APPEND_TAB)
    app.radio(key="append_source").set_value(QUERY_SOURCE).run()
    app.text_area(key="append_query").set_value("SELECT * FROM till").run()
    app.text_input(key="append_url_env").set_value("SHOP_DB").run()
    app.button(key="append_ask").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [m.label for m in app.metric][:4] == ["Rows added", "Rows replaced", "Rows kept", "Days"]
    app.checkbox(key="append_keep_query").check().run()
    app.button(key="append_button").click().run()
    assert not app.exception
    info = Workspace().get("shop")
    assert info.date_max >= CUT and any("now has" in s.value for s in app.success)
    assert Workspace().preferences("shop", "sales source")["url_env"] == "SHOP_DB"
    app.button(key="append_ask").click().run()  # the same week again: in the dataset already
    assert not app.exception and any("Nothing changed" in i.value for i in app.info)
    assert "Rows added" not in [m.label for m in app.metric]
