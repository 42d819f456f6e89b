"""Trees anchored on BG/NBD and the propensity from expected purchases (issue 26): the estimator contract,
totals equal to BG/NBD's, no look-ahead, calibration."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from retail.customers.anchored import BGNBD_COLUMNS, AnchoredValue, CountPropensity, facts_with_bgnbd
from retail.customers.evaluation import roc_auc
from retail.customers.history import build_history, outcome
from retail.customers.value import BGNBDValue, training_window
from retail.data import schema
from retail.errors import NotFittedError
from tests.customers_data import shop_lines

AS_OF = pd.Timestamp("2023-11-01")
HORIZON = 60


@pytest.fixture(scope="module")
def history():
    return build_history(shop_lines(customers=400, days=400, seed=3))


@pytest.mark.parametrize("model_class", [AnchoredValue, CountPropensity])
def test_contract_fit_returns_self_not_fitted_error_and_pickle(history, model_class):
    model = model_class(n_estimators=50)
    score = (lambda m: m.predict(history, AS_OF, HORIZON)) if model_class is AnchoredValue else \
        (lambda m: m.predict_proba(history, AS_OF))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        score(model)
    days = history.days.copy()
    assert model.fit(history, AS_OF, HORIZON) is model
    pd.testing.assert_frame_equal(history.days, days)  # the input is not changed
    first = score(model)
    again = score(model_class(n_estimators=50).fit(history, AS_OF, HORIZON))
    assert np.allclose(np.asarray(first, dtype=float), np.asarray(again, dtype=float), equal_nan=True)  # determinism
    restored = pickle.loads(pickle.dumps(model))
    assert np.allclose(np.asarray(score(restored), dtype=float), np.asarray(first, dtype=float), equal_nan=True)
    assert model.get_params()["n_estimators"] == 50


def test_anchored_totals_are_bgnbds_and_the_ranking_is_the_trees(history):
    anchored = AnchoredValue(n_estimators=50).fit(history, AS_OF, HORIZON).predict(history, AS_OF, HORIZON)
    plain = BGNBDValue().fit(history, AS_OF, HORIZON).predict(history, AS_OF, HORIZON)
    assert anchored["expected_purchases"].sum() == pytest.approx(plain["expected_purchases"].sum(), rel=1e-9)
    assert anchored["expected_spend"].sum() == pytest.approx(plain["expected_spend"].sum(), rel=1e-9)
    pd.testing.assert_series_equal(anchored["probability_active"], plain["probability_active"])
    assert (anchored["expected_purchases"] >= 0).all()
    # not a copy of BG/NBD: the trees order customers their own way
    assert anchored["expected_purchases"].rank().corr(plain["expected_purchases"].rank()) < 0.999


def test_bgnbd_facts_never_see_the_days_after_the_as_of_date():
    lines = shop_lines(customers=200, days=400, seed=5)
    before = facts_with_bgnbd(build_history(lines), AS_OF, HORIZON)
    later = lines[schema.DATE] >= AS_OF
    changed = lines.assign(**{schema.QUANTITY: lines[schema.QUANTITY].where(~later, 99.0)})
    changed = pd.concat([changed, changed[later].assign(**{schema.CUSTOMER_ID: "NEW"})], ignore_index=True)
    pd.testing.assert_frame_equal(before, facts_with_bgnbd(build_history(changed), AS_OF, HORIZON))
    assert set(BGNBD_COLUMNS) <= set(before.columns) and before[list(BGNBD_COLUMNS)].notna().all().all()


def test_count_propensity_is_calibrated_on_the_previous_period_and_ranks_buyers(history):
    model = CountPropensity(n_estimators=100).fit(history, AS_OF, HORIZON)
    facts, happened = training_window(history.before(AS_OF), AS_OF, HORIZON, facts_with_bgnbd)
    on_training = model.model_.predict_proba(facts[model.columns_])[:, 1]
    assert on_training.mean() == pytest.approx(happened["bought"].mean(), abs=0.05)
    scores = model.predict_proba(history, AS_OF)
    assert scores.between(0, 1).all() and scores.name == "propensity"
    bought = outcome(history, scores.index, AS_OF, HORIZON)["bought"]
    assert roc_auc(scores.to_numpy(), bought.to_numpy()) > 0.6


def test_a_history_shorter_than_the_horizon_is_refused_in_plain_words(history):
    with pytest.raises(ValueError, match="Choose a later as-of date or a shorter horizon"):
        CountPropensity().fit(history, history.first_day + pd.Timedelta(days=10), HORIZON)
