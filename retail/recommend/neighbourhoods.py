"""Neighbourhoods ready to score: shrunk similarity rows laid out for fast re-ranking.

Small catalogues (up to a few thousand products) hold the shrunk similarity dense, with each
row's largest values pre-sorted (:func:`dense_shrunk_with_top`, :class:`DenseTopK`): any k is a
threshold. Large catalogues keep each product's candidate neighbours as padded rows
(:class:`PaddedSimilarity`): shrinkage is one vector operation and any k one partition per row.
Both are built from the raw similarity of :mod:`retail.recommend.similarity`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from retail.recommend.similarity import RawSimilarity, SimilaritySettings, row_top_mask

PARALLEL_BLOCKS = 8  # row blocks for the threaded dense shrinkage and top-k partition


@dataclass
class PaddedSimilarity:
    """Raw similarity rows of a large catalogue (at most ``CANDIDATES`` entries each) laid out as
    dense rows x width arrays, padding with zero overlap: shrinkage is then one vector operation
    and any ``k`` one partition per row, so a slider on 20,000 products re-ranks without sorting
    millions of entries."""

    sim: np.ndarray
    overlap: np.ndarray
    columns: np.ndarray
    n_cols: int

    @classmethod
    def of(cls, raw: RawSimilarity) -> PaddedSimilarity:
        sim = sp.csr_matrix(raw.sim)
        sim.sort_indices()
        lengths = np.diff(sim.indptr)
        width = max(int(lengths.max(initial=0)), 1)
        rows = np.repeat(np.arange(sim.shape[0]), lengths)
        position = np.arange(sim.nnz) - sim.indptr[rows]  # ascending columns: ties go to the lower one
        layout = {name: np.zeros((sim.shape[0], width), dtype=dtype)
                  for name, dtype in (("sim", np.float32), ("overlap", np.float32), ("columns", np.int64))}
        layout["sim"][rows, position] = sim.data
        layout["overlap"][rows, position] = raw.overlap
        layout["columns"][rows, position] = sim.indices
        return cls(n_cols=sim.shape[1], **layout)

    def shrunk(self, shrinkage: float = 0.0, min_overlap: int = 1) -> np.ndarray:
        """:func:`shrink` on every row (same float32 rounding); padding stays 0."""
        SimilaritySettings(shrinkage=shrinkage, min_overlap=min_overlap)
        values = self.sim.astype(np.float64)
        if shrinkage > 0:
            values = values * self.overlap / (self.overlap + shrinkage)
        values = values.astype(np.float32)
        values[self.overlap < max(min_overlap, 1)] = 0.0
        return values

    def top(self, shrunk: np.ndarray, k: int | None) -> sp.csr_matrix:
        """The ``k`` largest positive values of each row of ``shrunk`` (ties to the lower column) as CSR."""
        keep = row_top_mask(shrunk, min(k, shrunk.shape[1])) if k is not None else shrunk > 0
        rows, position = np.nonzero(keep)
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=len(shrunk)))]
        return sp.csr_matrix((shrunk[rows, position], self.columns[rows, position], indptr),
                             shape=(len(shrunk), self.n_cols))


def dense_shrunk(raw: RawSimilarity, shrinkage: float = 0.0, min_overlap: int = 1) -> np.ndarray:
    """:func:`shrink` as a dense float32 array with non-positive values set to 0 (small catalogues)."""
    return dense_shrunk_with_top(raw, shrinkage, min_overlap, 0)[0]


def dense_shrunk_with_top(raw: RawSimilarity, shrinkage: float, min_overlap: int,
                          top: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dense_shrunk` and :func:`sorted_row_top` (``top`` values per row) in one pass.

    Blocks of rows are shrunk, scattered and partitioned on threads (numpy releases the GIL
    there): this runs on every shrinkage or minimum-overlap change, the slider's hot path.
    """
    SimilaritySettings(shrinkage=shrinkage, min_overlap=min_overlap)
    sim, overlap = raw.sim, raw.overlap
    n_rows, n_cols = sim.shape
    top = min(top, n_cols)
    dense = np.zeros(sim.shape, dtype=np.float32)
    row_top = np.empty((n_rows, top), dtype=np.float32)
    bounds = np.linspace(0, n_rows, PARALLEL_BLOCKS + 1).astype(np.int64)

    def fill(block: int) -> None:
        first, last = bounds[block], bounds[block + 1]
        start, end = sim.indptr[first], sim.indptr[last]
        counts = overlap[start:end]
        values = sim.data[start:end].astype(np.float64)
        if shrinkage > 0:
            values = values * counts / (counts + shrinkage)
        values = values.astype(np.float32)
        values[(counts < min_overlap) | (values < 0)] = 0.0
        rows = np.repeat(np.arange(last - first), np.diff(sim.indptr[first:last + 1]))
        dense[first:last][rows, sim.indices[start:end]] = values
        if top:
            row_top[first:last] = _sorted_top(dense[first:last], top)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(fill, range(PARALLEL_BLOCKS)))
    return dense, row_top


