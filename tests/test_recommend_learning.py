"""EASE, next-order transitions, buy-again-then-next and basket rules: the shared recommender
contract, known answers, brute-force references and no leakage across the temporal split."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from retail.data import schema
from retail.recommend import build_interactions, make_recommender
from retail.recommend.baskets import build_baskets
from retail.recommend.ease import EASE, ease_weights
from retail.recommend.evaluation import SplitSettings, prepare_evaluation
from retail.recommend.registry import RECOMMENDERS
from retail.recommend.rules import BoughtTogether, count_pairs
from retail.recommend.sequence import NextBasket, recent_baskets, transition_counts
from tests.recommend_data import canonical, random_frame
from tests.test_recommend_models import RecommenderContract


@pytest.fixture(scope="module")
def data():
    return build_interactions(random_frame(seed=3))


class TestEASE(RecommenderContract):
    make = staticmethod(lambda: EASE(l2=5.0))


class TestEASECounts(RecommenderContract):
    make = staticmethod(lambda: EASE(input="count", l2=2.0))


class TestNextBasket(RecommenderContract):
    make = staticmethod(NextBasket)


class TestBoughtTogether(RecommenderContract):
    make = staticmethod(lambda: BoughtTogether(min_support=2))


# --- EASE -------------------------------------------------------------------------------
def brute_force_ease(X: np.ndarray, l2: float) -> np.ndarray:
    """Steck (2019), equation (8), in float64 with a plain matrix inverse."""
    P = np.linalg.inv(X.T @ X + l2 * np.eye(X.shape[1]))
    B = np.eye(X.shape[1]) - P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


@pytest.mark.parametrize(("kind", "l2"), [("binary", 0.5), ("binary", 30.0), ("count", 2.0)])
def test_ease_matches_the_closed_form(data, kind: str, l2: float) -> None:
    model = EASE(input=kind, l2=l2).fit(data)
    X = (data.binary if kind == "binary" else data.counts).toarray()
    np.testing.assert_allclose(model.weights(), brute_force_ease(X, l2), atol=1e-6)
    users = np.arange(5)
    np.testing.assert_allclose(model.scores(users, half_life_days=0.0)[:, :], X[users] @ brute_force_ease(X, l2), atol=1e-6)


def test_ease_weights_solve_the_constrained_least_squares() -> None:
    """B minimises |X - XB|^2 + l2 |B|^2 with a zero diagonal: each column's gradient vanishes
    off the diagonal (the constraint's multiplier takes the diagonal)."""
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.3).astype(float)
    B = ease_weights(X.T @ X, 3.0)
    gradient = X.T @ (X @ B - X) + 3.0 * B
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(gradient[off], 0.0, atol=1e-9)
    assert np.allclose(np.diag(B), 0.0)


def test_ease_too_small_regularisation_says_what_to_do() -> None:
    gram = np.array([[1.0, 1.0], [1.0, 1.0]])  # singular
    with pytest.raises(ValueError, match="give a larger value"):
        ease_weights(gram, 0.0)


def test_ease_large_catalogue_models_the_most_bought_products(data, monkeypatch) -> None:
    monkeypatch.setattr("retail.recommend.ease.MAX_PRODUCTS", 10)
    model = EASE(l2=5.0).fit(data)
    kept = np.sort(np.argsort(-data.popularity(), kind="stable")[:10])
    assert list(model.modelled_) == list(kept)
    X = data.binary.toarray()[:, kept]
    np.testing.assert_allclose(model.weights(), brute_force_ease(X, 5.0), atol=1e-5)
    scores = model.scores(np.arange(data.shape[0]))
    left_out = np.setdiff1d(np.arange(data.shape[1]), kept)
    assert (scores[:, left_out][np.diff(data.binary.indptr) > 0] == 0).all()
    assert len(model.recommend("c1", n=5)) == 5


def test_ease_reasons_name_the_products_that_point_to_the_recommendation(data) -> None:
    result = EASE(l2=5.0).fit(data).recommend("c1", n=3)
    assert result["reasons"].str.startswith("because you bought").all()
    assert result["reasons"].str.contains("weight").all()


