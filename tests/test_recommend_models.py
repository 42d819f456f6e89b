"""Every recommender runs the same shared tests (the mixin), plus known-answer checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from retail.data import schema
from retail.errors import NotFittedError
from retail.recommend import (
    BuyAgain,
    Content,
    Hybrid,
    InteractionSettings,
    ItemKNN,
    Popularity,
    Trending,
    UserKNN,
    build_interactions,
    make_recommender,
)
from retail.recommend.ranking import tie_order, top_n
from retail.recommend.registry import RECOMMENDERS
from tests.recommend_data import canonical, checkerboard, random_frame


@pytest.fixture(scope="module")
def data():
    return build_interactions(random_frame(seed=3))


class RecommenderContract:
    """Shared tests: subclasses set ``make`` (a factory of an unfitted recommender)."""

    make = staticmethod(Popularity)

    @pytest.fixture
    def model(self, data):
        return self.make().fit(data)

    def test_fit_returns_self(self, data) -> None:
        model = self.make()
        assert model.fit(data) is model
        assert hasattr(model, "interactions_")

    def test_recommend_before_fit_raises(self) -> None:
        with pytest.raises(NotFittedError, match="call fit"):
            self.make().recommend("c1")

    def test_recommend_frame_shape_and_order(self, model) -> None:
        result = model.recommend("c1", n=5)
        assert list(result.columns) == ["rank", "product_id", "product_name", "score", "reasons"]
        assert len(result) == 5
        assert result["product_id"].is_unique
        assert (np.diff(result["score"].to_numpy()) <= 1e-12).all()
        assert all(isinstance(r, str) and r for r in result["reasons"])

    def test_purchased_items_excluded_when_asked(self, model, data) -> None:
        bought = set(data.product_ids[data.history(data.customer_position("c1"))])
        result = model.recommend("c1", n=10, exclude_purchased=True)
        assert not bought & set(result["product_id"])

    def test_unknown_customer_is_a_clear_error(self, model) -> None:
        with pytest.raises(ValueError, match="Unknown customer id 'nobody'"):
            model.recommend("nobody")

    def test_customer_without_history_gets_popularity(self) -> None:
        frame = random_frame(seed=4)
        ghost = frame.iloc[[0]].assign(customer_id="ghost", line_type=schema.RETURN)
        data = build_interactions(pd.concat([frame, ghost], ignore_index=True))
        result = self.make().fit(data).recommend("ghost", n=3)
        assert list(result["product_id"]) == list(data.product_ids[tie_order(data.popularity())[:3]])
        assert result["reasons"].str.contains("no purchase history").all()

    def test_deterministic(self, data) -> None:
        first = self.make().fit(data).recommend("c2", n=8)
        second = self.make().fit(data).recommend("c2", n=8)
        pd.testing.assert_frame_equal(first, second)

    def test_batch_equals_single(self, model, data) -> None:
        users = np.array([data.customer_position(c) for c in ("c1", "c2", "c5")])
        batch = model.recommend_indices(users, n=6, exclude_purchased=True)
        for row, customer in zip(batch, ("c1", "c2", "c5"), strict=True):
            single = model.recommend(customer, n=6, exclude_purchased=True)
            assert list(data.product_ids[row[row >= 0]]) == list(single["product_id"])

    def test_similar_items(self, model, data) -> None:
        product = data.product_ids[0]
        similar = model.similar_items(product, n=4)
        assert product not in set(similar["product_id"])
        assert len(similar) <= 4 and {"similarity", "co_buyers"} <= set(similar.columns)
        with pytest.raises(ValueError, match="Unknown product id 'zzz'"):
            model.similar_items("zzz")

    def test_unknown_setting_is_a_clear_error(self, model) -> None:
        with pytest.raises(ValueError, match="has no setting"):
            model.recommend("c1", bogus=1)

    def test_call_settings_leave_the_model_unchanged(self, model) -> None:
        """Scoring is pure: another setting for one call changes nothing for the next call."""
        before = model.recommend("c2", n=6)
        params = model.get_params()
        for name, value in _other_values(model).items():
            model.recommend("c2", n=6, **{name: value})
        assert model.get_params() == params
        pd.testing.assert_frame_equal(model.recommend("c2", n=6), before)


class TestPopularity(RecommenderContract):
    make = staticmethod(Popularity)


class TestTrending(RecommenderContract):
    make = staticmethod(Trending)


class TestBuyAgain(RecommenderContract):
    make = staticmethod(BuyAgain)


class TestItemKNN(RecommenderContract):
    make = staticmethod(lambda: ItemKNN(k=5, shrinkage=2.0))


class TestUserKNN(RecommenderContract):
    make = staticmethod(lambda: UserKNN(k=5))


class TestContent(RecommenderContract):
    make = staticmethod(Content)


class TestContentLDA(RecommenderContract):
    make = staticmethod(lambda: Content(text_model="lda", n_topics=3))


class TestHybrid(RecommenderContract):
    make = staticmethod(Hybrid)


def test_registry_names() -> None:
    assert RECOMMENDERS.names == ("popularity", "trending", "buy-again", "item-knn", "user-knn", "content", "ease",
                                  "next-basket", "rules", "hybrid")
    with pytest.raises(ValueError, match="Unknown algorithm 'als'"):
        make_recommender("als")


@pytest.mark.parametrize("name", ["item-knn", "user-knn"])
@pytest.mark.parametrize("similarity", ["cosine", "pearson", "jaccard"])
def test_checkerboard_held_back_item_ranks_first(name: str, similarity: str) -> None:
    data = build_interactions(checkerboard())
    model = make_recommender(name, similarity=similarity, k=3).fit(data)
    assert model.recommend("c0", n=3)["product_id"].iat[0] == "A3"
    assert Popularity().fit(data).recommend("c0", n=1)["product_id"].iat[0] != "A3"


def test_item_knn_reasons_name_the_contributing_products() -> None:
    data = build_interactions(checkerboard())
    result = ItemKNN(k=3).fit(data).recommend("c0", n=1)
    assert result["reasons"].iat[0].startswith("because you bought product A")


def test_user_knn_reason_counts_similar_customers() -> None:
    data = build_interactions(checkerboard())
    result = UserKNN(k=4).fit(data).recommend("c0", n=1)
    assert result["reasons"].iat[0] == "bought by 4 of your 4 most similar customers"


def test_changing_k_reranks_without_refit() -> None:
    data = build_interactions(random_frame(seed=5, n_products=60, n_lines=1500))
    model = ItemKNN(k=50, shrinkage=0.0).fit(data)
    raw = model.raw_similarity()
    small = model.recommend("c3", n=10, k=1)
    assert model.raw_similarity() is raw  # no refit
    fresh = ItemKNN(k=1, shrinkage=0.0).fit(data).recommend("c3", n=10)
    pd.testing.assert_frame_equal(small, fresh)
    assert not model.recommend("c3", n=10, k=50)["product_id"].equals(small["product_id"])


def test_ties_broken_by_popularity_then_index() -> None:
    scores = np.array([[1.0, 2.0, 2.0, 2.0, 0.0]])
    order = tie_order(np.array([5.0, 1.0, 3.0, 1.0, 9.0]))
    assert list(top_n(scores, 4, order)[0]) == [2, 1, 3, 0]
    assert list(top_n(scores, 7, order)[0]) == [2, 1, 3, 0, 4, -1, -1]


def test_top_n_excludes_and_pads() -> None:
    import scipy.sparse as sp
    scores = np.array([[3.0, 2.0, 1.0]])
    got = top_n(scores, 3, np.arange(3), sp.csr_matrix(np.array([[1, 0, 1]])))
    assert list(got[0]) == [1, -1, -1]


def test_buy_again_prefers_frequent_and_recent() -> None:
    rows = [("a", "old", "2024-01-01", "1"), ("a", "old", "2024-01-02", "2"), ("a", "new", "2024-03-01", "3"),
            ("a", "freq", "2024-02-20", "4"), ("a", "freq", "2024-02-25", "5"), ("a", "freq", "2024-03-01", "6")]
    data = build_interactions(canonical(rows))
    result = BuyAgain(half_life_days=30, repeat_weight=0.0).fit(data).recommend("a", n=3)
    assert list(result["product_id"]) == ["freq", "new", "old"]
    assert result["reasons"].iat[0] == "you bought it 3 times, last on 2024-03-01"


def test_trending_window() -> None:
    rows = [(f"c{i}", "evergreen", "2024-01-01", f"o{i}") for i in range(5)]
    rows += [(f"c{i}", "hot", "2024-03-01", f"h{i}") for i in range(3)]
    data = build_interactions(canonical(rows))
    assert Trending(window_days=10).fit(data).recommend("c0", n=1, exclude_purchased=False)["product_id"].iat[0] == "hot"
    assert Popularity().fit(data).recommend("c0", n=1, exclude_purchased=False)["product_id"].iat[0] == "evergreen"
    with pytest.raises(ValueError, match=r"\(window_days\) must be >= 1"):
        Trending(window_days=0).fit(data)
    with pytest.raises(ValueError, match=r"\(window_days\) must be a whole number"):
        Trending().fit(data).recommend("c0", window_days=2.5)


def test_content_recommends_cold_items() -> None:
    frame = canonical([("a", "1", "2024-01-01", "o1"), ("b", "2", "2024-01-01", "o2"), (None, "3", "2024-01-02", "o3")])
    frame[schema.PRODUCT_NAME] = ["red garden gnome", "blue kitchen mug", "red garden gnome large"]
    data = build_interactions(frame)
    assert data.popularity()[data.product_position("3")] == 0  # nobody identified bought it
    result = Content().fit(data).recommend("a", n=1)
    assert result["product_id"].iat[0] == "3"
    assert "red garden gnome" in result["reasons"].iat[0]


@pytest.mark.parametrize("names", [["A", "B", "C"], ["red mug", "blue jug", "green pot"]])
@pytest.mark.parametrize("text_model", ["tfidf", "lda"])
def test_content_without_usable_words_scores_nothing_instead_of_failing(names, text_model) -> None:
    frame = canonical([("a", "1", "2024-01-01", "o1"), ("b", "2", "2024-01-01", "o2"), ("b", "3", "2024-01-02", "o3")])
    frame[schema.PRODUCT_NAME] = frame[schema.PRODUCT_ID].map(dict(zip("123", names, strict=True)))
    model = Content(text_model=text_model, n_topics=2).fit(build_interactions(frame))
    if text_model == "lda" or names[0] == "A":  # no word shared by two products / no word at all
        assert not model.scores(np.array([0, 1])).any()
    assert len(model.recommend("a", n=2)) == 2  # popularity order fills the list


def test_hybrid_weights_change_ranking_without_refit() -> None:
    data = build_interactions(random_frame(seed=6))
    model = Hybrid(weights={"item-knn": 1.0, "trending": 0.0}).fit(data)
    knn_only = model.recommend("c4", n=5)
    expected = ItemKNN().fit(data).recommend("c4", n=5)
    assert list(knn_only["product_id"]) == list(expected["product_id"])
    trend = model.recommend("c4", n=5, weights={"item-knn": 0.0, "trending": 1.0})
    assert list(trend["product_id"]) == list(Trending().fit(data).recommend("c4", n=5)["product_id"])
    narrow = model.recommend("c4", n=5, **{"item-knn__k": 2})
    assert list(narrow["product_id"]) == list(ItemKNN(k=2).fit(data).recommend("c4", n=5)["product_id"])
    assert model.components["item-knn"].k == 50  # a call's setting never sticks
    with pytest.raises(ValueError, match="All hybrid weights are 0"):
        model.recommend("c4", weights={"item-knn": 0.0})
    with pytest.raises(ValueError, match="not hybrid components"):
        model.recommend("c4", weights={"als": 1.0})
    with pytest.raises(ValueError, match="No hybrid component 'als'"):
        model.recommend("c4", als__k=3)


def test_concurrent_calls_with_different_settings_match_sequential_ones() -> None:
    """One fitted model serves many sessions: threads asking for different k and shrinkage at
    once get exactly what each would get alone (no shared mutable setting, no lock)."""
    data = build_interactions(random_frame(seed=7, n_customers=300, n_products=200, n_lines=8000))
    model = ItemKNN().fit(data)
    calls = [{"k": k, "shrinkage": s} for k in (3, 10, 40) for s in (0.0, 5.0, 25.0)] * 3
    expected = [ItemKNN(**c).fit(data).recommend("c1", n=8) for c in calls]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda c: model.recommend("c1", n=8, **c), calls))
    for got, want in zip(results, expected, strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_interactions_weighting_and_missing_customers() -> None:
    rows = [("a", "p", "2024-01-01", "o1"), ("a", "p", "2024-01-01", "o1"), ("a", "p", "2024-01-03", "o2"),
            ("b", "q", "2024-01-02", "o3"), (None, "q", "2024-01-04", "o4")]
    frame = canonical(rows)
    counts = build_interactions(frame)
    assert counts.rows_without_customer == 1
    assert counts.matrix[counts.customer_position("a"), counts.product_position("p")] == 2  # distinct orders
    no_orders = build_interactions(canonical(rows, with_orders=False))
    assert no_orders.matrix[0, no_orders.product_position("p")] == 3  # rows when there is no order id
    spend = build_interactions(frame, InteractionSettings(weighting="spend"))
    assert spend.matrix[0, spend.product_position("p")] == pytest.approx(6.0)
    binary = build_interactions(frame, InteractionSettings(weighting="binary"))
    assert binary.matrix.max() == 1
    cut = build_interactions(frame, InteractionSettings(cutoff="2024-01-02"))
    assert cut.matrix.sum() == 1 and cut.rows_after_cutoff == 3
    with pytest.raises(ValueError, match="Unknown weighting 'log'"):
        InteractionSettings(weighting="log")
    with pytest.raises(ValueError, match="No purchases to learn from"):
        build_interactions(frame, InteractionSettings(cutoff="2023-01-01"))


def test_most_frequent_product_name_is_used() -> None:
    frame = canonical([("a", "p", "2024-01-01", "1"), ("b", "p", "2024-01-01", "2"), ("c", "p", "2024-01-01", "3")])
    frame[schema.PRODUCT_NAME] = ["Mug", "MUG red", "MUG red"]
    assert build_interactions(frame).catalogue[schema.PRODUCT_NAME].iat[0] == "MUG red"


def test_most_frequent_name_ties_go_to_the_alphabetically_first_and_ids_are_text() -> None:
    frame = canonical([("a", "p", "2024-01-01", "1"), ("b", "p", "2024-01-01", "2"), ("c", "7", "2024-01-02", "3"),
                       ("d", "7", "2024-01-02", "4")])
    frame[schema.PRODUCT_NAME] = ["Mug blue", "Mug amber", None, None]
    frame[schema.PRODUCT_ID] = pd.Series(["p", "p", 7, "7"], dtype=object)  # 7 and "7" are one product
    data = build_interactions(frame)
    assert list(data.product_ids) == ["p", "7"]
    assert list(data.catalogue[schema.PRODUCT_NAME]) == ["Mug amber", "7"]  # no name: the id stands in
    assert data.matrix[data.customer_position("d"), data.product_position("7")] == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interaction_counts_match_a_plain_groupby(seed: int) -> None:
    """The integer-coded build equals distinct orders per customer x product counted the obvious way
    (lines without an order id each count once), with the last purchase's age."""
    frame = random_frame(seed=seed, n_customers=40, n_products=25, n_lines=900)
    frame.loc[frame.index % 7 == 0, schema.ORDER_ID] = None
    data = build_interactions(frame)
    sales = schema.sales_only(frame).dropna(subset=[schema.CUSTOMER_ID])
    order = sales[schema.ORDER_ID].astype(object).where(sales[schema.ORDER_ID].notna(),
                                                         pd.Series([f"line {i}" for i in sales.index], index=sales.index))
    expected = sales.assign(order=order).groupby([schema.CUSTOMER_ID, schema.PRODUCT_ID])["order"].nunique()
    last = sales.groupby([schema.CUSTOMER_ID, schema.PRODUCT_ID])[schema.DATE].max()
    reference = schema.sales_only(frame)[schema.DATE].max()
    for (customer, product), n in expected.items():
        row, col = data.customer_position(customer), data.product_position(product)
        assert data.counts[row, col] == n
        assert data.age_days[row, col] == (reference - last[(customer, product)]).days + 1
    assert data.counts.nnz == len(expected)


