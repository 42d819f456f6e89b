"""The estimator contract (:mod:`tests.contract`) for every targeting (uplift) model and allocation policy."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.experiments.replay import replay_log
from retail.experiments.results import CampaignColumns, campaign_from_frame
from tests.contract import EstimatorContract
from tests.experiments_data import exact_log

TREES = {"n_estimators": 20, "min_child_samples": 20}


class TestUpliftModels(EstimatorContract):
    registry = UPLIFT_MODELS
    quick = {"two-model-lightgbm": TREES, "x-learner": TREES}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customers with two facts; the contact helps those with a positive first fact."""
        rng = np.random.default_rng(4)
        X = rng.normal(size=(600, 2))
        treatment = (rng.random(600) < 0.5).astype(int)
        y = (rng.random(600) < 0.2 + 0.2 * treatment * (X[:, 0] > 0)).astype(int)
        return X, treatment, y

    def fit(self, model, data):
        return model.fit(*data)

    def predict(self, model, data):
        return model.predict(data[0])

    def cut(self, data, rows):
        return tuple(part[:rows] for part in data)


class TestAllocationPolicies(EstimatorContract):
    """A policy's ``fit`` is ``start(log, rng)``; its answer is the replay of the log from the started state
    (on a copy, so answering twice gives the same answer)."""

    registry = POLICIES

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls):
        return cls._log(exact_log(per_arm=80, rates=(0.1, 0.3, 0.2)))

    @staticmethod
    def _log(frame):
        return replay_log(campaign_from_frame(frame, CampaignColumns(arm="arm", control="none")))

    def fit(self, model, data):
        return model.start(data, np.random.default_rng(0))

    def predict(self, model, data):
        policy, choices = copy.deepcopy(model), []
        for i, (arm, reward) in enumerate(zip(data.arms.tolist(), data.rewards.tolist(), strict=True)):
            choices.append(policy.choose(i))
            if choices[-1] == arm:
                policy.learn(i, arm, reward)
        return np.asarray(choices)

    def cut(self, data, rows):
        return self._log(exact_log(per_arm=80).iloc[:rows])