def test_ease_setting_changes_rerank_without_refit(data) -> None:
    model = EASE(l2=5.0).fit(data)
    first = model.weights()
    other = model.recommend("c1", n=10, l2=500.0)
    assert model.weights() is first
    pd.testing.assert_frame_equal(other, EASE(l2=500.0).fit(data).recommend("c1", n=10))


# --- baskets and transitions ------------------------------------------------------------
def test_baskets_by_order_else_customer_and_day_else_one_line() -> None:
    frame = canonical([
        ("a", "X", "2024-01-01 09:00", "o1"), ("a", "Y", "2024-01-01 09:00", "o1"),
        ("a", "Z", "2024-01-03 10:00", None), ("a", "X", "2024-01-03 15:00", None),  # one day: one basket
        ("b", "Y", "2024-01-02 11:00", "o2"),
        (None, "X", "2024-01-02 12:00", None), (None, "Y", "2024-01-02 12:00", None),  # anonymous: two baskets
    ])
    data = build_interactions(frame)
    baskets = data.baskets
    assert baskets.n_baskets == 5 and baskets.named == 3
    a = data.customer_position("a")
    held = [set(data.product_ids[baskets.matrix[row].indices]) for row in baskets.of_customer(a)]
    assert held == [{"X", "Y"}, {"X", "Z"}]  # oldest first
    assert list(baskets.customer[3:]) == [-1, -1]
    assert (np.diff(baskets.matrix[3:].indptr) == 1).all()


def test_transitions_count_consecutive_baskets_of_one_customer() -> None:
    rows = [("a", "X", "2024-01-01", "1"), ("a", "Y", "2024-01-05", "2"),
            ("b", "X", "2024-01-01", "3"), ("b", "Y", "2024-01-03", "4"), ("b", "Z", "2024-01-03", "4"),
            ("b", "X", "2024-01-09", "5"),
            ("c", "Y", "2024-01-02", "6")]
    data = build_interactions(canonical(rows))
    counts = transition_counts(data.baskets).toarray()
    x, y, z = (data.product_position(p) for p in "XYZ")
    assert counts[x, y] == 2 and counts[x, z] == 1 and counts[y, x] == 1 and counts[z, x] == 1
    assert counts.sum() == 5  # a: X->Y; b: X->Y, X->Z, Y->X, Z->X; c has one basket
    recent = recent_baskets(data.baskets, data.shape[0], last=2, decay=0.5).toarray()
    b = data.customer_position("b")
    assert recent[b, x] == 1.0 and recent[b, y] == 0.5 and recent[b, z] == 0.5


def test_next_basket_recommends_what_customers_bought_next_with_the_reason() -> None:
    rows = [("a", "X", "2024-01-01", "1"), ("a", "Y", "2024-01-05", "2"),
            ("b", "X", "2024-01-01", "3"), ("b", "Y", "2024-01-03", "4"), ("b", "Z", "2024-01-03", "4"),
            ("d", "Z", "2024-01-01", "7"), ("d", "W", "2024-01-02", "8"), ("e", "W", "2024-01-02", "9"),
            ("c", "X", "2024-01-02", "6")]
    data = build_interactions(canonical(rows))
    result = NextBasket().fit(data).recommend("c", n=2)
    assert list(result["product_id"]) == ["Y", "Z"]
    assert result["reasons"].iat[0] == "customers who bought product X came back for this in their next order (2 times)"


# --- association rules ------------------------------------------------------------------
def basket_file(path, seed: int = 0, n_baskets: int = 300) -> None:
    """A small bakery-style basket list (Date, Transaction, Item; no customer, no quantity)."""
    rng = np.random.default_rng(seed)
    items = [f"item {chr(65 + i)}" for i in range(12)]
    weights = 1.0 / np.arange(1, 13)
    rows = []
    for basket in range(n_baskets):
        size = int(rng.integers(1, 5))
        chosen = rng.choice(12, size=size, replace=True, p=weights / weights.sum())  # repeats happen
        if 0 in chosen and rng.random() < 0.6:
            chosen = np.append(chosen, 3)  # A and D go together
        day = f"2024-03-{1 + basket % 28:02d}"
        rows += [f"{day},{basket},{items[i]}" for i in chosen]
    path.write_text("Date,Transaction,Item\n" + "\n".join(rows) + "\n")


