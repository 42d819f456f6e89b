"""Neighbourhood collaborative filtering: item-based and user-based kNN.

Both store the *raw* similarity (per measure, computed once and cached) and apply
``k``, ``shrinkage`` and ``min_overlap`` when scoring, so a slider change re-ranks without
refitting.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.cache import SettingsCache
from retail.formatting import count
from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.interactions import Interactions
from retail.recommend.neighbourhoods import DenseTopK, PaddedSimilarity, dense_shrunk_with_top
from retail.recommend.similarity import (
    MEASURES,
    RawSimilarity,
    SimilarityIndex,
    SimilaritySettings,
    check_measure,
    neighbours,
    pairwise_similarity,
    shrink,
)

DENSE_LIMIT = 8000  # up to this many products the shrunk similarity is held dense (256 MB)
# Above it each product keeps its CANDIDATES most similar products (raw similarity, with their
# co-buyer counts), built in row blocks: memory grows with products x CANDIDATES, not products^2.
# Shrinkage and the minimum overlap then re-order and filter within those candidates only.
CANDIDATES = 200
DENSE_CACHE_SIZE = 3  # shrinkage / overlap / measure settings kept ready
MAX_FAST_K = 200  # k up to this re-ranks from cached sorted rows (no partition)


def _similarity(settings: Settings) -> SimilaritySettings:
    return SimilaritySettings(shrinkage=settings["shrinkage"], min_overlap=settings["min_overlap"], k=settings["k"])


class ItemKNN(Recommender):
    """Item-based kNN: products whose nearest neighbours include what the customer bought.

    ``score(c, j) = sum of sim(j, i)`` over the customer's products ``i`` that are among the
    ``k`` nearest neighbours of the candidate ``j`` (after shrinkage and minimum overlap;
    the prediction rule of Sarwar et al. 2001, which measured better here than summing each
    bought product's own neighbour list).

    Parameters
    ----------
    similarity
        ``"cosine"``, ``"pearson"`` or ``"jaccard"``.
    k
        Neighbours kept per product.
    shrinkage
        ``sim * n / (n + shrinkage)`` with ``n`` the number of common buyers (0: none).
    min_overlap
        Pairs with fewer common buyers are ignored.
    """

    def __init__(self, similarity: str = "jaccard", k: int = 50, shrinkage: float = 50.0,
                 min_overlap: int = 1) -> None:
        self.similarity = similarity
        self.k = k
        self.shrinkage = shrinkage
        self.min_overlap = min_overlap

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        self._raw: SettingsCache = SettingsCache(maxsize=len(MEASURES))
        self._dense: SettingsCache = SettingsCache(maxsize=DENSE_CACHE_SIZE)
        self._padded: SettingsCache = SettingsCache(maxsize=len(MEASURES))
        self._neighbourhoods(settings)

    def raw_similarity(self, measure: str | None = None) -> RawSimilarity:
        """Full item-item similarity of ``measure`` (default: the constructor's), computed once per measure."""
        interactions = self._check_fitted()
        measure = check_measure(measure or self.similarity)
        if interactions.shape[1] > DENSE_LIMIT:
            return self._raw.get(measure, lambda: pairwise_similarity(interactions.matrix.T, measure,
                                                                      top_k=CANDIDATES, parallel=True))
        return self._raw.get(measure, lambda: SimilarityIndex(interactions.matrix.T, measure).rows(
            np.arange(interactions.shape[1])))

    def _neighbourhoods(self, settings: Settings) -> DenseTopK | sp.csr_matrix:
        """Top-k neighbours of every product for ``settings`` (cached per setting)."""
        measure, shrinkage, overlap, k = (settings["similarity"], float(settings["shrinkage"]),
                                          int(settings["min_overlap"]), int(settings["k"]))
        if self.binary_.shape[1] > DENSE_LIMIT:
            padded = self._padded.get(measure, lambda: PaddedSimilarity.of(self.raw_similarity(measure)))
            shrunk = self._dense.get(("padded", measure, shrinkage, overlap), lambda: padded.shrunk(shrinkage, overlap))
            return self._derived.get(("top-k", measure, shrinkage, overlap, k), lambda: padded.top(shrunk, k))
        dense, row_top = self._dense.get((measure, shrinkage, overlap), lambda: dense_shrunk_with_top(
            self.raw_similarity(measure), shrinkage, overlap, MAX_FAST_K))
        return self._derived.get(("top-k", measure, shrinkage, overlap, k), lambda: DenseTopK(dense, k, row_top))

    def neighbour_weights(self, settings: Settings, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Dense ``sim(j, i)`` for candidates ``rows`` (default all) and products ``cols``,
        zero unless ``i`` is among the ``k`` nearest neighbours of ``j``."""
        hoods = self._neighbourhoods(settings)
        if isinstance(hoods, DenseTopK):
            return hoods.weights(np.asarray(cols), rows)
        picked = hoods if rows is None else hoods[np.asarray(rows)]
        return picked[:, np.asarray(cols)].toarray()

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        bought = user_rows(self.binary_, users)
        hoods = self._neighbourhoods(settings)
        if not isinstance(hoods, DenseTopK):  # large catalogue: one sparse product, no dense product x product block
            return (bought @ hoods.T).toarray()
        items = np.unique(bought.indices)
        weights = self.neighbour_weights(settings, items)  # products x bought products, k per row at most
        # Sparse: each bought product meets only the products that count it among their k nearest (many
        # customers at once, an evaluation, multiply far fewer pairs); the sums add the same terms in the
        # same order as the dense product, so the scores are the same to the last bit.
        return (bought[:, items] @ sp.csr_matrix(weights).T).toarray()

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        history = self.interactions_.history(user)
        contributions = self.neighbour_weights(settings, history, items).T  # history x items
        reasons = []
        for col in range(len(items)):
            top = np.argsort(-contributions[:, col], kind="stable")[:3]
            top = [t for t in top if contributions[t, col] > 0]
            if not top:
                reasons.append(f"no close neighbour among your products; popular with "
                               f"{count(int(self.popularity_[items[col]]), 'customer')}")
                continue
            parts = [f"{self.product_name(history[t])} (similarity {contributions[t, col]:.2f})" for t in top]
            reasons.append("because you bought " + "; ".join(parts))
        return reasons

    def similar_items(self, product: str, n: int = 10, **settings: Any) -> pd.DataFrame:
        """Nearest products under the call's similarity, shrinkage and minimum overlap."""
        item = self._check_fitted().product_position(product)
        checked = self.settings(**settings)
        row = shrink(self.raw_similarity(checked["similarity"]), checked["shrinkage"], checked["min_overlap"],
                     np.array([item]))
        return self._similar_frame(item, row.toarray()[0], n)


class UserKNN(Recommender):
    """User-based kNN: what the ``k`` most similar customers bought.

    ``score(c, j) = sum of sim(c, v)`` over the neighbours ``v`` who bought ``j``. Similarity
    rows are computed on demand (one sparse product per batch), never the full matrix.

    Parameters
    ----------
    similarity, k, shrinkage, min_overlap
        As for :class:`ItemKNN`, between customers (``n`` = products bought by both).
    """

    def __init__(self, similarity: str = "cosine", k: int = 50, shrinkage: float = 0.0,
                 min_overlap: int = 1) -> None:
        self.similarity = similarity
        self.k = k
        self.shrinkage = shrinkage
        self.min_overlap = min_overlap

    def neighbour_rows(self, users: np.ndarray, settings: Settings) -> sp.csr_matrix:
        """Pruned customer-similarity rows of ``users`` (len(users) x customers)."""
        measure = settings["similarity"]
        index = self._derived.get(("index", measure), lambda: SimilarityIndex(self.interactions_.matrix, measure))
        return neighbours(index.rows(np.asarray(users)), _similarity(settings))

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        return (self.neighbour_rows(users, settings) @ self.binary_).toarray()

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        near = self.neighbour_rows(np.array([user]), settings)
        n_near = near.nnz
        near.data[:] = 1.0
        bought = (near @ self.binary_[:, items]).toarray()[0]
        return [f"bought by {int(b)} of your {n_near} most similar customers" if b > 0 else
                f"none of your similar customers bought it; popular with {count(int(self.popularity_[i]), 'customer')}"
                for b, i in zip(bought, items, strict=True)]
