"""AppTest for the learned recommenders on the Recommendations page: basket rules with their
three numbers and a tunable minimum support, a basket file without customers, the new
algorithms in the list, and every registry algorithm in the evaluation."""

from streamlit.testing.v1 import AppTest

from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.recommend.registry import RECOMMENDERS
from tests.conftest import ROOT
from tests.test_recommend_learning import basket_file


def open_page(select: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.run()
    if select:
        app.selectbox(key="dataset_name").set_value(select)  # the sidebar's choice, as a person makes it
    app.switch_page("app_pages/recommendations.py").run()
    assert not app.exception
    return app


def table_with(app: AppTest, column: str, without: str | None = None):
    return next(d.value for d in app.dataframe if column in d.value.columns and without not in d.value.columns)


def test_rules_follow_the_minimum_support_and_a_whole_basket(app_env):
    app = open_page()
    rules = table_with(app, "rule_lift", "antecedent_name")
    assert {"baskets", "support", "confidence", "rule_lift"} <= set(rules.columns) and len(rules) == 10
    assert (rules["baskets"] >= 20).all() and rules["confidence"].is_monotonic_decreasing
    app.slider(key="rules_min_support").set_value(150).run()
    assert not app.exception
    fewer = table_with(app, "rule_lift", "antecedent_name")
    assert len(fewer) < 10 or (fewer["baskets"] >= 150).all()
    app.slider(key="rules_min_support").set_value(5).run()
    product = app.selectbox(key="rec_product").value
    second = app.selectbox(key="rec_product").options[1]
    app.multiselect(key="rec_basket").set_value([product, app.selectbox(key="rec_product").options[1]]).run()
    assert not app.exception
    basket = table_with(app, "antecedent_name")
    assert len(basket) == 10 and basket["product_id"].is_unique
    assert not {product, second} & set(basket["product_id"])


def test_a_basket_list_without_customers_shows_the_rules(app_env, tmp_path):
    path = tmp_path / "bakery.csv"
    basket_file(path)
    import_file(Workspace(app_env), path, "bakery")
    app = open_page(select="bakery")
    assert "no customer column" in app.info[0].value
    rules = table_with(app, "rule_lift", "antecedent_name")
    assert len(rules) > 0 and not app.tabs  # only the rules: no per-customer tabs
    app.slider(key="rules_min_support").set_value(200).run()
    assert not app.exception
    assert "lower 'Minimum baskets together'" in app.info[-1].value


def test_the_learned_algorithms_recommend_with_reasons(app_env):
    app = open_page()
    for algorithm in ["ease", "next-basket", "rules"]:
        app.selectbox(key="rec_algorithm").set_value(algorithm).run()
        assert not app.exception, algorithm
        ranking = table_with(app, "reasons")
        assert len(ranking) == 10 and ranking["reasons"].str.len().gt(0).all(), algorithm
    app.selectbox(key="rec_algorithm").set_value("ease").run()
    before = table_with(app, "reasons")
    app.slider(key="rec_ease_l2").set_value(20.0).run()
    assert not app.exception
    assert not before[["product_id", "score"]].equals(table_with(app, "reasons")[["product_id", "score"]])


def test_the_evaluation_lists_every_registry_algorithm(app_env):
    app = open_page()
    # discovery by default: buy again, which only ranks the customer's own products, takes no part
    assert app.multiselect(key="eval_algorithms").value == [n for n in RECOMMENDERS.names if n != "buy-again"]
    app.multiselect(key="eval_algorithms").set_value(["ease", "next-basket", "rules"])
    app.button(key="eval_run").click().run()
    assert not app.exception
    table = table_with(app, "ndcg")
    assert table["algorithm"].tolist() == [RECOMMENDERS.label(n) for n in ("popularity", "ease", "next-basket",
                                                                           "rules")]
