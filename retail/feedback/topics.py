"""What customers talk about: topics found in the words of the messages (TF-IDF with NMF, or word
counts with LDA), the number of topics chosen by how stable they are across random starts.

A topic is a weighted list of words that tend to appear together ('fit small size runs'); each
message gets the topic that weighs most in it (or none, when no topic word occurs). The number of
topics is the one whose topics come back the same when the model starts from other random
seeds (Greene, O'Callaghan and Cunningham, 2014): the top words of each run are matched to the
other runs' and their overlap (Jaccard) averaged. Among numbers about as stable as the best (within
``tolerance``), the largest is kept, so a file with many distinct subjects is not squeezed into three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from retail.feedback.text import TOKENS

NO_TOPIC = -1
STABILITY_WORDS = 10  # top words compared between runs
STABILITY_SAMPLE = 3000  # messages used to choose the number of topics (the final model reads all)
STABILITY_VOCABULARY = 5000  # the sample's most widespread words and pairs the stability runs read
STABILITY_TOL = 1e-3  # stability runs stop earlier than the final model: only their top words are compared
MIN_MESSAGES = 20  # fewer messages cannot show what is said repeatedly


def _vectoriser(method: str, documents: int) -> TfidfVectorizer | CountVectorizer:
    kind = TfidfVectorizer if method == "nmf" else CountVectorizer
    # single precision: NMF runs about a third faster, with the same stability and top words
    options = {"sublinear_tf": True, "dtype": np.float32} if method == "nmf" else {}
    return kind(stop_words="english", token_pattern=TOKENS, min_df=2 if documents < 2000 else 3, max_df=0.5,
                ngram_range=(1, 2), max_features=20_000, strip_accents="unicode", **options)


def _factoriser(method: str, topics: int, seed: int, random_start: bool = False):
    """NMF starts from an SVD (the same topics every time) unless ``random_start`` (stability runs)."""
    if method == "nmf":
        if random_start:
            return NMF(topics, init="random", random_state=seed, max_iter=300, tol=STABILITY_TOL)
        return NMF(topics, init="nndsvdar", random_state=seed, max_iter=300)
    return LatentDirichletAllocation(topics, learning_method="batch", max_iter=30, random_state=seed)


def top_word_sets(components: np.ndarray, words: np.ndarray, n: int = STABILITY_WORDS) -> list[set[str]]:
    return [set(words[np.argsort(-row)[:n]]) for row in components]


def matched_overlap(first: list[set[str]], second: list[set[str]]) -> float:
    """Mean Jaccard overlap of two runs' topics, each topic matched to its best partner (one to one)."""
    overlap = np.array([[len(a & b) / max(len(a | b), 1) for b in second] for a in first])
    rows, cols = linear_sum_assignment(-overlap)
    return float(overlap[rows, cols].mean())


def widespread_columns(matrix, n: int = STABILITY_VOCABULARY) -> np.ndarray:
    """The ``n`` words (columns) found in the most messages, in column order: a rarer word can hardly be among
    a topic's top words, and the stability runs' cost grows with the words they read."""
    if matrix.shape[1] <= n:
        return np.arange(matrix.shape[1])
    return np.sort(np.argsort(-matrix.getnnz(axis=0), kind="stable")[:n])


def stability(matrix, words: np.ndarray, method: str, topics: int, seeds: Sequence[int]) -> float:
    """Mean matched top-word overlap between runs started from different seeds (1 = identical topics)."""
    runs = [top_word_sets(_factoriser(method, topics, seed, random_start=True).fit(matrix).components_, words) for seed in seeds]
    return float(np.mean([matched_overlap(a, b) for a, b in combinations(runs, 2)]))


@dataclass(frozen=True)
class Topic:
    number: int
    name: str
    words: tuple[str, ...]


