"""Content-based recommendations from product text (name and category).

Each product becomes a vector (TF-IDF, or LDA topic proportions); a customer's profile is
the sum of the vectors of the products they bought; products are scored by cosine with the
profile. Products nobody has bought yet (cold items) have vectors too, so they can be
recommended.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from retail.data import schema
from retail.recommend.base import Recommender, user_rows

logger = logging.getLogger(__name__)

MODELS: tuple[str, ...] = ("tfidf", "lda")
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"  # words of two or more letters (sizes and codes are noise)


def product_text(catalogue: pd.DataFrame) -> list[str]:
    """Name and category of each product as one lower-case string."""
    name = catalogue[schema.PRODUCT_NAME].fillna("").astype(str)
    category = catalogue[schema.CATEGORY].fillna("").astype(str) if schema.CATEGORY in catalogue else ""
    return (name + " " + category).str.lower().tolist()


class Content(Recommender):
    """Products whose text resembles what the customer bought.

    Parameters
    ----------
    model
        ``"tfidf"`` (word weights) or ``"lda"`` (topic proportions, a smoother match).
    n_topics
        Topics of the LDA variant.
    """

    name = "content"

    def __init__(self, model: str = "tfidf", n_topics: int = 30) -> None:
        self.model = model
        self.n_topics = n_topics

    def _validate(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"Unknown content model {self.model!r}; use one of {', '.join(MODELS)}.")
        if int(self.n_topics) != self.n_topics or self.n_topics < 2:
            raise ValueError(f"n_topics must be a whole number >= 2; got {self.n_topics!r}.")

    def _fit(self, interactions) -> None:
        self._vector_cache: dict[tuple, sp.csr_matrix] = {}
        self.item_vectors()

    def item_vectors(self) -> sp.csr_matrix:
        """L2-normalised product vectors of the current model (computed once per model)."""
        key = (self.model, self.n_topics if self.model == "lda" else None)
        if key not in self._vector_cache:
            self._vector_cache[key] = self._vectorise(product_text(self.interactions_.catalogue))
        return self._vector_cache[key]

    def _vectorise(self, texts: list[str]) -> sp.csr_matrix:
        has_words = any(t.strip() for t in texts)
        if not has_words:
            return sp.csr_matrix((len(texts), 1))
        if self.model == "tfidf":
            vectors = TfidfVectorizer(token_pattern=TOKEN_PATTERN, sublinear_tf=True, min_df=1).fit_transform(texts)
        else:
            counts = CountVectorizer(token_pattern=TOKEN_PATTERN, min_df=2).fit_transform(texts)
            lda = LatentDirichletAllocation(n_components=self.n_topics, random_state=0, max_iter=20,
                                            learning_method="batch")
            topics = lda.fit_transform(counts)
            topics[np.asarray(counts.sum(axis=1)).ravel() == 0] = 0.0  # no known word: no topic
            vectors = sp.csr_matrix(topics)
        return sp.csr_matrix(normalize(vectors))

    def _scores(self, users: np.ndarray) -> np.ndarray:
        vectors = self.item_vectors()
        profile = sp.csr_matrix(normalize(user_rows(self.binary_, users) @ vectors))
        scores = profile @ vectors.T
        return scores.toarray() if sp.issparse(scores) else np.asarray(scores)

    def _reasons(self, user: int, items: np.ndarray) -> list[str]:
        vectors = self.item_vectors()
        history = self.interactions_.history(user)
        sims = (vectors[history] @ vectors[items].T).toarray()
        reasons = []
        for col, item in enumerate(items):
            best = int(np.argmax(sims[:, col]))
            if sims[best, col] > 0:
                reasons.append(f"described like your {self.product_name(history[best])} ({sims[best, col]:.2f})")
            else:
                reasons.append(f"no text match; popular with {int(self.popularity_[item]):,} customers")
        return reasons

    def similar_items(self, product: str, n: int = 10) -> pd.DataFrame:
        """Products with the most similar text (works for products nobody bought)."""
        item = self._check_fitted().product_position(product)
        vectors = self.item_vectors()
        return self._similar_frame(item, (vectors @ vectors[item].T).toarray().ravel(), n)
