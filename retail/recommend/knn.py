"""Neighbourhood collaborative filtering: item-based and user-based kNN.

Both store the *raw* similarity (per measure, computed once and cached) and apply
``k``, ``shrinkage`` and ``min_overlap`` when scoring, so a slider change re-ranks without
refitting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.recommend.base import Recommender, user_rows
from retail.recommend.similarity import (
    DenseTopK,
    RawSimilarity,
    SimilarityIndex,
    SimilaritySettings,
    check_measure,
    dense_shrunk_with_top,
    neighbours,
    shrink,
)

DENSE_LIMIT = 8000  # up to this many products the shrunk similarity is held dense (256 MB)
DENSE_CACHE_SIZE = 3  # shrinkage / overlap / measure settings kept ready
MAX_FAST_K = 200  # k up to this re-ranks from cached sorted rows (no partition)


class _NeighbourSettings:
    """Checks and bundles the kNN settings shared by item- and user-based kNN."""

    similarity: str
    k: int
    shrinkage: float
    min_overlap: int

    def _validate(self) -> None:
        check_measure(self.similarity)
        self.settings()

    def settings(self) -> SimilaritySettings:
        return SimilaritySettings(shrinkage=self.shrinkage, min_overlap=self.min_overlap, k=self.k)


class ItemKNN(_NeighbourSettings, Recommender):
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

    name = "item-knn"

    def __init__(self, similarity: str = "cosine", k: int = 50, shrinkage: float = 10.0,
                 min_overlap: int = 1) -> None:
        self.similarity = similarity
        self.k = k
        self.shrinkage = shrinkage
        self.min_overlap = min_overlap

    def _fit(self, interactions) -> None:
        self._raw_cache: dict[str, RawSimilarity] = {}
        self._dense_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._topk_cache: dict[tuple, DenseTopK | sp.csr_matrix] = {}
        self._neighbourhoods()

    def raw_similarity(self) -> RawSimilarity:
        """Full item-item similarity of the current measure (computed once per measure)."""
        interactions = self._check_fitted()
        if self.similarity not in self._raw_cache:
            index = SimilarityIndex(interactions.matrix.T, self.similarity)
            self._raw_cache[self.similarity] = index.rows(np.arange(interactions.shape[1]))
        return self._raw_cache[self.similarity]

    def _neighbourhoods(self) -> DenseTopK | sp.csr_matrix:
        """Top-k neighbours of every product for the current settings (cached per setting)."""
        key = (self.similarity, float(self.shrinkage), int(self.min_overlap), self.k)
        if key not in self._topk_cache:
            self._topk_cache.clear()
            if self.binary_.shape[1] > DENSE_LIMIT:
                self._topk_cache[key] = neighbours(self.raw_similarity(), self.settings())
            else:
                dense_key = key[:3]
                if dense_key not in self._dense_cache:
                    while len(self._dense_cache) >= DENSE_CACHE_SIZE:  # keep the most recent settings
                        self._dense_cache.pop(next(iter(self._dense_cache)))
                    self._dense_cache[dense_key] = dense_shrunk_with_top(
                        self.raw_similarity(), self.shrinkage, self.min_overlap, MAX_FAST_K)
                dense, row_top = self._dense_cache[dense_key]
                self._topk_cache[key] = DenseTopK(dense, self.k, row_top)
        return self._topk_cache[key]

    def neighbour_weights(self, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Dense ``sim(j, i)`` for candidates ``rows`` (default all) and products ``cols``,
        zero unless ``i`` is among the ``k`` nearest neighbours of ``j``."""
        hoods = self._neighbourhoods()
        if isinstance(hoods, DenseTopK):
            return hoods.weights(np.asarray(cols), rows)
        picked = hoods if rows is None else hoods[np.asarray(rows)]
        return picked[:, np.asarray(cols)].toarray()

    def _scores(self, users: np.ndarray) -> np.ndarray:
        bought = user_rows(self.binary_, users)
        items = np.unique(bought.indices)
        weights = self.neighbour_weights(items)  # products x bought products
        return np.asarray(bought[:, items] @ weights.T)

    def _reasons(self, user: int, items: np.ndarray) -> list[str]:
        history = self.interactions_.history(user)
        contributions = self.neighbour_weights(history, items).T  # history x items
        reasons = []
        for col in range(len(items)):
            top = np.argsort(-contributions[:, col], kind="stable")[:3]
            top = [t for t in top if contributions[t, col] > 0]
            if not top:
                reasons.append(f"no close neighbour among your products; popular with "
                               f"{int(self.popularity_[items[col]]):,} customers")
                continue
            parts = [f"{self.product_name(history[t])} (similarity {contributions[t, col]:.2f})" for t in top]
            reasons.append("because you bought " + "; ".join(parts))
        return reasons

    def similar_items(self, product: str, n: int = 10) -> pd.DataFrame:
        """Nearest products under the current similarity, shrinkage and minimum overlap."""
        item = self._check_fitted().product_position(product)
        row = shrink(self.raw_similarity(), self.shrinkage, self.min_overlap, np.array([item]))
        return self._similar_frame(item, row.toarray()[0], n)


class UserKNN(_NeighbourSettings, Recommender):
    """User-based kNN: what the ``k`` most similar customers bought.

    ``score(c, j) = sum of sim(c, v)`` over the neighbours ``v`` who bought ``j``. Similarity
    rows are computed on demand (one sparse product per batch), never the full matrix.

    Parameters
    ----------
    similarity, k, shrinkage, min_overlap
        As for :class:`ItemKNN`, between customers (``n`` = products bought by both).
    """

    name = "user-knn"

    def __init__(self, similarity: str = "cosine", k: int = 50, shrinkage: float = 0.0,
                 min_overlap: int = 1) -> None:
        self.similarity = similarity
        self.k = k
        self.shrinkage = shrinkage
        self.min_overlap = min_overlap

    def _fit(self, interactions) -> None:
        self._index_cache: dict[str, SimilarityIndex] = {}

    def neighbour_rows(self, users: np.ndarray) -> sp.csr_matrix:
        """Pruned customer-similarity rows of ``users`` (len(users) x customers)."""
        if self.similarity not in self._index_cache:
            self._index_cache[self.similarity] = SimilarityIndex(self.interactions_.matrix, self.similarity)
        raw = self._index_cache[self.similarity].rows(np.asarray(users))
        return neighbours(raw, self.settings())

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return (self.neighbour_rows(users) @ self.binary_).toarray()

    def _reasons(self, user: int, items: np.ndarray) -> list[str]:
        near = self.neighbour_rows(np.array([user]))
        n_near = near.nnz
        near.data[:] = 1.0
        bought = (near @ self.binary_[:, items]).toarray()[0]
        return [f"bought by {int(b)} of your {n_near} most similar customers" if b > 0 else
                f"none of your similar customers bought it; popular with {int(self.popularity_[i]):,} customers"
                for b, i in zip(bought, items, strict=True)]
