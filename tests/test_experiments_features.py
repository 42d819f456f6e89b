"""The customer facts' encoding for the targeting models (issue 26: skewed money on a log scale)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.experiments.features import FeatureEncoder


@pytest.fixture
def facts() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"history": rng.lognormal(5.0, 1.0, 500), "recency": rng.integers(1, 13, 500),
                         "balance": rng.normal(0.0, 1.0, 500) ** 3, "channel": rng.choice(["Web", "Phone"], 500)})


def test_skewed_money_is_put_on_a_log_scale_and_bounded_facts_stay_as_they_are(facts):
    encoder = FeatureEncoder(["history", "recency", "balance", "channel"]).fit(facts)
    X = encoder.transform(facts)
    assert encoder.logged_ == ["history"]  # recency is not skewed; balance is skewed but goes below zero
    np.testing.assert_allclose(X[:, 0], np.log1p(facts["history"]))
    np.testing.assert_array_equal(X[:, 1], facts["recency"].to_numpy(dtype=float))
    np.testing.assert_allclose(X[:, 2], facts["balance"])
    assert encoder.names_[:3] == ["history (log scale)", "recency", "balance"]


def test_the_log_is_learned_on_one_part_and_applied_to_another(facts):
    encoder = FeatureEncoder(["history"]).fit(facts)
    later = pd.DataFrame({"history": [np.nan, -5.0, 99.0]})  # missing, below zero (never seen when learning)
    X = encoder.transform(later)[:, 0]
    assert X[0] == pytest.approx(np.log1p(facts["history"].median()))
    assert X[1] == 0.0 and X[2] == pytest.approx(np.log(100.0))


def test_without_the_log_every_number_is_kept_as_it_is(facts):
    X = FeatureEncoder(["history"], log_skewed=False).fit(facts).transform(facts)
    np.testing.assert_allclose(X[:, 0], facts["history"])
