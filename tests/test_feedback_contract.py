"""The estimator contract (:mod:`tests.contract`) for every unhappy-customer and topic model."""

from __future__ import annotations

import numpy as np
import pytest

from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from tests.contract import EstimatorContract
from tests.test_feedback_models import corpus


class TestUnhappyModels(EstimatorContract):
    registry = UNHAPPY_MODELS
    quick = {"ratings": {"letters_up_to": 0}}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> tuple[np.ndarray, np.ndarray]:
        return corpus(copies=8)

    def fit(self, model, data):
        return model.fit(*data)

    def predict(self, model, data):
        return model.predict_proba(data[0])

    def cut(self, data, rows):
        return tuple(part[:rows] for part in data)


class TestTopicModels(EstimatorContract):
    registry = TOPIC_MODELS
    quick = {name: {"n_topics": 3} for name in TOPIC_MODELS.names}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> np.ndarray:
        return corpus(copies=8)[0]

    def fit(self, model, data):
        return model.fit(data)

    def predict(self, model, data):
        return model.transform(data)

    def cut(self, data, rows):
        return data[:rows]
