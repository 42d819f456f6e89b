"""Content-based recommendations from product text (name and category).

Each product becomes a vector (TF-IDF, or LDA topic proportions); a customer's profile is
the sum of the vectors of the products they bought; products are scored by cosine with the
profile. Products nobody has bought yet (cold items) have vectors too, so they can be
recommended.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from retail.data import schema
from retail.formatting import count
from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.interactions import Interactions

logger = logging.getLogger(__name__)

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
    text_model
        ``"tfidf"`` (word weights) or ``"lda"`` (topic proportions, a smoother match).
    n_topics
        Topics of the LDA variant.
    """

    def __init__(self, text_model: str = "tfidf", n_topics: int = 30) -> None:
        self.text_model = text_model
        self.n_topics = n_topics

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        self.item_vectors(settings)

    def item_vectors(self, settings: Settings | None = None) -> sp.csr_matrix:
        """L2-normalised product vectors of the text model (computed once per model)."""
        settings = settings or self.settings()
        key = (settings["text_model"], settings["n_topics"] if settings["text_model"] == "lda" else None)
        return self._derived.get(key, lambda: _vectorise(product_text(self.interactions_.catalogue), *key))
    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        vectors = self.item_vectors(settings)
        profile = sp.csr_matrix(normalize(user_rows(self.binary_, users) @ vectors))
        scores = profile @ vectors.T
        return scores.toarray() if sp.issparse(scores) else np.asarray(scores)

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        vectors = self.item_vectors(settings)
        history = self.interactions_.history(user)
        sims = (vectors[history] @ vectors[items].T).toarray()
        reasons = []
        for col, item in enumerate(items):
            best = int(np.argmax(sims[:, col]))
            if sims[best, col] > 0:
                reasons.append(f"described like your {self.product_name(history[best])} ({sims[best, col]:.2f})")
            else:
                reasons.append(f"no text match; popular with {count(int(self.popularity_[item]), 'customer')}")
        return reasons

    def similar_items(self, product: str, n: int = 10, **settings: Any) -> pd.DataFrame:
        """Products with the most similar text (works for products nobody bought)."""
        item = self._check_fitted().product_position(product)
        vectors = self.item_vectors(self.settings(**settings))
        return self._similar_frame(item, (vectors @ vectors[item].T).toarray().ravel(), n)


def _vectorise(texts: list[str], text_model: str, n_topics: int | None) -> sp.csr_matrix:
    """L2-normalised TF-IDF or LDA-topic vectors of product texts."""
    if not any(re.search(TOKEN_PATTERN, t) for t in texts):  # no word at all (codes such as "A1"): no text match
        logger.info("content: no product text has a word of two letters or more; every product scores 0")
        return sp.csr_matrix((len(texts), 1))
    if text_model == "tfidf":
        vectors = TfidfVectorizer(token_pattern=TOKEN_PATTERN, sublinear_tf=True, min_df=1).fit_transform(texts)
    else:
        try:
            counts = CountVectorizer(token_pattern=TOKEN_PATTERN, min_df=2).fit_transform(texts)
        except ValueError:  # no word is shared by two products: topics cannot be learned
            return sp.csr_matrix((len(texts), 1))
        lda = LatentDirichletAllocation(n_components=n_topics, random_state=0, max_iter=20,
                                        learning_method="batch")
        topics = lda.fit_transform(counts)
        topics[np.asarray(counts.sum(axis=1)).ravel() == 0] = 0.0  # no known word: no topic
        vectors = sp.csr_matrix(topics)
    return sp.csr_matrix(normalize(vectors))
