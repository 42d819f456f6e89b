"""AppTest for the shell, the Data page and the Overview page."""

import datetime as dt
import json

from streamlit.testing.v1 import AppTest

from retail.data.ingest import SAMPLE_NAME
from retail.data.workspace import Workspace
from tests.conftest import ROOT

TIMEOUT = 120


def start(page: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    if page:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception
    return app


def test_app_starts_with_sample_loaded_and_picker(app_env):
    app = start()
    picker = app.sidebar.selectbox(key="dataset_name")
    assert picker.value == SAMPLE_NAME
    assert [m.label for m in app.metric] == ["Revenue", "Units sold", "Orders", "Customers", "Average order value"]
    assert app.title[0].value == "Sales overview"


def test_first_view_draws_figures_then_charts_on_the_browsers_signal(app_env):
    """A session's first view of the Overview: tiles and the signal that asks for the run with the charts
    (the browser sends it once it has painted them); that run, or any later one, draws the charts."""
    app = start()
    assert len(app.metric) == 5 and not app.get("plotly_chart") and not app.dataframe
    assert [e.key for e in app.main if type(e).__name__ == "UnknownElement"] == ["overview_paint_signal"]
    assert any(c.value == "Drawing the charts…" for c in app.caption)
    app.run()  # what the signal starts
    assert not app.exception
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    assert titles[0] == "Revenue per week" and "Top 10 products by revenue" in titles
    assert app.dataframe and not any(c.value == "Drawing the charts…" for c in app.caption)


def test_overview_numbers_follow_filters(app_env):
    app = start()
    revenue = app.metric[0].value
    app.segmented_control(key="overview_measure").set_value("units").run()
    assert not app.exception
    stores = app.multiselect(key="overview_stores")
    app.multiselect(key="overview_stores").set_value([stores.options[-1]]).run()
    assert not app.exception
    assert app.metric[0].value != revenue  # one small country has less revenue than all
    app.segmented_control(key="overview_freq").set_value("D").run()
    assert not app.exception


def test_overview_marks_partial_weeks_compares_last_year_and_narrows_to_products(app_env):
    app = start().run()  # the second run draws the charts and their notes
    # the default period starts on a Monday and ends on the data's last day, Friday 9 Dec 2011
    assert any("last week (05 Dec 2011) is only partly in the period" in c.value for c in app.caption)
    units = app.metric[1].value
    products = app.multiselect(key="overview_products")
    app.multiselect(key="overview_products").set_value(products.options[:1]).run()
    assert not app.exception and app.metric[1].value != units
    linked = app.query_params["product"]
    assert f"({linked[0] if isinstance(linked, list) else linked})" in products.options[0]  # shown "NAME (code)"
    app.selectbox(key="overview_compare").set_value("last_year").run()
    assert not app.exception  # the sample starts in Dec 2010: no change is shown against a year before
    assert all(m.delta in (None, "") for m in app.metric)
    assert any(b.label == "Stakeholder report (HTML)" for b in app.get("download_button"))


def test_data_page_demo_file_validate_and_save(app_env):
    app = start("data")
    app.button(key="demo_file").click().run()
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows read"] == "663" and metrics["Rows kept"] == "660" and metrics["Rows dropped"] == "3"
    assert "Exact duplicate rows" in _rules_table(app)["check"].tolist()
    assert app.selectbox(key=next(k for k in _keys(app) if k.startswith("map_date_"))).value == "Sale Date"
    assert any("Order lines: one row = one line of an order" in info.value for info in app.info)
    assert app.selectbox(key="save_kind").value == "line_items" and app.selectbox(key="save_currency").value == "EUR"
    app.text_input(key="save_name").set_value("till export")
    app.button(key="save_button").click().run()
    assert not app.exception
    assert "Saved dataset 'till export' with 660 rows" in app.success[0].value
    assert Workspace(app_env).get("till export").rows == 660
    assert app.session_state["active_dataset"] == "till export"


def test_what_a_row_means_follows_a_remapping(app_env):
    """Unmapping the product columns makes the demo file store totals: the choice and its box follow."""
    app = start("data")
    app.button(key="demo_file").click().run()
    assert app.selectbox(key="save_kind").value == "line_items"
    for field in ("product_id", "product_name"):
        app.selectbox(key=next(k for k in _keys(app) if k.startswith(f"map_{field}_"))).set_value("(not in file)").run()
    assert not app.exception and app.selectbox(key="save_kind").value == "store_totals"
    assert any(info.value.startswith("Sales totals per store: one row") for info in app.info)
    app.selectbox(key="save_kind").set_value("line_items").run()  # a manual choice is kept, and described
    assert any(info.value.startswith("Order lines: one row") for info in app.info)
    rules = next(d for d in app.dataframe if "check" in d.value.columns)
    assert not any("marked '" in action for action in rules.value["what was done"])


def test_data_page_mapping_change_revalidates(app_env):
    app = start("data")
    app.button(key="demo_file").click().run()
    quantity_key = next(k for k in _keys(app) if k.startswith("map_quantity_"))
    app.selectbox(key=quantity_key).set_value("(not in file)").run()
    assert not app.exception
    assert any("No quantity column" in c for c in _rules_table(app)["check"])
    date_key = next(k for k in _keys(app) if k.startswith("map_date_"))
    app.selectbox(key=date_key).set_value("(not in file)").run()
    assert "no column is mapped to 'date'" in app.error[0].value


def test_datasets_tab_rename_and_delete_say_what_they_did_and_one_tick_deletes_one_dataset(app_env, tmp_path):
    path = tmp_path / "kiosk.csv"
    path.write_text("Date,Product,Units\n2024-01-01,apple,2\n2024-01-02,pear,3\n")
    from retail.data.ingest import import_file

    import_file(Workspace(app_env), path, "kiosk")
    app = start("data")
    table = next(d.value for d in app.dataframe if "What a row is" in d.value.columns)
    assert set(table["Name"]) == {SAMPLE_NAME, "kiosk"} and "None" not in table.astype(str).to_numpy()
    app.selectbox(key="rename_old").set_value(SAMPLE_NAME)
    app.text_input(key="rename_new").set_value("Renamed sample")
    _submit(app, "rename")
    assert not app.exception
    assert "Renamed 'Online Retail" in app.success[0].value and app.text_input(key="rename_new").value == ""
    assert sorted(d.name for d in Workspace(app_env).list_datasets()) == ["Renamed sample", "kiosk"]
    app.selectbox(key="delete_name").set_value("Renamed sample")
    _submit(app, "delete")
    assert app.warning and "Tick the box" in app.warning[0].value
    app.checkbox(key="delete_sure").check()
    _submit(app, "delete")
    assert "Moved 'Renamed sample' to the trash" in app.success[0].value
    assert [d.name for d in Workspace(app_env).list_datasets()] == ["kiosk"]
    assert app.checkbox(key="delete_sure").value is False  # unticked: a second click asks again
    _submit(app, "delete")
    assert "Tick the box" in app.warning[0].value and [d.name for d in Workspace(app_env).list_datasets()] == ["kiosk"]


def _submit(app: AppTest, form: str) -> None:
    next(b for b in app.button if b.form_id == form).click().run()


def _rules_table(app: AppTest):
    return next(d.value for d in app.dataframe if "check" in d.value.columns)


def _keys(app: AppTest) -> list[str]:
    return [w.key for w in app.selectbox if w.key]


def test_store_level_dataset_on_every_page(app_env, tmp_path):
    """A store x day sales file (no product, no customer) works everywhere it makes sense."""
    lines = ["Store,Date,Sales,Promo"] + [f"{store},2014-{month:02d}-{day:02d},{1000 * store + day},{day % 2}"
                                         for store in (1, 2) for month in (1, 2, 3) for day in range(1, 29)]
    path = tmp_path / "stores.csv"
    path.write_text("\n".join(lines) + "\n")
    from retail.data.ingest import import_file

    import_file(Workspace(app_env), path, "stores")
    for page in ("overview", "forecast", "recommendations", "data"):
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        app.run()
        app.selectbox(key="dataset_name").set_value("stores")  # the sidebar's choice, as a person makes it
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, page
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.selectbox(key="dataset_name").set_value("stores")  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/forecast.py").run()
    assert app.selectbox(key="fc_level").options == ["all sales", "store"]
    app.selectbox(key="fc_level").set_value("store")
    app.selectbox(key="fc_freq").set_value("D")
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert not app.exception and "Run 1: 2 series, daily" in app.success[0].value
    outlook = next(d.value for d in app.dataframe if "low" in d.value.columns)
    assert list(outlook.columns) == ["series_id", "forecast", "low", "high"]  # no price, value or name per store
    accuracy = next(d.value for d in app.dataframe if "wape" in d.value.columns and "actual" in d.value.columns)
    assert "name" not in accuracy.columns


def test_basket_list_without_prices_or_quantities(app_env, tmp_path):
    """Member_number, Date, itemDescription (a grocery basket list): units, not revenue, by default."""
    rows = [f"{1000 + i % 40},{1 + i % 28:02d}-{1 + (i // 28) % 12:02d}-2015,item {i % 9}" for i in range(900)]
    path = tmp_path / "groceries.csv"
    path.write_text("Member_number,Date,itemDescription\n" + "\n".join(rows) + "\n")
    from retail.data.ingest import import_file

    import_file(Workspace(app_env), path, "groceries")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.selectbox(key="dataset_name").set_value("groceries")  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception
    assert app.segmented_control(key="overview_measure_units").options == ["Items sold"]
    assert not app.toggle  # no "Gross sales" switch: nothing in a basket list is undone later
    app.switch_page("app_pages/forecast.py").run()
    assert app.selectbox(key="fc_target").value == "units"
    app.selectbox(key="fc_freq").set_value("W")
    next(b for b in app.button if b.form_id == "forecast_settings").click().run()
    assert not app.exception and not app.error
    app.switch_page("app_pages/recommendations.py").run()
    assert not app.exception
    if "bought every product" not in " ".join(i.value for i in app.info):
        assert len(next(d.value for d in app.dataframe if "reasons" in d.value.columns)) > 0
    app.toggle(key="rec_exclude_hybrid").set_value(False).run()  # with bought products, never empty
    assert not app.exception
    assert len(next(d.value for d in app.dataframe if "reasons" in d.value.columns)) == 9


def test_url_keeps_the_dataset_and_filters(app_env):
    """A reload or a shared link (query parameters) opens the same dataset, period, stores and trend."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["period"] = "2011-10-03..2011-10-30"
    app.query_params["by"] = "D"
    app.run()
    assert not app.exception
    assert app.date_input(key="overview_period").value == (dt.date(2011, 10, 3), dt.date(2011, 10, 30))
    assert app.segmented_control(key="overview_freq").value == "D"
    assert app.query_params["dataset"] in (SAMPLE_NAME, [SAMPLE_NAME])
    app.segmented_control(key="overview_freq").set_value("M").run()
    assert app.query_params["by"] in ("M", ["M"])
    broken = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    broken.query_params["period"] = "not a date"
    broken.query_params["dataset"] = "no such dataset"
    broken.run()
    assert not broken.exception and broken.sidebar.selectbox(key="dataset_name").value == SAMPLE_NAME


def test_the_overview_keeps_its_view_per_dataset_across_pages_and_switches(app_env, tmp_path):
    """Back from another page the Overview shows what it showed; another dataset opens on its own period
    (not the last one's squeezed into its dates), and coming back to the first brings its view back."""
    path = tmp_path / "kiosk.csv"
    path.write_text("Date,Product,Units,Price\n" + "".join(
        f"2024-01-{day:02d},apple,{day},1.5\n" for day in range(1, 29)))
    from retail.data.ingest import import_file

    import_file(Workspace(app_env), path, "kiosk")
    app = start()
    app.date_input(key="overview_period").set_value((dt.date(2011, 10, 3), dt.date(2011, 10, 30))).run()
    app.segmented_control(key="overview_freq").set_value("M").run()
    app.switch_page("app_pages/forecast.py").run()
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception
    assert app.date_input(key="overview_period").value == (dt.date(2011, 10, 3), dt.date(2011, 10, 30))
    assert app.segmented_control(key="overview_freq").value == "M"
    app.sidebar.selectbox(key="dataset_name").set_value("kiosk").run()
    assert not app.exception
    assert app.date_input(key="overview_period").value == (dt.date(2024, 1, 1), dt.date(2024, 1, 28))
    assert app.query_params["period"] in ("2024-01-01..2024-01-28", ["2024-01-01..2024-01-28"])
    app.sidebar.selectbox(key="dataset_name").set_value(SAMPLE_NAME).run()
    assert app.date_input(key="overview_period").value == (dt.date(2011, 10, 3), dt.date(2011, 10, 30))


def test_help_page_explains_the_words(app_env):
    app = start("help")
    text = " ".join(m.value for m in app.markdown)
    assert "weighted absolute percentage error" in text and "item-based kNN" in text
    assert "NDCG@K" in text and "seasonal naive" in text
    assert "MinT (shrinkage)" in text and "listing / delisting" in text  # reconciliation methods, reasons to adjust


def test_help_has_contents_search_and_each_page_links_to_its_section(app_env):
    app = start("help")
    headers = [h.value for h in app.header]
    assert headers[:4] == ["This week", "Overview", "Forecast", "Recommendations"] and "Other terms" not in headers
    contents = next(m.value for m in app.markdown if m.value.startswith("**Contents:**"))
    assert "[Forecast](#forecast)" in contents and "[Pricing and promotions](#pricing)" in contents
    app.text_input(key="help_search").set_value("qini").run()
    assert [h.value for h in app.header] == ["Experiments"]
    assert any(m.value.startswith("**Targeting quality**") and "Qini" in m.value for m in app.markdown)
    app.text_input(key="help_search").set_value("no such word anywhere").run()
    assert "Nothing in the help mentions" in app.info[0].value
    linked = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    linked.query_params["section"] = "pricing"
    linked.run()
    linked.switch_page("app_pages/help.py").run()
    assert linked.header[0].value == "Pricing and promotions"  # the page the user came from comes first
    for page in ("this_week", "overview", "forecast", "recommendations", "replenishment", "pricing", "customers",
                 "experiments", "voice", "data"):
        links = [link for link in start(page).get("page_link")]
        assert any(link.proto.page == "help" and link.proto.query_string == "section=" + page
                   for link in links), page


def test_excel_opens_on_the_table_and_rematches_columns_per_sheet(app_env, tmp_path):
    import io

    import pandas as pd

    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["Exported from the till", "Week 48", "Call Sam"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"Date": ["2024-01-01", "2024-01-02", "2024-01-03"], "SKU": ["A", "B", "A"],
                      "Qty": [3, 1, 2]}).to_excel(writer, sheet_name="Sales", index=False)
        pd.DataFrame({"Day": ["2024-02-01", "2024-02-02", "2024-02-03"], "Article": ["A", "B", "C"],
                      "Menge": [1, 1, 2]}).to_excel(writer, sheet_name="February", index=False)
    app = start("data")
    app.session_state["upload"] = {"data": book.getvalue(), "name": "book.xlsx", "key": "book"}
    app.run()
    assert not app.exception and not app.error
    assert app.selectbox(key="sheet_book").value == "Sales"
    assert app.selectbox(key="map_date_book_Sales").value == "Date"
    app.selectbox(key="sheet_book").set_value("February").run()
    assert not app.exception
    assert app.selectbox(key="map_date_book_February").value == "Day"
    assert app.selectbox(key="map_quantity_book_February").value == "Menge"


def test_the_app_runs_on_a_team_server_database(postgres_url, small_sample_file, monkeypatch):
    """With RETAIL_DATABASE_URL the whole workspace (the sample too) lives on PostgreSQL."""
    monkeypatch.setenv("RETAIL_DATABASE_URL", postgres_url)
    monkeypatch.setenv("RETAIL_SAMPLE_FILE", str(small_sample_file))
    app = start()
    assert [m.label for m in app.metric][:2] == ["Revenue", "Units sold"] and app.metric[0].value.startswith("£")
    assert Workspace(url=postgres_url).get(SAMPLE_NAME).rows > 1000


def test_store_totals_overview_speaks_of_sales_per_store(app_env, tmp_path):
    """One word for the money everywhere (tiles, measure, charts), no Gross switch that changes nothing,
    no "store / country", and a plain sentence when there is no last year to compare with."""
    from retail.data.ingest import import_file
    from tests.rossmann_data import write_store_days

    import_file(Workspace(app_env), write_store_days(tmp_path / "rossmann.csv", days=200), "rossmann")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.session_state["pending_dataset_name"] = "rossmann"
    app.run().run()  # the second run draws the charts
    assert not app.exception
    assert [m.label for m in app.metric][0] == "Sales" and not app.toggle
    assert next(c for c in app.segmented_control if c.label == "Measure").options == ["Sales"]
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in app.get("plotly_chart")]
    assert "Sales per week" in titles and "Sales by store (top 15)" in titles
    assert not any("Revenue" in title or "store / country" in title for title in titles)
    assert app.multiselect(key="overview_stores").label == "Stores"
    assert all(len(m.value) <= 9 for m in app.metric)  # tiles fit
    app.selectbox(key="overview_compare").set_value("last_year").run()
    assert any("nothing to compare with for the same period last year" in i.value for i in app.info)


SHARE_SLIDERS = ("Target service level", "Probability of buying", "Held out", "Share of the customers",
                 "Share sent at random", "Largest price change")


def test_shares_read_as_percentages_on_every_slider(app_env):
    """A service level of 95%, a held-out share of 30%: no slider between 0 and 1 shows 0.95."""
    for page in ("replenishment", "customers", "experiments"):
        app = start(page)
        shares = [s for s in app.slider if s.label in SHARE_SLIDERS]
        assert shares, page
        assert all(s.proto.format == "percent" for s in shares), (page, [(s.label, s.proto.format) for s in shares])