def _other_values(model) -> dict:
    """A non-default value for each setting of a registered algorithm (its widget range's far end)."""
    if model.name not in RECOMMENDERS:
        return {}
    values = {}
    for param in RECOMMENDERS.get(model.name).params:
        if param.choices:
            values[param.name] = next(c for c in param.choices if c != param.default)
        elif param.kind is dict:
            values[param.name] = {key: (0.0 if i else 1.0) for i, key in enumerate(param.default)}
        elif param.kind in (int, float):
            values[param.name] = param.kind(param.widget_range[1])
    return values


def test_large_catalogue_path_keeps_candidates_and_agrees_with_the_exact_path(monkeypatch) -> None:
    """Above the dense limit each product keeps its top candidates; with room for every neighbour
    the sparse path ranks exactly like the dense one."""
    from retail.recommend import knn

    data = build_interactions(random_frame(seed=11, n_customers=200, n_products=120, n_lines=6000))
    exact = ItemKNN(k=10, shrinkage=5.0).fit(data)
    monkeypatch.setattr(knn, "DENSE_LIMIT", 50)
    monkeypatch.setattr(knn, "CANDIDATES", 119)
    sparse = ItemKNN(k=10, shrinkage=5.0).fit(data)
    for customer, settings in (("c1", {}), ("c7", {"k": 3}), ("c30", {"shrinkage": 0.0, "min_overlap": 2}),
                               ("c1", {"k": 200, "shrinkage": 20.0})):
        pd.testing.assert_frame_equal(sparse.recommend(customer, n=8, **settings),
                                      exact.recommend(customer, n=8, **settings), check_exact=False, atol=1e-6)
    monkeypatch.setattr(knn, "CANDIDATES", 5)
    bounded = ItemKNN(k=10).fit(data)
    assert bounded.raw_similarity().sim.getnnz(axis=1).max() <= 5  # memory: products x candidates
    assert len(bounded.recommend("c1", n=8)) == 8