def brute_force_rules(frame: pd.DataFrame, min_baskets: int) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    """(X, Y) -> (baskets, support, confidence, lift), counted basket by basket in Python."""
    baskets = [set(group) for _, group in frame.groupby(schema.ORDER_ID)[schema.PRODUCT_ID]]
    single = Counter(p for basket in baskets for p in basket)
    pairs = Counter(pair for basket in baskets for pair in itertools.permutations(sorted(basket), 2))
    n = len(baskets)
    return {(x, y): (c, c / n, c / single[x], (c / single[x]) / (single[y] / n))
            for (x, y), c in pairs.items() if c >= min_baskets}


@pytest.mark.parametrize("min_baskets", [1, 5, 15])
def test_rule_counts_match_a_brute_force_count_on_a_basket_file(tmp_path, min_baskets: int) -> None:
    from retail.data.ingest import load_data

    path = tmp_path / "baskets.csv"
    basket_file(path)
    frame = load_data(str(path)).frame
    data = build_interactions(frame)
    assert data.shape[0] == 0 and data.baskets.n_baskets == 300  # no customers: baskets all the same
    expected = brute_force_rules(schema.sales_only(frame), min_baskets)
    model = BoughtTogether(min_support=min_baskets).fit(data)
    got = pd.concat([model.rules([p], n=None) for p in data.product_ids], ignore_index=True)
    got = {(r.antecedent_id, r.product_id): (r.baskets, r.support, r.confidence, r.rule_lift) for r in got.itertuples()}
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key][0] == values[0]
        np.testing.assert_allclose(got[key][1:], values[1:], rtol=1e-12)


def test_rules_for_a_basket_keep_each_products_best_rule_and_leave_out_the_basket() -> None:
    rows = [(None, "A", "2024-01-01", f"a{i}") for i in range(10)] + [(None, "C", "2024-01-01", f"a{i}")
                                                                        for i in range(8)]
    rows += [(None, "B", "2024-01-01", f"b{i}") for i in range(4)] + [(None, "C", "2024-01-01", f"b{i}")
                                                                      for i in range(4)]
    rows += [(None, "B", "2024-01-01", "ab"), (None, "A", "2024-01-01", "ab")]
    model = BoughtTogether(min_support=1).fit(build_interactions(canonical(rows)))
    rules = model.rules(["A", "B"])
    assert list(rules["product_id"]) == ["C"]
    best = rules.iloc[0]
    assert best["antecedent_id"] == "B" and best["baskets"] == 4 and best["confidence"] == pytest.approx(0.8)
    assert model.rules(["A"], min_support=9).empty  # no pair in 9 baskets
    with pytest.raises(ValueError, match=r"\(min_support\) must be >= 1"):
        model.rules(["A"], min_support=0)
    with pytest.raises(ValueError, match="Unknown product id 'zzz'"):
        model.rules(["zzz"])


def test_count_pairs_refuses_a_zero_minimum() -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        count_pairs(build_interactions(random_frame()).baskets.matrix, 0)


