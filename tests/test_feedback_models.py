"""Customer-voice models on small deterministic texts: the unhappy-customer models' contract and their
ordering, topics recovered and stable, rising topics against a brute-force test, product tables, the
answer helper, the end-to-end analysis and the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from retail.cli import main
from retail.data import schema
from retail.data.ingest import ingest
from retail.feedback import products, trends
from retail.feedback.analysis import analyse, unhappy_labels
from retail.feedback.answers import AnswerHelper, evaluate_answers
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from retail.feedback.settings import FeedbackSettings
from retail.feedback.topics import NO_TOPIC, TopicModel, matched_overlap
from retail.feedback.unhappy import LexiconModel, RatingsModel, TaughtLexiconModel, held_out_auc
from tests.feedback_data import messages, sales_for

HAPPY = ["love this dress fits perfectly", "great quality and soft fabric", "beautiful colour very happy",
         "perfect fit will buy again", "lovely and comfortable, great value"]
UNHAPPY = ["arrived torn and dirty, awful", "runs small and the zipper broke", "poor quality fabric ripped",
           "never arrived, still waiting, terrible", "refund is wrong and nobody answers"]


def corpus(copies: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    texts = [f"{text} {rng.choice(['', 'thanks', 'order 12', 'hello'])}".strip() for text in (HAPPY + UNHAPPY)
             for _ in range(copies)]
    labels = np.repeat([False] * len(HAPPY) + [True] * len(UNHAPPY), copies)
    return np.asarray(texts, dtype=object), labels


@pytest.mark.parametrize("factory", [lambda: RatingsModel(letters_up_to=0), LexiconModel, TaughtLexiconModel])
def test_unhappy_models_separate_happy_from_unhappy(factory):
    """Probabilities in [0, 1] that rank the unhappy first, in and out of fold (the estimator contract:
    tests/test_feedback_contract.py)."""
    texts, labels = corpus()
    model = factory().fit(texts, labels)
    scores = model.predict_proba(texts)
    assert scores.shape == (len(texts),) and ((scores >= 0) & (scores <= 1)).all()
    assert roc_auc_score(labels, scores) > 0.9 and roc_auc_score(labels, model.training_scores_) > 0.9


def test_trained_model_needs_both_kinds_of_ratings():
    texts, labels = corpus(copies=2)
    with pytest.raises(ValueError, match="at least 5 unhappy and 5 other rated messages; this file has 0 and 10"):
        RatingsModel().fit(texts[~labels], labels[~labels])


def test_trained_model_with_letters_and_lexicon_is_calibrated_on_held_out_messages():
    frame = messages(500, seed=1)
    texts, rated = frame["Message"].to_numpy(dtype=object), frame["Stars"].notna().to_numpy()
    unhappy = (frame["Stars"] <= 2).to_numpy()
    held = held_out_auc(RatingsModel(), texts[rated], unhappy[rated])
    assert held["auc"] > 0.85 and abs(held["test_messages"] - rated.sum() * 0.25) <= 1


def test_lexicon_orders_plain_sentiment():
    scores = LexiconModel().fit(["x"]).predict_proba(["I love it, wonderful", "It is okay", "terrible, I hate it"])
    assert scores[0] < scores[1] < scores[2]


def test_unhappy_labels_follow_the_scale():
    labels = unhappy_labels(pd.Series([1, 2, 3, None, 5]), 2.0)
    assert labels.tolist() == [True, True, False, pd.NA, False]
    assert unhappy_labels(pd.Series([2, 4, 5, 8, 10]), 2.0).tolist() == [True, True, False, False, False]


def topic_texts() -> list[str]:
    rng = np.random.default_rng(3)
    delivery = ["parcel", "courier", "delivery", "late", "tracking", "arrived"]
    sizing = ["size", "small", "large", "fit", "sleeves", "waist"]
    return [" ".join(rng.choice(words, 4)) for words in (delivery, sizing) for _ in range(60)]


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_topics_recover_two_subjects(method):
    texts = topic_texts()
    model = TopicModel(method=method, min_topics=2, max_topics=4).fit(texts)
    topics = model.predict(texts)
    stable = model.stability_.set_index("topics")["stability"]
    assert model.chosen_ == max(k for k, s in stable.items() if s >= stable.max() - 0.05)  # the most stable, largest
    subject = np.repeat([0, 1], 60)
    purity = pd.crosstab(topics, subject).max(axis=1).sum() / len(topics)  # each topic holds one subject
    assert purity > 0.9
    assert model.predict(["zzz qqq"])[0] == NO_TOPIC
    assert np.allclose(model.transform(texts).sum(axis=1), 1.0)


def test_matched_overlap_is_jaccard_under_the_best_matching():
    a, b = [{"x", "y"}, {"p", "q"}], [{"p", "q"}, {"x", "z"}]
    assert matched_overlap(a, b) == pytest.approx((1.0 + 1 / 3) / 2)


def test_rising_topics_against_a_brute_force_binomial_test():
    periods = pd.date_range("2024-01-01", periods=5, freq="W-MON")
    counts = {0: [20, 20, 20, 20, 60], 1: [40, 40, 40, 40, 40], 2: [10, 10, 10, 10, 11]}
    volume = pd.DataFrame([{"period": p, "topic": t, "topic_name": f"t{t}", "messages": c[i]}
                           for t, c in counts.items() for i, p in enumerate(periods)])
    rising = trends.rising_topics(volume, trailing=4).set_index("topic")
    assert rising["rising"].to_dict() == {0: True, 1: False, 2: False}
    share = (80 + 0.5) / (280 + 1.5)
    raw = binomtest(60, 111, share, alternative="greater").pvalue
    assert rising.loc[0, "topic_p_value"] == pytest.approx(min(3 * raw, 1.0), rel=1e-6)  # Holm: smallest x 3


def test_summary_by_product_equals_a_plain_groupby():
    scored = pd.DataFrame({schema.PRODUCT_ID: ["a", "a", "b", "b", "b"], schema.RATING: [1, 5, 4, np.nan, 2],
                           "unhappy_probability": [0.9, 0.1, 0.2, 0.7, 0.6], "topic": [0, 1, 1, 1, NO_TOPIC],
                           "topic_name": ["t0", "t1", "t1", "t1", "none"]})
    table = products.summary_by(scored, schema.PRODUCT_ID).set_index(schema.PRODUCT_ID)
    assert table.loc["b", "messages"] == 3 and table.loc["b", "unhappy_messages"] == 2
    assert table.loc["b", "average_rating"] == pytest.approx(3.0) and table.loc["a", "unhappy_share"] == 0.5
    assert table.loc["b", "top_topics"] == "t1" and list(table.index) == ["b", "a"]


def test_answer_helper_finds_the_intent_and_similar_answers():
    frame = messages(400, seed=2)
    helper = AnswerHelper().fit(frame["Message"], frame["Intent"], frame["Reply"])
    intents = helper.intent_probabilities("my parcel never arrived, where is the courier")
    assert intents.index[0] == "delivery" and intents.sum() == pytest.approx(1.0)
    suggestions = helper.similar(["which size should I take, I am usually a medium"], 3)[0]
    assert len(suggestions) == 3 and all(s.intent == "sizing" for s in suggestions)
    assert suggestions[0].similarity >= suggestions[-1].similarity > 0
    evaluation = evaluate_answers(frame["Message"], frame["Intent"], frame["Reply"])
    assert evaluation["intent_accuracy"] > 0.8 and evaluation["right_answer_in_3"] > 0.8


def messages_file(tmp_path, n: int = 600) -> str:
    path = tmp_path / "tickets.csv"
    messages(n, seed=0).to_csv(path, index=False)
    return str(path)


def test_analysis_end_to_end(tmp_path):
    frame = ingest(messages_file(tmp_path)).result.frame
    sales = ingest_sales(tmp_path)
    result = analyse(frame, FeedbackSettings(unhappy_model=None), sales=sales)
    assert result.unhappy["model"] == UNHAPPY_MODELS.names[0] and result.unhappy["auc"] > 0.85
    assert len(result.messages) == len(frame) and result.messages["unhappy_probability"].between(0, 1).all()
    assert list(result.messages[schema.MESSAGE_ID]) == list(frame[schema.MESSAGE_ID])  # file order, own ids
    assert 3 <= len(result.topics) <= 10 and result.topics["examples"].map(len).min() >= 1
    assert result.act_first[schema.DATE].is_monotonic_decreasing
    assert "P3" in set(result.complaints_vs_sales.loc[result.complaints_vs_sales["flagged"], schema.PRODUCT_ID])
    assert result.answers["intent_accuracy"] > 0.8
    rated = frame[schema.RATING].notna().to_numpy()
    assert (~rated).any() and result.messages["unhappy_probability"][~rated].notna().all()


def ingest_sales(tmp_path) -> pd.DataFrame:
    path = tmp_path / "sales.csv"
    sales_for(messages(600, seed=0)).to_csv(path, index=False)
    return ingest(str(path)).result.frame


def test_without_ratings_the_taught_word_list_is_used(tmp_path):
    frame = ingest(messages_file(tmp_path, 300)).result.frame.assign(rating=np.nan)
    result = analyse(frame, FeedbackSettings(topic_params={"n_topics": 4}))
    assert result.unhappy["model"] == "taught-lexicon" and result.unhappy["auc"] is None
    assert len(result.topics) == 4 and result.stability["stability"].isna().all()


def test_settings_are_checked_against_the_registries():
    with pytest.raises(ValueError, match=r"Surely unhappy share \(unhappy_share\) must be >= 0.02 and <= 0.5"):
        FeedbackSettings(unhappy_model="taught-lexicon", unhappy_params={"unhappy_share": 0.9})
    with pytest.raises(ValueError, match="Unknown topic model 'kmeans'"):
        FeedbackSettings(topic_model="kmeans")
    assert set(TOPIC_MODELS.names) == {"nmf", "lda"}


def test_too_few_messages_for_topics_is_said_plainly(tmp_path):
    from tests.feedback_data import reviews_csv

    frame = ingest(reviews_csv(tmp_path / "r.csv")).result.frame
    with pytest.raises(ValueError, match="Finding topics needs at least 20 messages; this file has 5"):
        analyse(frame, FeedbackSettings(unhappy_model="lexicon"))


def test_analysis_refuses_a_sales_dataset():
    with pytest.raises(ValueError, match="holds no customer messages"):
        analyse(schema.empty_canonical_frame())


def test_cli_json_and_out_in_file_order(tmp_path, workspace_home, capsys):
    out = tmp_path / "scores.csv"
    assert main(["feedback", messages_file(tmp_path, 300), "--json", "--out", str(out),
                 "--nmf-n-topics", "3"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["messages"] == 300 and info["topic_count"] == 3 and info["out"] == str(out)
    written = pd.read_csv(out)
    assert list(written.columns[:2]) == ["Ticket ID", "date"] and len(written) == 300
    assert list(written["Ticket ID"]) == [f"T{i:05d}" for i in range(1, 301)]
    assert written["Unhappy (probability) (%)"].between(0, 100).all() and written["Topic"].notna().all()
    assert (written["Unhappy (probability) (%)"] > 1).any()  # in percent, not 0.998
    assert {"product code", "customer", "rating"} <= set(written.columns)  # plain headers, no code words


def test_cli_refuses_a_sales_file(capsys):
    from tests.conftest import ROOT

    assert main(["feedback", str(ROOT / "sample_data" / "demo_upload.csv")]) == 2
    assert "is not a customer messages file" in capsys.readouterr().err