def test_buy_again_weighs_products_by_their_repeat_rate() -> None:
    # "tea" is re-bought by most of its buyers, "tree" by one: with the repeat rate, c0's tea (bought once)
    # overtakes the tree (bought twice); without it the order is by orders and recency only
    rows = [("c0", "tree", "2024-01-01", "o1"), ("c0", "tree", "2024-01-02", "o2"), ("c0", "tea", "2024-01-02", "o2")]
    for n, customer in enumerate(("c1", "c2", "c4", "c5")):  # every other tea buyer comes back for it
        rows += [(customer, "tea", "2024-01-01", f"t{n}a"), (customer, "tea", "2024-01-05", f"t{n}b")]
    rows += [(customer, "tree", "2024-01-03", f"x{customer}") for customer in ("c3", "c6", "c7")]  # once each
    data = build_interactions(canonical(rows))
    model = BuyAgain(half_life_days=1000.0, repeat_weight=0.0).fit(data)
    assert model.recommend("c0", n=2)["product_id"].tolist() == ["tree", "tea"]
    assert model.recommend("c0", n=2, repeat_weight=1.0)["product_id"].tolist() == ["tea", "tree"]
    tea, tree = data.product_position("tea"), data.product_position("tree")
    assert model.repeat_rate_[tea] == pytest.approx((4 + 0.3) / (5 + 1))  # 4 of its 5 buyers re-bought it
    assert model.repeat_rate_[tree] == pytest.approx((1 + 0.3) / (4 + 1))  # only c0, in two orders
    scores = model.scores(np.array([data.customer_position("c0")]), repeat_weight=2.0)[0]
    plain = model.scores(np.array([data.customer_position("c0")]))[0]
    assert scores[tea] == pytest.approx(plain[tea] * model.repeat_rate_[tea] ** 2)
