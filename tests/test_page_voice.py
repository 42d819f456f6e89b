"""AppTest for the Customer voice page: a messages dataset's topics, trend, products, unhappy list and answer
helper; widgets change the results; a sales dataset is pointed elsewhere and sales pages refuse messages."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from tests.conftest import ROOT
from tests.feedback_data import messages, sales_for


def add_messages(tmp_path, n: int = 400) -> None:
    path = tmp_path / "tickets.csv"
    frame = messages(n, seed=0)
    frame.to_csv(path, index=False)
    workspace = Workspace()
    import_file(workspace, str(path), "tickets")
    sales = tmp_path / "sales.csv"
    sales_for(frame).to_csv(sales, index=False)
    import_file(workspace, str(sales), "shop sales")


def open_page(dataset: str = "tickets") -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.selectbox(key="dataset_name").set_value(dataset)  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/voice.py").run()
    assert not app.exception
    return app


def frame_with(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_topics_unhappy_list_and_answer_helper(app_env, tmp_path):
    add_messages(tmp_path)
    app = open_page()
    assert any("400 messages" in c.value for c in app.caption)
    tiles = {m.label: m.value for m in app.metric}
    assert any("Told from the words by: Learned from the ratings" in c.value for c in app.caption)
    assert float(tiles["AUC on unseen messages"]) > 0.85 and int(tiles["Rated unhappy"].replace(",", "")) > 0
    rated = int(tiles["Rated unhappy"].replace(",", ""))
    assert any(f"{rated:,} rated unhappy (2 stars or fewer of 5)" in c.value for c in app.caption)
    act_first = frame_with(app, "unhappy_probability")
    assert len(act_first) > 0 and (act_first["unhappy_probability"] >= 0.5).all()
    assert len(frame_with(app, "top_topics")) == 6  # six products
    assert len(app.expander) >= 4  # settings and three topics or more
    app.text_area(key="fb_new_message").set_value("my parcel never arrived, where is the courier").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Most likely intent"] == "delivery"
    assert len(app.code) == 3 and all("courier" in c.value for c in app.code)


def test_widgets_change_the_models_and_the_sales_join(app_env, tmp_path):
    add_messages(tmp_path)
    app = open_page()
    app.selectbox(key="fb_unhappy_model").set_value("lexicon").run()
    assert not app.exception
    assert any("Told from the words by: Word list (VADER)" in c.value for c in app.caption)
    app.number_input(key="fb_t_n_topics").set_value(3).run()
    assert not app.exception and any("3 topics" in c.value for c in app.caption)
    app.selectbox(key="fb_sales").set_value("shop sales").run()
    assert not app.exception
    complaints = frame_with(app, "complaints_recent")
    assert "P3" in set(complaints.loc[complaints["flagged"], "product_id"])


def test_a_sales_dataset_is_pointed_to_the_data_page_and_sales_pages_refuse_messages(app_env, tmp_path):
    add_messages(tmp_path)
    app = open_page("shop sales")
    assert any("Choose a customer messages dataset" in i.value for i in app.info)
    app = open_page()
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception and any("holds customer messages, not sales" in i.value for i in app.info)
