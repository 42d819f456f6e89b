"""The one interface every recommender implements (after benfred/implicit's recommender_base).

A recommender is configured in ``__init__`` (keyword settings only: the defaults of every
call), learns from an :class:`~retail.recommend.interactions.Interactions` in
:meth:`Recommender.fit` (returns ``self``; learned state ends in ``_``) and then answers
:meth:`~Recommender.recommend`, :meth:`~Recommender.recommend_indices` and
:meth:`~Recommender.similar_items`.

Scoring is pure: a fitted recommender never changes. Every setting can be passed to a call
(``model.recommend("17850", k=20)``) and applies to that call only; anything expensive a
setting derives (a similarity measure, neighbour lists, a topic model) is cached under a key
that includes the setting (:class:`~retail.cache.SettingsCache`), so one fitted model can
serve many sessions at once, and switching back and forth is instant.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from retail.cache import SettingsCache
from retail.data import schema
from retail.formatting import count
from retail.recommend.interactions import Interactions
from retail.recommend.ranking import tie_order, top_n
from retail.recommend.registry import RECOMMENDERS
from retail.recommend.similarity import SimilarityIndex, SimilaritySettings, neighbours
from retail.registry import SpecName

logger = logging.getLogger(__name__)

RESULT_COLUMNS: list[str] = ["rank", schema.PRODUCT_ID, schema.PRODUCT_NAME, "score", "reasons"]
SIMILAR_COLUMNS: list[str] = ["rank", schema.PRODUCT_ID, schema.PRODUCT_NAME, "similarity", "co_buyers"]
BATCH_SIZE = 1024


Settings = Mapping[str, Any]


class Recommender(BaseEstimator, ABC):
    """Base class: ``fit`` / ``recommend`` / ``recommend_indices`` / ``similar_items``.

    Subclasses implement :meth:`_scores` (dense scores for a batch of customers) and
    :meth:`_reasons` (one plain-language reason per recommended product); both receive the
    call's checked settings. They may override :meth:`_fit` and :meth:`similar_items`.
    """

    name = SpecName(RECOMMENDERS)
    #: ``exclude_purchased`` when the caller passes ``None``.
    default_exclude_purchased: ClassVar[bool] = True
    #: False when the algorithm only ranks the customer's own products: with them hidden it can only
    #: fall back to popularity, so it takes no part in the discovery protocol.
    discovers: ClassVar[bool] = True

    # --- settings -------------------------------------------------------------------
    def call_defaults(self) -> dict[str, Any]:
        """The settings every call starts from: the keyword settings given to ``__init__``."""
        return self.get_params(deep=False)

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The settings of one call: the constructor's, with ``overrides`` applied and checked."""
        return self._check({**self.call_defaults(), **overrides})

    def _check(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Checked settings (``ValueError`` saying what to change); the registry entry checks them."""
        if self.name in RECOMMENDERS:
            return RECOMMENDERS.get(self.name).check(settings)
        known = self.call_defaults()
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(f"{self.name} has no setting(s) {unknown}; its settings are {sorted(known)}.")
        return settings

    def blended(self) -> list[str]:
        """The registry algorithms this one blends with its default settings (fitted with it): none here."""
        return []

    # --- fitting --------------------------------------------------------------------
    def fit(self, interactions: Interactions) -> Self:
        """Learn from ``interactions`` and return ``self``."""
        if not isinstance(interactions, Interactions):
            raise TypeError("fit() takes an Interactions object: use retail.recommend.build_interactions(frame).")
        settings = self.settings()
        self.interactions_ = interactions
        self.popularity_ = interactions.popularity()
        self.tie_order_ = tie_order(self.popularity_)
        self.binary_ = interactions.binary
        self._derived: SettingsCache = SettingsCache(maxsize=8)
        self._fit(interactions, settings)
        return self

    def _fit(self, interactions: Interactions, settings: Settings) -> None:  # noqa: B027 - optional hook
        """Subclass hook: compute whatever does not depend on a setting (and warm the defaults)."""

    def _check_fitted(self) -> Interactions:
        if not hasattr(self, "interactions_"):
            raise NotFittedError(f"This {self.name} recommender is not fitted yet: call fit(interactions) first.")
        return self.interactions_

    # --- scoring --------------------------------------------------------------------
    @abstractmethod
    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        """Dense scores (len(users) x products) for customers with a purchase history."""

    @abstractmethod
    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        """One reason per product in ``items`` for customer row ``user``."""

    def scores(self, users: np.ndarray, **settings: Any) -> np.ndarray:
        """Scores of every product for customer rows ``users``; no history -> popularity."""
        interactions = self._check_fitted()
        checked = self.settings(**settings)
        users = np.asarray(users, dtype=np.int64)
        out = np.empty((len(users), interactions.shape[1]))
        has_history = np.diff(self.binary_.indptr)[users] > 0
        if has_history.any():
            out[has_history] = self._scores(users[has_history], checked)
        out[~has_history] = self.popularity_
        return out

    def recommend_indices(self, users: np.ndarray, n: int = 10, exclude_purchased: bool | None = None,
                          **settings: Any) -> np.ndarray:
        """Top-``n`` product indices for many customer rows at once (-1 pads short lists)."""
        self._check_fitted()
        users = np.asarray(users, dtype=np.int64)
        out = np.full((len(users), n), -1, dtype=np.int64)
        for start in range(0, len(users), BATCH_SIZE):
            batch = users[start:start + BATCH_SIZE]
            out[start:start + BATCH_SIZE] = self._top(batch, self.scores(batch, **settings), n, exclude_purchased)
        return out

    def _top(self, users: np.ndarray, scores: np.ndarray, n: int, exclude_purchased: bool | None) -> np.ndarray:
        exclude = self.default_exclude_purchased if exclude_purchased is None else exclude_purchased
        return top_n(scores, n, self.tie_order_, self.binary_[users] if exclude else None)

    def recommend(self, customer: str, n: int = 10, exclude_purchased: bool | None = None,
                  **settings: Any) -> pd.DataFrame:
        """Top-``n`` products for one customer, with scores and reasons.

        Parameters
        ----------
        customer
            A customer id of the fitted data (unknown ids raise ``ValueError``).
        n
            Number of products.
        exclude_purchased
            Leave out products the customer already bought (``None``: the algorithm's
            default, True except for buy-again).
        **settings
            Settings for this call only (see the registry); the model itself is unchanged.

        Returns
        -------
        pandas.DataFrame
            Columns ``rank, product_id, product_name, score, reasons``.
        """
        interactions = self._check_fitted()
        checked = self.settings(**settings)
        user = np.array([interactions.customer_position(customer)])
        all_scores = self.scores(user, **settings)
        items = self._top(user, all_scores, n, exclude_purchased)[0]
        items = items[items >= 0]
        user = int(user[0])
        cold = len(interactions.history(user)) == 0
        reasons = self._cold_reasons(items) if cold else self._reasons(user, items, checked)
        return self._frame(items, all_scores[0, items], reasons)

    def _cold_reasons(self, items: np.ndarray) -> list[str]:
        return [f"no purchase history yet: popular choice, bought by {count(int(self.popularity_[i]), 'customer')}"
                for i in items]

    def _frame(self, items: np.ndarray, scores: np.ndarray, reasons: list[str]) -> pd.DataFrame:
        catalogue = self.interactions_.catalogue
        return pd.DataFrame({
            "rank": np.arange(1, len(items) + 1),
            schema.PRODUCT_ID: catalogue[schema.PRODUCT_ID].to_numpy()[items],
            schema.PRODUCT_NAME: catalogue[schema.PRODUCT_NAME].to_numpy()[items],
            "score": np.asarray(scores, dtype=np.float64),
            "reasons": reasons,
        }, columns=RESULT_COLUMNS)

    def product_name(self, item: int) -> str:
        return str(self.interactions_.catalogue[schema.PRODUCT_NAME].iat[item])

    # --- similar items ---------------------------------------------------------------
    def similar_items(self, product: str, n: int = 10, **settings: Any) -> pd.DataFrame:
        """"Customers who bought this also bought": products most similar to ``product``.

        The base version uses item-item cosine over buyers (shrinkage 10); item-kNN uses the
        call's similarity settings and content-based its text similarity.
        """
        interactions = self._check_fitted()
        self.settings(**settings)
        item = interactions.product_position(product)
        cosine = self._derived.get(("item-cosine",), lambda: SimilarityIndex(interactions.matrix.T, "cosine").rows(
            np.arange(interactions.shape[1])))
        row = neighbours(cosine, SimilaritySettings(shrinkage=10.0), np.array([item]))
        return self._similar_frame(item, row.toarray()[0], n)

    def _similar_frame(self, item: int, similarity: np.ndarray, n: int) -> pd.DataFrame:
        similarity = np.where(similarity > 0, similarity, np.nan)
        similarity[item] = np.nan
        items = top_n(similarity[None, :], n, self.tie_order_)[0]
        items = items[items >= 0]
        co_buyers = np.asarray((self.binary_[:, [item]].T @ self.binary_[:, items]).todense()).ravel()
        catalogue = self.interactions_.catalogue
        return pd.DataFrame({
            "rank": np.arange(1, len(items) + 1),
            schema.PRODUCT_ID: catalogue[schema.PRODUCT_ID].to_numpy()[items],
            schema.PRODUCT_NAME: catalogue[schema.PRODUCT_NAME].to_numpy()[items],
            "similarity": similarity[items],
            "co_buyers": co_buyers.astype(np.int64),
        }, columns=SIMILAR_COLUMNS)


def normalise_rows(scores: np.ndarray) -> np.ndarray:
    """Divide each row by its largest absolute value (rows of zeros stay zero)."""
    scale = np.abs(scores).max(axis=1, keepdims=True) if scores.size else np.ones((len(scores), 1))
    return np.divide(scores, scale, out=np.zeros_like(scores, dtype=np.float64), where=scale > 0)


def user_rows(matrix: sp.csr_matrix, users: np.ndarray) -> sp.csr_matrix:
    """Rows of a CSR matrix as CSR (a small helper shared by the algorithms)."""
    return sp.csr_matrix(matrix[np.asarray(users, dtype=np.int64)])
