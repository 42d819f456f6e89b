"""The estimator contract (:mod:`tests.contract`) for every repeat-purchase (value) and propensity model."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from retail.customers.history import build_history
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS
from tests.contract import EstimatorContract
from tests.customers_data import shop_lines

AS_OF = pd.Timestamp("2023-11-01")
HORIZON = 60
TREES = {"n_estimators": 30}


class CustomerModels(EstimatorContract):
    """Both families learn from a customer history known at an as-of date."""

    quick = {"lightgbm-value": TREES, "anchored": TREES, "lightgbm-propensity": TREES, "purchase-count": TREES}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> dict[str, Any]:
        lines = shop_lines(customers=150, days=400, seed=1)
        return {"lines": lines, "history": build_history(lines)}

    def fit(self, model, data):
        return model.fit(data["history"], AS_OF, HORIZON)

    def inputs(self, data):
        return data["history"]

    def cut(self, data, rows):
        lines = data["lines"].iloc[:rows]
        return {"lines": lines, "history": build_history(lines)}


class TestValueModels(CustomerModels):
    registry = VALUE_MODELS

    def predict(self, model, data):
        return model.predict(data["history"], AS_OF, HORIZON)


class TestPropensityModels(CustomerModels):
    registry = PROPENSITY_MODELS

    def predict(self, model, data):
        return model.predict_proba(data["history"], AS_OF)
