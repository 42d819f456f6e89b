"""The customer-voice speed-ups change no answer: the fast VADER scorer gives vaderSentiment's own scores
(sentences made to trigger each of its rules, synthetic messages and, when present, the real clothing
reviews), the dual logistic regression the primal's model, and the topics of the training messages
come from the fit without reading them again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from retail.feedback.text import lexicon_scores, word_vectoriser
from retail.feedback.topics import TopicModel, widespread_columns
from retail.feedback.unhappy import _logistic
from retail.feedback.vader import FastVader
from tests.feedback_data import messages
from tests.test_feedback_data import CLOTHING

RULES = [
    "", "   ", "ok", "Good", "not good", "It isn't great at all", "no good", "No. Good.", "no problem at all",
    "never so happy", "never this bad", "I was never so disappointed, so sad", "without doubt the best",
    "without any doubt good", "at least it is good", "least good thing", "very least good", "very good",
    "VERY good but the rest", "The dress is VERY BAD", "kind of good", "sort of nice", "kinda bad",
    "it was good but the zipper broke", "bad but not terrible but fine", "this is the bomb",
    "the kiss of death for this shop", "yeah right, great", "to die for!!!", "what??? awful???", "awful!!!!!!",
    "I love it :) :(", "great 😀 product", "😡😡 terrible", "hardly worth it", "slightly disappointed",
    "not bad, not bad at all", "nor good nor bad", "no or bad", "doesn't fit, didn't like it",
    "ain't nothing wrong", "cut the mustard", "bad ass jacket", "bus stop", "beating heart ok",
    "extremely happy, but extremely sad", "NOT HAPPY AT ALL", "Not Happy", "wasn't terrible", "uber cool",
]


def vader_reference(texts) -> np.ndarray:
    analyser = SentimentIntensityAnalyzer()
    return np.array([analyser.polarity_scores(str(text))["compound"] for text in texts])


def test_fast_vader_gives_vaders_scores_on_every_rule():
    fast, slow = FastVader(), SentimentIntensityAnalyzer()
    for text in RULES:
        assert fast.polarity_scores(text) == slow.polarity_scores(text), text


def test_lexicon_scores_equal_vader_on_messages():
    texts = messages(400, seed=3)["Message"].fillna("").to_numpy(dtype=object)
    assert np.array_equal(lexicon_scores(texts), vader_reference(texts))


@pytest.mark.skipif(not CLOTHING.exists(), reason="shared data not present")
def test_lexicon_scores_equal_vader_on_real_reviews():
    reviews = pd.read_csv(CLOTHING)
    texts = (reviews["Title"].fillna("") + ". " + reviews["Review Text"].fillna("")).to_numpy(dtype=object)
    assert np.array_equal(lexicon_scores(texts), vader_reference(texts))


def test_dual_logistic_regression_is_the_primal_model():
    texts = messages(600, seed=4)
    rated = texts["Stars"].notna().to_numpy()
    features = word_vectoriser().fit_transform(texts["Message"].fillna("").to_numpy(dtype=object)[rated])
    labels = (texts["Stars"] <= 2).to_numpy()[rated]
    primal = LogisticRegression(C=4.0, solver="liblinear", class_weight="balanced", tol=1e-8).fit(features, labels)
    dual = _logistic(4.0).set_params(tol=1e-8, max_iter=10_000).fit(features, labels)
    assert np.allclose(dual.decision_function(features), primal.decision_function(features), atol=1e-4)


def test_topics_of_the_training_messages_come_from_the_fit():
    texts = messages(400, seed=2)["Message"].fillna("").to_numpy(dtype=object)
    model = TopicModel(max_topics=5).fit(texts)
    assert np.array_equal(model.labels_, model.predict(texts))
    assert np.allclose(model.weights_, model.transform(texts))


def test_stability_runs_read_the_most_widespread_words():
    matrix = sparse.csr_matrix(np.array([[1, 0, 1, 0], [1, 0, 0, 1], [1, 1, 0, 1]], dtype=float))
    assert list(widespread_columns(matrix, 2)) == [0, 3]  # in 3 and 2 messages; ties keep the first
    assert list(widespread_columns(matrix, 10)) == [0, 1, 2, 3]


def test_one_fast_vader_serves_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    texts = messages(200, seed=6)["Message"].fillna("").tolist() + RULES
    shared, expected = FastVader(), [SentimentIntensityAnalyzer().polarity_scores(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: [shared.polarity_scores(t) for t in texts], range(4)))
    assert all(result == expected for result in results)
