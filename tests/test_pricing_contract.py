"""The estimator contract (:mod:`tests.contract`) for every elasticity model."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.pricing.panel import build_price_panel
from retail.pricing.registry import ESTIMATORS
from tests.contract import EstimatorContract
from tests.pricing_data import canonical, till_rows


class TestElasticityModels(EstimatorContract):
    registry = ESTIMATORS

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> dict:
        frame = canonical(till_rows({"A": -1.5, "B": -0.8, "C": -2.0}, days=200, seed=5))
        return {"frame": frame, "panel": build_price_panel(frame)}

    def fit(self, model, data):
        return model.fit(data["panel"])

    def predict(self, model, data):
        estimates = model.estimates_
        return pd.DataFrame({"own": estimates.own, "own_se": estimates.own_se, "mean": estimates.mean,
                             "sd": estimates.sd})

    def inputs(self, data):
        return data["panel"]

    def cut(self, data, rows):
        frame = data["frame"].iloc[:rows]
        return {"frame": frame, "panel": build_price_panel(frame)}
