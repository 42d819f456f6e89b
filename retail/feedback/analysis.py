"""One customer-voice analysis of a messages dataset: unhappy scores, topics, trends, products, the
list to act on first and the answer helper, in one :class:`FeedbackResult`.

Fitted models are kept in the result and never change; what a page or the command line shows is
read from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from retail.data import schema
from retail.data.messages import rating_scale
from retail.feedback import products, trends
from retail.feedback.answers import AnswerHelper, evaluate_answers
from retail.feedback.registry import NEEDS_RATINGS, TOPIC_MODELS, UNHAPPY_MODELS
from retail.feedback.settings import FeedbackSettings
from retail.feedback.text import message_texts
from retail.feedback.topics import TopicModel
from retail.progress import Progress, quiet

ACT_FIRST = 50  # unhappy messages listed to act on first


@dataclass
class FeedbackResult:
    """Everything one analysis found (tables are plain frames; models are fitted and frozen)."""

    settings: FeedbackSettings
    messages: pd.DataFrame  # one row per message, in file order, with topic and unhappy probability
    topics: pd.DataFrame
    stability: pd.DataFrame
    unhappy: dict[str, Any]
    volume: pd.DataFrame
    rising: pd.DataFrame
    by_product: pd.DataFrame
    by_class: pd.DataFrame
    act_first: pd.DataFrame
    answers: dict[str, Any]
    complaints_vs_sales: pd.DataFrame | None
    topic_model: TopicModel
    helper: AnswerHelper | None
    seconds: dict[str, float] = field(default_factory=dict)

    def summary_dict(self) -> dict[str, Any]:
        """What ``--json`` prints (plain JSON types)."""
        rising = self.rising[self.rising["rising"]] if len(self.rising) else self.rising
        return {
            "messages": len(self.messages), "unhappy": self.unhappy, "answers": self.answers,
            "topics": [{"topic": int(r.topic), "name": r.topic_name, "words": r.words.split(", "),
                        "messages": int(r.messages), "unhappy_share": _plain(r.unhappy_share)}
                       for r in self.topics.itertuples()],
            "topic_count": len(self.topics), "stability": _records(self.stability),
            "rising_topics": [str(name) for name in rising.get("topic_name", [])],
            "products": _records(self.by_product.head(20)), "classes": _records(self.by_class.head(20)),
            "act_first": _records(self.act_first.head(10).drop(columns=[schema.TEXT], errors="ignore")),
            "complaints_up_sales_down": [] if self.complaints_vs_sales is None else [
                str(p) for p in self.complaints_vs_sales.loc[self.complaints_vs_sales["flagged"], schema.PRODUCT_ID]],
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    return None if value is pd.NA or value is pd.NaT or value is None else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def unhappy_labels(ratings: pd.Series, unhappy_rating: float) -> pd.Series:
    """True / False where a message has a rating (at or below ``unhappy_rating`` stars on the file's
    own scale), missing where it has none."""
    values = pd.to_numeric(ratings, errors="coerce")
    threshold = unhappy_rating * rating_scale(values.to_numpy()) / 5.0
    return (values <= threshold).astype("boolean").where(values.notna(), pd.NA)


def score_unhappy(texts: np.ndarray, labels: pd.Series, settings: FeedbackSettings) -> tuple[np.ndarray, dict]:
    """The unhappy probability of every message and what the model is (name, label, AUC, counts).

    A model that learns from ratings is trained on the rated messages; they get their out-of-fold
    scores, the others the trained model's. A word-list model scores every message; where ratings
    exist its AUC against them is shown (it never saw them).
    """
    rated = labels.notna().to_numpy()
    known = labels[rated].astype(bool).to_numpy()
    name = settings.model_for(int(rated.sum()), int(known.sum()))
    spec = UNHAPPY_MODELS.get(name)
    model = spec.build(**settings.params_for(name))
    scores = np.zeros(len(texts))
    if NEEDS_RATINGS in spec.tags:
        model.fit(texts[rated], known)
        scores[rated] = model.training_scores_
        if (~rated).any():
            scores[~rated] = model.predict_proba(texts[~rated])
    else:
        scores = model.fit(texts).training_scores_
    auc = None
    if rated.any() and len(np.unique(known)) == 2:
        auc = float(roc_auc_score(known, scores[rated]))
    info = {"model": name, "label": spec.label, "auc": auc, "auc_how": "cross-validated" if NEEDS_RATINGS in spec.tags
            else "against the ratings it never saw", "rated": int(rated.sum()), "rated_unhappy": int(known.sum()),
            "flagged": int((scores >= products.UNHAPPY_AT).sum())}
    return scores, info


def find_topics(texts: np.ndarray, settings: FeedbackSettings) -> tuple[TopicModel, np.ndarray]:
    spec = TOPIC_MODELS.get(settings.topic_model)
    model = spec.resolve()(**(spec.defaults() | settings.topic_params), seed=settings.seed).fit(texts)
    return model, model.labels_


def topic_table(model: TopicModel, texts: np.ndarray, topics: np.ndarray, scores: np.ndarray,
                examples: int = 3) -> pd.DataFrame:
    """One row per topic: its name, top words, messages, unhappy share and example messages (the
    messages where the topic weighs most); ``texts`` are the messages the model was fitted on."""
    weights = model.weights_
    rows = []
    for topic in model.topics_:
        members = topics == topic.number
        best = np.argsort(-weights[:, topic.number], kind="stable")[:examples]
        rows.append({"topic": topic.number, "topic_name": topic.name, "words": ", ".join(topic.words),
                     "messages": int(members.sum()),
                     "unhappy_share": float((scores[members] >= products.UNHAPPY_AT).mean()) if members.any() else np.nan,
                     "examples": [str(texts[i]) for i in best if weights[i, topic.number] > 0]})
    return pd.DataFrame(rows).sort_values("messages", ascending=False, kind="stable").reset_index(drop=True)


def message_table(frame: pd.DataFrame, texts: np.ndarray, topics: np.ndarray, names: dict[int, str],
                  scores: np.ndarray) -> pd.DataFrame:
    """One row per message in file order: its id (the file's own, else its row), what it is about and
    how likely it comes from an unhappy customer."""
    ids = frame[schema.MESSAGE_ID] if schema.MESSAGE_ID in frame and frame[schema.MESSAGE_ID].notna().any() else None
    table = pd.DataFrame({
        schema.MESSAGE_ID: ids.to_numpy() if ids is not None else np.arange(1, len(frame) + 1).astype(str),
        schema.DATE: frame[schema.DATE].to_numpy(),
        schema.PRODUCT_ID: frame[schema.PRODUCT_ID].to_numpy(),
        schema.CATEGORY: frame[schema.CATEGORY].to_numpy(),
        schema.CUSTOMER_ID: frame[schema.CUSTOMER_ID].to_numpy(),
        schema.RATING: pd.to_numeric(frame[schema.RATING], errors="coerce").to_numpy(),
        "topic": topics, "topic_name": [names[t] for t in topics],
        "unhappy_probability": np.round(scores, 4),
        schema.TEXT: texts,
    })
    if schema.PRODUCT_NAME in frame and frame[schema.PRODUCT_NAME].notna().any():
        table.insert(3, schema.PRODUCT_NAME, frame[schema.PRODUCT_NAME].to_numpy())
    return table


def act_first(messages: pd.DataFrame, n: int = ACT_FIRST) -> pd.DataFrame:
    """The unhappy messages to act on first: newest first, the surest first within a day."""
    unhappy = messages[messages["unhappy_probability"] >= products.UNHAPPY_AT]
    day = unhappy[schema.DATE].dt.normalize() if unhappy[schema.DATE].notna().any() else None
    ordered = unhappy.assign(_day=day).sort_values(["_day", "unhappy_probability"], ascending=False,
                                                   na_position="last", kind="stable")
    return ordered.drop(columns=["_day"]).head(n).reset_index(drop=True)


def analyse(frame: pd.DataFrame, settings: FeedbackSettings | None = None, sales: pd.DataFrame | None = None,
            progress: Progress = quiet) -> FeedbackResult:
    """Analyse a customer messages dataset (canonical rows of :mod:`retail.data.messages`).

    Raises
    ------
    ValueError
        The frame holds no messages (a sales dataset), or too few to find topics.
    """
    settings = settings or FeedbackSettings()
    if schema.TEXT not in frame or frame[schema.TEXT].notna().sum() + frame[schema.TITLE].notna().sum() == 0:
        raise ValueError("This dataset holds no customer messages: add a file of reviews or messages (one row = "
                         "one message, with a text column) on the Data page or with `python -m retail import`.")
    seconds, started = {}, time.perf_counter()
    texts = message_texts(frame).to_numpy(dtype=object)
    progress(0.05, f"scoring {len(texts):,} messages for unhappy customers")
    scores, unhappy = score_unhappy(texts, unhappy_labels(frame[schema.RATING], settings.unhappy_rating), settings)
    seconds["unhappy"], started = time.perf_counter() - started, time.perf_counter()
    progress(0.45, "finding topics")
    model, topics = find_topics(texts, settings)
    seconds["topics"], started = time.perf_counter() - started, time.perf_counter()
    names = model.topic_names()
    messages = message_table(frame, texts, topics, names, scores)
    volume, rising = _trends(frame, topics, names, settings)
    progress(0.8, "answers and products")
    helper, answers = _answers(frame, texts, settings)
    seconds["answers"] = time.perf_counter() - started
    complaints = None if sales is None else products.complaints_vs_sales(messages, sales, settings.window_days)
    return FeedbackResult(
        settings=settings, messages=messages, topics=topic_table(model, texts, topics, scores),
        stability=model.stability_, unhappy=unhappy, volume=volume, rising=rising,
        by_product=products.summary_by(messages, schema.PRODUCT_ID),
        by_class=products.summary_by(messages, schema.CATEGORY), act_first=act_first(messages), answers=answers,
        complaints_vs_sales=complaints, topic_model=model, helper=helper, seconds=seconds)


def _trends(frame: pd.DataFrame, topics: np.ndarray, names: dict[int, str],
            settings: FeedbackSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    if frame[schema.DATE].notna().sum() == 0:
        empty = pd.DataFrame(columns=["period", "topic", "topic_name", "messages", "share"])
        return empty, trends.rising_topics(empty)
    freq = settings.period or trends.choose_period(frame[schema.DATE])
    volume = trends.topic_volume(frame, topics, names, freq)
    complete = trends.complete_periods(frame.assign(_topic=topics), freq)
    tested = trends.topic_volume(complete, complete["_topic"].to_numpy(), names, freq)
    return volume.assign(period_kind=trends.PERIODS[freq]), trends.rising_topics(tested, settings.trailing)


def _answers(frame: pd.DataFrame, texts: np.ndarray, settings: FeedbackSettings) -> tuple[AnswerHelper | None, dict]:
    intents, answers = frame[schema.INTENT].to_numpy(dtype=object), frame[schema.ANSWER].to_numpy(dtype=object)
    if frame[schema.INTENT].isna().all() and frame[schema.ANSWER].isna().all():
        return None, {"intent_accuracy": None, "right_answer_in_3": None, "test_messages": 0,
                      "answered": 0, "intents": 0}
    evaluation = evaluate_answers(texts, intents, answers, seed=settings.seed)
    helper = AnswerHelper().fit(texts, intents, answers)
    return helper, evaluation | {"answered": int(frame[schema.ANSWER].notna().sum()),
                                 "intents": int(frame[schema.INTENT].nunique())}
