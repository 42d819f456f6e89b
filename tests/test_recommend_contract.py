"""The estimator contract (:mod:`tests.contract`) for every recommender, beside the recommenders' own shared
tests (:class:`tests.test_recommend_models.RecommenderContract`: ranking, exclusions, reasons)."""

from __future__ import annotations

import numpy as np
import pytest

from retail.recommend import build_interactions
from retail.recommend.registry import RECOMMENDERS
from tests.contract import EstimatorContract
from tests.recommend_data import random_frame


class TestRecommenders(EstimatorContract):
    registry = RECOMMENDERS

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> dict:
        frame = random_frame(seed=3)
        return {"frame": frame, "interactions": build_interactions(frame)}

    def fit(self, model, data):
        return model.fit(data["interactions"])

    def predict(self, model, data):
        customers = np.arange(len(data["interactions"].customer_ids))
        return model.recommend_indices(customers, n=5)

    def inputs(self, data):
        return data

    def cut(self, data, rows):
        frame = data["frame"].iloc[:rows]
        return {"frame": frame, "interactions": build_interactions(frame)}
