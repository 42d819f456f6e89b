"""Top-N selection with a deterministic tie order (training popularity, then product index)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def tie_order(popularity: np.ndarray) -> np.ndarray:
    """Product indices from most to least popular; equal popularity by lower index first."""
    popularity = np.asarray(popularity, dtype=np.float64)
    return np.lexsort((np.arange(len(popularity)), -popularity))


def top_n(scores: np.ndarray, n: int, order: np.ndarray, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """The ``n`` best products per row of ``scores``, ties broken by ``order``.

    Parameters
    ----------
    scores
        Dense (customers x products) scores; NaN counts as "not recommendable".
    n
        How many products per customer.
    order
        Tie order of the products (see :func:`tie_order`).
    exclude
        Optional CSR (customers x products): stored entries are never recommended.

    Returns
    -------
    numpy.ndarray
        Integer product indices, shape (customers, n); -1 pads rows with fewer candidates.
    """
    if n < 1:
        raise ValueError(f"n (number of recommendations) must be >= 1; got {n!r}.")
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    n_users, n_items = scores.shape
    out = np.full((n_users, n), -1, dtype=np.int64)
    if n_items == 0 or n_users == 0:
        return out
    permuted = scores[:, order]
    permuted[np.isnan(permuted)] = -np.inf
    if exclude is not None and exclude.nnz:
        position = np.empty(n_items, dtype=np.int64)
        position[order] = np.arange(n_items)
        coo = sp.coo_matrix(exclude)
        permuted[coo.row, position[coo.col]] = -np.inf
    m = min(n, n_items)
    threshold = -np.partition(-permuted, m - 1, axis=1)[:, m - 1][:, None]
    above = permuted > threshold
    equal = permuted == threshold
    need = m - above.sum(axis=1, keepdims=True)
    keep = above | (equal & (np.cumsum(equal, axis=1) <= need))
    cols = np.nonzero(keep)[1].reshape(n_users, m)
    values = np.take_along_axis(permuted, cols, axis=1)
    rank = np.argsort(-values, axis=1, kind="stable")
    cols = np.take_along_axis(cols, rank, axis=1)
    values = np.take_along_axis(values, rank, axis=1)
    out[:, :m] = np.where(np.isfinite(values), order[cols], -1)
    return out
