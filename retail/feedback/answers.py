"""Answering faster: the likely intent of a new message and the most similar past messages that got
an answer, with that answer (TF-IDF cosine similarity), so an agent starts from a good reply.

:func:`evaluate_answers` holds out a random share of the answered messages: intent accuracy, and
how often one of the three suggested past messages had the held-out message's own intent (its
answer is the right kind of answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from retail.feedback.text import word_vectoriser
from retail.feedback.unhappy import NotFittedError

MIN_INTENT_EXAMPLES = 2  # an intent with fewer past messages cannot be learned


def _strings(values: Sequence | np.ndarray | None, length: int) -> np.ndarray:
    if values is None:
        return np.full(length, None, dtype=object)
    series = pd.Series(np.asarray(values, dtype=object))
    return series.where(series.notna() & (series.astype(str).str.strip() != ""), None).to_numpy()


@dataclass(frozen=True)
class Suggestion:
    """A past message like the new one, its intent and the answer it got."""

    message: str
    intent: str | None
    answer: str
    similarity: float


class AnswerHelper:
    """Intent classifier (TF-IDF + logistic regression) and nearest answered messages.

    Parameters
    ----------
    c : inverse regularisation strength of the intent classifier.
    """

    def __init__(self, c: float = 4.0) -> None:
        self.c = c

    def fit(self, texts: Sequence[str], intents: Sequence[str | None] | None = None,
            answers: Sequence[str | None] | None = None) -> AnswerHelper:
        texts = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str).to_numpy()
        intents, answers = _strings(intents, len(texts)), _strings(answers, len(texts))
        self.vectoriser_ = word_vectoriser(min_df=1)
        matrix = self.vectoriser_.fit_transform(texts)
        answered = np.flatnonzero(answers != None)  # noqa: E711 - elementwise on an object array
        self.answered_ = matrix[answered]
        self.past_ = pd.DataFrame({"message": texts[answered], "intent": intents[answered],
                                   "answer": answers[answered]})
        self.classifier_ = self._intent_classifier(matrix, intents)
        return self

    def _intent_classifier(self, matrix, intents: np.ndarray) -> LogisticRegression | None:
        known = pd.Series(intents).dropna()
        usable = known[known.map(known.value_counts()) >= MIN_INTENT_EXAMPLES]
        if usable.nunique() < 2:
            return None
        rows = usable.index.to_numpy()
        return LogisticRegression(C=self.c, max_iter=1000).fit(matrix[rows], usable.to_numpy().astype(str))

    @property
    def knows_intents(self) -> bool:
        return getattr(self, "classifier_", None) is not None

    def _check(self) -> None:
        if not hasattr(self, "vectoriser_"):
            raise NotFittedError("AnswerHelper is not fitted yet: call fit(texts, intents, answers) first.")

    def intent_probabilities(self, text: str) -> pd.Series:
        """Each known intent's probability for ``text``, most likely first (empty without intents)."""
        self._check()
        if not self.knows_intents:
            return pd.Series(dtype=float)
        probabilities = self.classifier_.predict_proba(self.vectoriser_.transform([text]))[0]
        return pd.Series(probabilities, index=self.classifier_.classes_).sort_values(ascending=False)

    def predict_intents(self, texts: Sequence[str]) -> np.ndarray:
        self._check()
        if not self.knows_intents:
            return np.full(len(texts), None, dtype=object)
        return self.classifier_.predict(self.vectoriser_.transform(list(texts)))

    def similar(self, texts: Sequence[str], n: int = 3) -> list[list[Suggestion]]:
        """The ``n`` most similar answered past messages of each text (cosine of TF-IDF vectors)."""
        self._check()
        if self.answered_.shape[0] == 0:
            return [[] for _ in texts]
        similarity = (self.vectoriser_.transform(list(texts)) @ self.answered_.T).toarray()
        n = min(n, similarity.shape[1])
        best = np.argsort(-similarity, axis=1, kind="stable")[:, :n]
        past = self.past_
        return [[Suggestion(past.at[j, "message"], past.at[j, "intent"], past.at[j, "answer"], float(row[j]))
                 for j in order if row[j] > 0] for row, order in zip(similarity, best, strict=True)]


def evaluate_answers(texts: Sequence[str], intents: Sequence[str | None] | None,
                     answers: Sequence[str | None] | None, test_share: float = 0.25, seed: int = 0,
                     helper: AnswerHelper | None = None) -> dict[str, float | int | None]:
    """Held-out intent accuracy and how often the right intent is among the three suggestions."""
    texts = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str).to_numpy()
    intents, answers = _strings(intents, len(texts)), _strings(answers, len(texts))
    labelled = np.flatnonzero(intents != None)  # noqa: E711
    counts = pd.Series(intents[labelled]).value_counts()
    if len(labelled) < 20 or counts.size < 2:
        return {"intent_accuracy": None, "right_answer_in_3": None, "test_messages": 0}
    stratify = intents[labelled] if counts.min() >= 2 else None
    _, test = train_test_split(labelled, test_size=test_share, random_state=seed, stratify=stratify)
    rest = np.setdiff1d(np.arange(len(texts)), test)
    fitted = (helper or AnswerHelper()).fit(texts[rest], intents[rest], answers[rest])
    predicted = fitted.predict_intents(texts[test])
    suggestions = fitted.similar(texts[test], 3)
    in_three = [any(s.intent == truth for s in found) for found, truth in zip(suggestions, intents[test], strict=True)]
    accuracy = float(np.mean(predicted == intents[test])) if fitted.knows_intents else None
    return {"intent_accuracy": accuracy, "right_answer_in_3": float(np.mean(in_three)), "test_messages": int(len(test))}
