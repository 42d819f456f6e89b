"""Metrics against hand-computed values; split, protocols and sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from retail.recommend import ItemKNN, Popularity
from retail.recommend.charts import sweep_figure
from retail.recommend.evaluation import (
    SplitSettings,
    evaluate,
    prepare_evaluation,
    ranking_metrics,
    sweep,
)
from tests.recommend_data import canonical, random_frame


def test_metrics_equal_hand_computed_values() -> None:
    recommended = np.array([[0, 1, 2], [3, 4, -1]])
    relevant = sp.csr_matrix(np.array([[1, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]]))
    got = ranking_metrics(recommended, relevant, k=3)
    # customer 1: hits at ranks 1 and 3 of 2 relevant; customer 2: no hit
    ndcg1 = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    ap1 = (1 / 1 + 2 / 3) / 2
    assert got["precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert got["recall"] == pytest.approx((1.0 + 0) / 2)
    assert got["ndcg"] == pytest.approx(ndcg1 / 2)
    assert got["map"] == pytest.approx(ap1 / 2)
    assert got["hit_rate"] == pytest.approx(0.5)
    assert got["coverage"] == pytest.approx(5 / 6)


def test_map_divides_by_min_relevant_and_k() -> None:
    relevant = sp.csr_matrix(np.ones((1, 5)))
    got = ranking_metrics(np.array([[0, 1]]), relevant, k=2)
    assert got["map"] == pytest.approx(1.0)
    assert got["recall"] == pytest.approx(2 / 5)
    assert got["ndcg"] == pytest.approx(1.0)


def test_metrics_reject_customers_without_relevant_products() -> None:
    with pytest.raises(ValueError, match="at least one relevant product"):
        ranking_metrics(np.array([[0]]), sp.csr_matrix((1, 2)), k=1)


def small_split_frame() -> pd.DataFrame:
    rows = [("a", "x", "2024-01-01", "1"), ("a", "y", "2024-01-02", "2"), ("b", "x", "2024-01-03", "3"),
            ("a", "x", "2024-02-10", "4"), ("a", "z", "2024-02-10", "4"), ("b", "y", "2024-02-11", "5"),
            ("c", "x", "2024-02-11", "6"), ("a", "new", "2024-02-11", "7")]
    return canonical(rows)


def test_protocols_define_relevant_sets() -> None:
    frame = small_split_frame()
    discovery = prepare_evaluation(frame, SplitSettings(test_days=5, protocol="discovery"))
    assert discovery.cutoff == pd.Timestamp("2024-02-07")
    customers = discovery.train.customer_ids[discovery.users]
    assert list(customers) == ["b"]  # a's test products are repeats or unknown; c has no train history
    every = prepare_evaluation(frame, SplitSettings(test_days=5, protocol="all"))
    assert sorted(every.train.customer_ids[every.users]) == ["a", "b"]
    a_row = list(every.train.customer_ids[every.users]).index("a")
    assert every.relevant[a_row].nnz == 1  # x (repurchase); z and new are not in training


def test_split_settings_errors() -> None:
    with pytest.raises(ValueError, match="either test_days"):
        SplitSettings(test_days=30, cutoff="2024-01-01")
    with pytest.raises(ValueError, match="Unknown protocol"):
        SplitSettings(protocol="future")
    with pytest.raises(ValueError, match="No customer can be evaluated"):
        prepare_evaluation(small_split_frame(), SplitSettings(cutoff="2024-01-02"))


def test_evaluate_and_sweep_shapes() -> None:
    data = prepare_evaluation(random_frame(seed=8, n_lines=1500, n_customers=80), SplitSettings(test_days=20))
    table = evaluate({"popularity": Popularity(), "item-knn": ItemKNN(k=5)}, data, k=5)
    assert list(table["algorithm"]) == ["popularity", "item-knn"]
    assert {"precision", "recall", "ndcg", "map", "hit_rate", "coverage", "fit_seconds", "vs_popularity"} <= set(table)
    assert (table["customers"] == len(data.users)).all()
    model = ItemKNN().fit(data.train)
    result = sweep(model, data, {"similarity": ["cosine", "jaccard"], "k": [1, 5]}, k=5)
    assert len(result) == 4 and list(result.columns[:2]) == ["similarity", "k"]
    fig = sweep_figure(result, metric="ndcg")
    assert fig.layout.title.text and fig.layout.xaxis.title.text == "neighbours k"
    assert len(fig.data) == 2


def test_shared_fits_fit_each_algorithm_once_and_measure_alike(monkeypatch) -> None:
    """The hybrid blends the rows' own fitted EASE and customer kNN (not fitted again), and every row is
    what fitting that algorithm alone gives."""
    from retail.recommend.ease import EASE
    from retail.recommend.evaluation import SharedFits, evaluate_names
    from retail.recommend.registry import RECOMMENDERS

    data = prepare_evaluation(random_frame(seed=9, n_lines=2500, n_customers=120), SplitSettings(test_days=20))
    names = ["popularity", "ease", "user-knn", "hybrid"]
    alone = evaluate({name: RECOMMENDERS.get(name).build() for name in names}, data, k=5)
    fits_of_ease = []
    original = EASE._fit
    monkeypatch.setattr(EASE, "_fit", lambda self, *args: (fits_of_ease.append(self), original(self, *args))[1])
    fits = SharedFits(data)
    shared = evaluate_names(names, fits, k=5)
    assert len(fits_of_ease) == 1
    assert fits.model("hybrid").members["ease"] is fits.model("ease")
    assert fits.model("hybrid").members["user-knn"] is fits.model("user-knn")
    metrics = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage"]
    pd.testing.assert_frame_equal(shared[["algorithm", *metrics]], alone[["algorithm", *metrics]])
    hybrid = shared.set_index("algorithm")["fit_seconds"]
    assert hybrid["hybrid"] >= hybrid["ease"] + hybrid["user-knn"]  # what fitting the blend alone costs
    again = evaluate_names(["ease"], fits, k=3)  # another list length: scored again, not fitted again
    assert len(fits_of_ease) == 1 and again["ndcg"].notna().all()