@dataclass
class DenseTopK:
    """Which entries of a dense similarity are in their row's top ``k`` (positive only).

    Ties at the ``k``-th value go to the lower column index, as in :func:`top_k`.
    """

    dense: np.ndarray
    k: int | None
    #: the largest values of each row, sorted (shared between settings of ``k``)
    row_top: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_rows, n_cols = self.dense.shape
        if self.k is None or self.k >= n_cols:
            self.threshold = np.zeros(n_rows, dtype=self.dense.dtype)
        elif self.row_top is not None and self.k <= self.row_top.shape[1]:
            self.threshold = np.maximum(self.row_top[:, self.k - 1], 0)
        else:
            self.threshold = np.maximum(np.partition(self.dense, n_cols - self.k, axis=1)[:, n_cols - self.k], 0)
        if self.k is not None and self.row_top is not None and self.k < self.row_top.shape[1]:
            self._ties_from_sorted_rows()
            return
        t = self.threshold[:, None]
        need = (self.k or n_cols) - (self.dense > t).sum(axis=1)
        ties = (self.dense == t) & (t > 0)
        self.ambiguous = np.flatnonzero(ties.sum(axis=1) > need)
        self.allowed_ties = {int(r): np.flatnonzero(ties[r])[: need[r]] for r in self.ambiguous}

    def _ties_from_sorted_rows(self) -> None:
        """The tie bookkeeping from the cached sorted rows: only rows whose (k+1)-th value
        equals the k-th can hold more ties than places, and only those are scanned in full
        (a slider move then costs milliseconds instead of three passes over the matrix)."""
        k, top, threshold = int(self.k), self.row_top, self.threshold
        need = k - (top[:, :k] > threshold[:, None]).sum(axis=1)
        maybe = np.flatnonzero((threshold > 0) & (top[:, k] == threshold))
        ties = self.dense[maybe] == threshold[maybe, None]
        crowded = ties.sum(axis=1) > need[maybe]
        self.ambiguous = maybe[crowded]
        self.allowed_ties = {int(row): np.flatnonzero(ties[i])[: need[row]]
                             for i, row in zip(np.flatnonzero(crowded), self.ambiguous, strict=True)}

    def weights(self, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``dense[rows][:, cols]`` with entries outside the row top-k set to 0."""
        rows = np.arange(self.dense.shape[0]) if rows is None else np.asarray(rows)
        sub = self.dense[np.ix_(rows, cols)]
        t = self.threshold[rows][:, None]
        keep = (sub > t) | ((sub == t) & (t > 0))
        for position in np.flatnonzero(np.isin(rows, self.ambiguous)):
            r = int(rows[position])
            tie_cols = sub[position] == self.threshold[r]
            keep[position] = (sub[position] > self.threshold[r]) | (tie_cols & np.isin(cols, self.allowed_ties[r]))
        return np.where(keep, sub, 0.0)


def sorted_row_top(dense: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` largest values of each row, in decreasing order (``m`` capped at the width)."""
    return _sorted_top(dense, min(m, dense.shape[1]))


def _sorted_top(block: np.ndarray, m: int) -> np.ndarray:
    width = block.shape[1]
    top = np.partition(block, width - m, axis=1)[:, width - m:]
    return -np.sort(-top, axis=1)
