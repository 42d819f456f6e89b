"""EASE: a linear autoencoder learned in closed form (Steck 2019, "Embarrassingly Shallow
Autoencoders for Sparse Data").

EASE learns one weight ``B[i, j]`` per product pair: how much having bought ``i`` predicts
``j``, fitted jointly over all products (so two products that only look alike because both
go with a third one do not count twice), with no product predicting itself
(``diag(B) = 0``). With ``G = X'X + lambda I`` and ``P = G^-1``:
``B = I - P diag(1 / diag(P))``. A customer's scores are ``x_u B``.

Large catalogues: ``B`` is dense (products^2 numbers) and the inversion costs products^3,
so above :data:`MAX_PRODUCTS` products only the :data:`MAX_PRODUCTS` products with the most
buyers are modelled (float32: 100 MB per matrix); the others score 0, as products with no
evidence do in item-kNN. The products left out are the rarest, which top-10 lists seldom
reach; ``benchmarks/bench_recommend.py`` measures the cut on Online Retail.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp

from retail.cache import SettingsCache
from retail.recommend.base import Recommender, Settings, user_rows
from retail.recommend.interactions import Interactions

logger = logging.getLogger(__name__)

MAX_PRODUCTS = 5000  # products modelled at most: ~2 s to invert in float32, 100 MB per dense matrix
WEIGHTS_CACHE_SIZE = 3  # regularisation / input settings kept ready (one dense matrix each)


def ease_weights(gram: np.ndarray, l2: float) -> np.ndarray:
    """The EASE weight matrix from a Gram matrix ``X'X`` and the regularisation ``l2``.

    Solved through a Cholesky factorisation of the symmetric positive definite ``X'X + l2 I``
    in the Gram matrix's precision (float32 halves the memory and the time).
    """
    regularised = np.array(gram, copy=True)
    regularised[np.diag_indices_from(regularised)] += l2
    lapack = scipy.linalg.get_lapack_funcs(("potrf", "potri"), (regularised,))
    factor, info = lapack[0](regularised, lower=False, overwrite_a=True)
    if info != 0:
        raise ValueError(f"The regularisation ({l2:g}) is too small for this data: give a larger value.")
    inverse, info = lapack[1](factor, lower=False, overwrite_c=True)
    if info != 0:  # pragma: no cover - potrf succeeded, so the factor is invertible
        raise ValueError("The product weights could not be computed; give a larger regularisation.")
    inverse = np.triu(inverse) + np.triu(inverse, 1).T
    weights = inverse / (-np.diag(inverse))[None, :]
    np.fill_diagonal(weights, 0.0)
    return weights


class EASE(Recommender):
    """Learned product-to-product weights (EASE, a closed-form linear autoencoder).

    Parameters
    ----------
    input
        ``"binary"``: bought or not; ``"count"``: number of orders with the product.
    l2
        Regularisation lambda: larger values trust frequent pairs only (smoother weights).
    half_life_days
        When scoring, a product the customer last bought this many days ago counts half as much as one
        bought on the last day (0: every product alike). The weights are learned from all purchases
        alike; only what the customer's list starts from leans towards their recent interests.
    """

    name = "ease"

    def __init__(self, input: str = "binary", l2: float = 300.0, half_life_days: float = 120.0) -> None:
        self.input = input
        self.l2 = l2
        self.half_life_days = half_life_days

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        buyers = self.popularity_
        if len(buyers) > MAX_PRODUCTS:
            keep = np.sort(np.argsort(-buyers, kind="stable")[:MAX_PRODUCTS])
            logger.info("EASE models the %d products with most buyers of %d", MAX_PRODUCTS, len(buyers))
        else:
            keep = np.arange(len(buyers))
        self.modelled_ = keep
        self._weights: SettingsCache = SettingsCache(maxsize=WEIGHTS_CACHE_SIZE)
        self.weights(settings)

    def _rows(self, kind: str) -> sp.csr_matrix:
        """Customers x modelled products, bought-or-not or order counts (float32)."""
        def build() -> sp.csr_matrix:
            source = self.binary_ if kind == "binary" else self.interactions_.counts
            return sp.csr_matrix(source[:, self.modelled_], dtype=np.float32)

        return self._derived.get(("input", kind), build)

    def _gram(self, kind: str) -> np.ndarray:
        """``X'X`` in float64 for small catalogues (exact and cheap), float32 above 2,000 products."""
        dtype = np.float64 if len(self.modelled_) <= 2000 else np.float32
        rows = self._rows(kind)
        return (rows.T @ rows).toarray().astype(dtype)

    def weights(self, settings: Settings | None = None) -> np.ndarray:
        """The weight matrix ``B`` over the modelled products for ``settings`` (cached per setting)."""
        self._check_fitted()
        settings = settings or self.settings()
        kind, l2 = settings["input"], float(settings["l2"])
        return self._weights.get((kind, l2), lambda: ease_weights(self._gram(kind), l2))

    def _profile(self, users: np.ndarray, settings: Settings) -> sp.csr_matrix:
        """The customers' rows over the modelled products, recent purchases weighted up (``half_life_days``)."""
        rows = user_rows(self._rows(settings["input"]), users)
        half_life = float(settings["half_life_days"])
        if half_life <= 0:
            return rows
        age = sp.csr_matrix(user_rows(self.interactions_.age_days, users)[:, self.modelled_])  # days since, plus 1
        age.data = 0.5 ** ((age.data - 1.0) / half_life)
        return sp.csr_matrix(rows.multiply(age), dtype=np.float32)

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        x = self._profile(users, settings)
        out = np.zeros((len(users), self.binary_.shape[1]))
        out[:, self.modelled_] = np.asarray(x @ self.weights(settings), dtype=np.float64)
        return out

    def _contributions(self, user: int, items: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
        """(history products, history x items contributions ``x_ui * B[i, j]``) of one customer."""
        row = self._profile(np.array([user]), settings)
        where = np.full(self.binary_.shape[1], -1)
        where[self.modelled_] = np.arange(len(self.modelled_))
        columns = where[items]
        weights = self.weights(settings)[row.indices][:, np.maximum(columns, 0)] * row.data[:, None]
        weights[:, columns < 0] = 0.0
        return self.modelled_[row.indices], weights

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        history, contributions = self._contributions(user, items, settings)
        reasons = []
        for col, item in enumerate(items):
            top = [t for t in np.argsort(-contributions[:, col], kind="stable")[:3] if contributions[t, col] > 0]
            if not top:
                reasons.append(f"nothing you bought points to it; popular with {int(self.popularity_[item]):,} "
                               "customers")
                continue
            parts = [f"{self.product_name(history[t])} (weight {contributions[t, col]:.2f})" for t in top]
            reasons.append("because you bought " + "; ".join(parts))
        return reasons

    def similar_items(self, product: str, n: int = 10, **settings: Any) -> pd.DataFrame:
        """Products that buying ``product`` predicts most (its row of learned weights)."""
        item = self._check_fitted().product_position(product)
        checked = self.settings(**settings)
        row = np.zeros(self.binary_.shape[1])
        position = np.flatnonzero(self.modelled_ == item)
        if len(position):
            row[self.modelled_] = self.weights(checked)[position[0]]
        return self._similar_frame(item, row, n)