class TopicModel(BaseEstimator):
    """Topics of a set of messages (scikit-learn style: ``fit(texts)``, ``transform``, ``predict``).

    Parameters
    ----------
    method : "nmf" (TF-IDF, non-negative matrix factorisation) or "lda" (word counts, latent
        Dirichlet allocation).
    n_topics : a fixed number of topics; None chooses it by stability between ``min_topics`` and
        ``max_topics``.
    seeds : random starts compared for stability.
    tolerance : numbers of topics within this much of the best stability count as equally stable.
    seed : seed of the final model.
    """

    def __init__(self, method: str = "nmf", n_topics: int | None = None, min_topics: int = 3, max_topics: int = 10,
                 seeds: int = 3, tolerance: float = 0.05, top_words: int = 8, seed: int = 0) -> None:
        self.method = method
        self.n_topics = n_topics
        self.min_topics = min_topics
        self.max_topics = max_topics
        self.seeds = seeds
        self.tolerance = tolerance
        self.top_words = top_words
        self.seed = seed

    def fit(self, texts: Sequence[str]) -> TopicModel:
        texts = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str)
        if self.method not in ("nmf", "lda"):
            raise ValueError(f"Topic method must be 'nmf' or 'lda'; got {self.method!r}.")
        if len(texts) < MIN_MESSAGES:
            raise ValueError(f"Finding topics needs at least {MIN_MESSAGES} messages; this file has {len(texts)}.")
        self.vectoriser_ = _vectoriser(self.method, len(texts))
        try:
            matrix = self.vectoriser_.fit_transform(texts)
        except ValueError as exc:  # no word appears in two messages
            raise ValueError("Too few messages share words to find topics; at least a few dozen are needed.") from exc
        self.words_ = self.vectoriser_.get_feature_names_out()
        self.stability_ = self._choose(matrix)
        self.model_ = _factoriser(self.method, self.chosen_, self.seed).fit(matrix)
        self.topics_ = self._describe(self.model_.components_)
        self.weights_ = self._weights(matrix)
        self.labels_ = _main_topic(self.weights_)
        return self

    def _candidates(self, documents: int, words: int) -> list[int]:
        if self.n_topics is not None:
            return [min(int(self.n_topics), documents, words)]
        top = max(min(self.max_topics, documents // 20, words // 5), self.min_topics)
        return [k for k in range(self.min_topics, top + 1) if k <= min(documents, words)] or [min(documents, words)]

    def _choose(self, matrix) -> pd.DataFrame:
        candidates = self._candidates(*matrix.shape)
        if len(candidates) == 1:
            self.chosen_ = candidates[0]
            return pd.DataFrame({"topics": candidates, "stability": [np.nan]})
        rows = np.random.default_rng(self.seed).permutation(matrix.shape[0])[:STABILITY_SAMPLE]
        sample = matrix[np.sort(rows)]
        columns = widespread_columns(sample)
        sample, words = sample[:, columns], self.words_[columns]
        seeds = range(1, 1 + self.seeds)  # fixed starts: the number chosen is the file's, not the seed's
        scores = [stability(sample, words, self.method, k, seeds) for k in candidates]
        good = [k for k, s in zip(candidates, scores, strict=True) if s >= max(scores) - self.tolerance]
        self.chosen_ = max(good)
        return pd.DataFrame({"topics": candidates, "stability": np.round(scores, 3)})

    def _describe(self, components: np.ndarray) -> list[Topic]:
        topics = []
        for number, row in enumerate(components):
            words = tuple(self.words_[np.argsort(-row)[:self.top_words]])
            topics.append(Topic(number, " · ".join(words[:3]), words))
        return topics

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Each message's weight on each topic (rows sum to 1; all zero without any topic word)."""
        if not hasattr(self, "model_"):
            raise NotFittedError("TopicModel is not fitted yet: call fit(texts) first.")
        texts = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str)
        return self._weights(self.vectoriser_.transform(texts))

    def _weights(self, matrix) -> np.ndarray:
        weights = self.model_.transform(matrix)
        weights[np.asarray(matrix.sum(axis=1)).ravel() == 0] = 0.0
        totals = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The main topic of each message (:data:`NO_TOPIC` when it has no topic word)."""
        return _main_topic(self.transform(texts))

    def topic_names(self) -> dict[int, str]:
        return {topic.number: topic.name for topic in self.topics_} | {NO_TOPIC: "(no topic words)"}


def _main_topic(weights: np.ndarray) -> np.ndarray:
    return np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), NO_TOPIC)


def nmf_topics(**params) -> TopicModel:
    """Topics by non-negative matrix factorisation of TF-IDF (the registry's factory)."""
    return TopicModel(method="nmf", **params)


def lda_topics(**params) -> TopicModel:
    """Topics by latent Dirichlet allocation of word counts (the registry's factory)."""
    return TopicModel(method="lda", **params)