def test_rules_recommender_scores_the_best_confidence_over_the_latest_basket() -> None:
    rows = [("a", "X", "2024-01-01", "1"), ("a", "Y", "2024-01-01", "1"),
            ("b", "X", "2024-01-02", "2"), ("b", "Y", "2024-01-02", "2"), ("b", "Z", "2024-01-02", "2"),
            ("c", "W", "2024-01-01", "3"), ("c", "X", "2024-01-05", "4")]
    data = build_interactions(canonical(rows))
    result = BoughtTogether(min_support=1).fit(data).recommend("c", n=2)
    assert list(result["product_id"]) == ["Y", "Z"]
    assert result["score"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert result["reasons"].iat[0] == "bought with product X in 2 baskets (67% of its baskets, lift 1.3)"


# --- no leakage across the temporal split -----------------------------------------------
@pytest.mark.parametrize("name", ["ease", "next-basket", "rules", "hybrid"])
def test_purchases_after_the_cutoff_change_nothing(name: str) -> None:
    frame = random_frame(seed=11, n_customers=60, n_products=30, n_lines=1500, days=120)
    cutoff = pd.Timestamp("2024-04-01")
    future = frame[frame[schema.DATE] >= cutoff]
    changed = pd.concat([frame[frame[schema.DATE] < cutoff],
                         future.assign(**{schema.PRODUCT_ID: future[schema.PRODUCT_ID].to_numpy()[::-1]})])
    changed = pd.concat([changed, changed.tail(40).assign(order_id="late")], ignore_index=True)
    lists = []
    for version in (frame, changed):
        split = prepare_evaluation(version, SplitSettings(cutoff=cutoff, protocol="all"))
        assert split.train.baskets.time.max() < cutoff
        model = make_recommender(name).fit(split.train)
        top = model.recommend_indices(np.arange(split.train.shape[0]), n=10)
        ids = split.train.product_ids
        lists.append({customer: list(ids[row[row >= 0]]) for customer, row in zip(split.train.customer_ids, top,
                                                                                 strict=True)})
    assert lists[0] == lists[1]


def test_build_baskets_on_an_empty_frame() -> None:
    baskets = build_baskets(np.array([], dtype=np.int64), np.array([], dtype=np.int64), pd.Series([], dtype=object),
                            pd.Series([], dtype="datetime64[ns]"), (0, 0))
    assert baskets.n_baskets == 0 and baskets.named == 0


# --- command line: the registry's flags reach the new algorithms -------------------------
def test_the_command_line_takes_the_new_algorithms_and_their_settings(capsys) -> None:
    import json

    from retail.cli.main import build_parser

    frame = random_frame(seed=9)
    for argv in (["--algorithm", "ease", "--l2", "50", "--input", "count"], ["--algorithm", "rules", "--min-support", "2"],
                 ["--algorithm", "next-basket", "--last-baskets", "2", "--recency", "1"]):
        args = build_parser().parse_args(["recommend", "x", "--customer", "c1", "--n", "3", "--json", *argv])
        assert args.handler(args, frame=frame) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["algorithm"] == argv[1] and len(out["recommendations"]) == 3
    args = build_parser().parse_args(["evaluate-recs", "x", "--test-days", "20", "--json"])
    assert args.handler(args, frame=random_frame(seed=10, n_lines=1500, n_customers=80)) == 0
    out = json.loads(capsys.readouterr().out)  # discovery by default: buy again cannot take part
    assert set(out["algorithms"]) == set(RECOMMENDERS.names) - {"buy-again"} and out["left_out"] == ["buy-again"]
    args = build_parser().parse_args(["evaluate-recs", "x", "--test-days", "20", "--algorithms", "buy-again"])
    with pytest.raises(ValueError, match="takes part only with --protocol all"):
        args.handler(args, frame=random_frame(seed=10, n_lines=1500, n_customers=80))


def test_ease_recency_half_life_weights_recent_purchases_up_and_zero_is_plain_ease() -> None:
    from retail.recommend.ease import EASE

    data = build_interactions(random_frame(seed=12))
    model = EASE(l2=10.0, half_life_days=0.0).fit(data)
    users = np.arange(min(20, data.shape[0]))
    plain = data.binary[users].toarray()[:, model.modelled_] @ model.weights()
    assert np.allclose(model.scores(users)[:, model.modelled_], plain, atol=1e-5)
    # brute force: the customer's row weighted by 0.5 ** (days since / half-life), times the learned weights
    age = data.age_days[users].toarray()
    profile = data.binary[users].toarray() * np.where(age > 0, 0.5 ** ((age - 1.0) / 30.0), 0.0)
    expected = profile[:, model.modelled_] @ model.weights()
    assert np.allclose(model.scores(users, half_life_days=30.0)[:, model.modelled_], expected, atol=1e-5)
    assert not np.allclose(model.scores(users, half_life_days=30.0), model.scores(users))
    reasons = model.recommend(data.customer_ids[0], n=3, half_life_days=30.0)["reasons"]
    assert reasons.str.len().gt(0).all()
