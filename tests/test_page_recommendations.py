"""AppTest for the Recommendations page: the list, its reasons and accuracy follow the widgets."""

from streamlit.testing.v1 import AppTest

from retail.data.ingest import SAMPLE_NAME, import_file
from retail.data.workspace import Workspace
from tests.conftest import ROOT


def open_page(select: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.run()
    if select:
        app.selectbox(key="dataset_name").set_value(select)  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/recommendations.py").run()
    assert not app.exception
    return app


def ranking(app: AppTest):
    return next(d.value for d in app.dataframe if "reasons" in d.value.columns)


def test_ranking_with_reasons_and_history(app_env):
    app = open_page()
    table = ranking(app)
    assert len(table) == 10 and table["reasons"].str.len().gt(0).all()
    assert table["rank"].tolist() == list(range(1, 11))
    history = next(d.value for d in app.dataframe if "order_id" in d.value.columns)
    assert len(history) > 0
    bought = set(history["product_id"])
    assert not bought & set(table["product_id"])  # purchased products hidden by default


def test_the_page_opens_on_the_hybrid_the_evaluation_favours(app_env):
    app = open_page()
    assert app.selectbox(key="rec_algorithm").value == "hybrid"


def test_changing_k_and_similarity_reranks(app_env):
    app = open_page()
    app.selectbox(key="rec_algorithm").set_value("item-knn").run()
    before = ranking(app)
    app.slider(key="rec_item-knn_k").set_value(3).run()
    assert not app.exception
    after_k = ranking(app)
    assert not before[["product_id", "score"]].equals(after_k[["product_id", "score"]])
    app.selectbox(key="rec_item-knn_similarity").set_value("cosine").run()
    assert not after_k[["product_id", "score"]].equals(ranking(app)[["product_id", "score"]])


def test_switch_algorithms(app_env):
    app = open_page()
    for algorithm in ["popularity", "buy-again", "content", "hybrid", "user-knn", "trending"]:
        app.selectbox(key="rec_algorithm").set_value(algorithm).run()
        assert not app.exception, algorithm
        assert len(ranking(app)) == 10
    app.selectbox(key="rec_algorithm").set_value("buy-again").run()
    history = next(d.value for d in app.dataframe if "order_id" in d.value.columns)
    table, bought = ranking(app), set(history["product_id"])
    own = table[table["score"] > 0]  # buy-again ranks the customer's own products first
    assert set(own["product_id"]) <= bought and len(own) == min(10, len(bought))
    assert own.index.tolist() == list(range(len(own)))


def test_bought_together_and_evaluation(app_env):
    app = open_page()
    similar = next(d.value for d in app.dataframe if "co_buyers" in d.value.columns)
    assert len(similar) == 10 and (similar["co_buyers"] > 0).all()
    assert "buy again" not in app.multiselect(key="eval_algorithms").options  # discovery: it only repeats popularity
    app.multiselect(key="eval_algorithms").set_value(["popularity", "item-knn"])
    app.button(key="eval_run").click().run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "ndcg" in d.value.columns and "algorithm" in d.value.columns)
    assert table["algorithm"].tolist() == ["popularity", "item-based kNN"]
    assert table.loc[0, "vs_popularity"] == 1.0
    assert len(app.get("plotly_chart")) >= 2  # metric bars and the k sweep


def test_dataset_without_customers_says_so(app_env, tmp_path):
    no_customers = tmp_path / "no_customers.csv"
    no_customers.write_text("Date,SKU,Qty\n2011-01-01,A,1\n2011-01-02,B,2\n")
    import_file(Workspace(app_env), no_customers, "no customers")
    app = open_page(select="no customers")
    assert "learn from who bought what" in app.info[0].value and "customer" in app.info[0].value


def test_evaluation_without_evaluable_customers_explains(app_env, tmp_path):
    one_customer = tmp_path / "one_customer.csv"
    days = [f"2014-01-{d:02d}" for d in range(1, 29)] + [f"2014-02-{d:02d}" for d in range(1, 29)]
    one_customer.write_text("Date,SKU,Customer,Qty\n" + "\n".join(f"{d},{'ABC'[i % 3]},c1,1" for i, d in
                                                                  enumerate(days)) + "\n")
    import_file(Workspace(app_env), one_customer, "one customer")
    app = open_page(select="one customer")
    assert "bought every product" in app.info[0].value  # 3 products, all bought: nothing hidden-left
    app.button(key="eval_run").click().run()
    assert not app.exception
    assert "No customer can be evaluated" in app.error[0].value


def test_the_best_sweep_setting_is_kept_with_the_dataset(app_env):
    app = open_page()
    app.button(key="eval_run").click().run()
    app.multiselect(key="sweep_k").set_value([5, 20]).run()
    apply = app.button(key="sweep_apply")
    assert apply.label.startswith("Use ") and not app.exception
    apply.click().run()
    assert not app.exception and not app.warning
    kept = Workspace(app_env).preferences(SAMPLE_NAME, "recommend:item-knn")
    assert kept["k"] in (5, 20) and kept["similarity"] in ("cosine", "pearson", "jaccard")
    app.selectbox(key="rec_algorithm").set_value("item-knn").run()
    assert app.slider(key="rec_item-knn_k").value == kept["k"]
    fresh = open_page()  # another session starts from the kept setting
    fresh.selectbox(key="rec_algorithm").set_value("item-knn").run()
    assert fresh.slider(key="rec_item-knn_k").value == kept["k"]
    assert fresh.selectbox(key="together_similarity").value == kept["similarity"]


def test_the_evaluations_best_list_can_be_the_one_the_page_opens_on(app_env):
    app = open_page()
    app.multiselect(key="eval_algorithms").set_value(["item-knn"])
    app.button(key="eval_run").click().run()
    table = next(d.value for d in app.dataframe if "ndcg" in d.value.columns and "algorithm" in d.value.columns)
    assert table["ndcg"].iloc[1] > table["ndcg"].iloc[0]  # item-kNN beats popularity on the sample
    keep = app.button(key="eval_keep_first")
    assert "item-based kNN" in keep.label
    keep.click().run()
    assert not app.exception
    assert Workspace(app_env).preferences(SAMPLE_NAME, "recommend:shown-first") == {"algorithm": "item-knn"}
    assert app.selectbox(key="rec_algorithm").value == "item-knn"
    assert open_page().selectbox(key="rec_algorithm").value == "item-knn"  # the next session opens on it
