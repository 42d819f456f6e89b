"""Pairwise similarity between the rows of a sparse matrix, vectorised and top-k pruned.

Pass ``interactions.T`` (products x customers) for item-item similarity and the matrix
itself for customer-customer similarity. The computation is split in two steps so that a
user interface can re-rank without recomputing:

1. :func:`pairwise_similarity` computes the *raw* similarity and the co-occurrence count
   ``n`` (entities sharing both) for every co-occurring pair, once, in row blocks.
2. :func:`shrink` applies shrinkage ``sim * n / (n + lambda)`` and the minimum co-occurrence;
   :func:`top_k` keeps the ``k`` largest positive values per row. Both are cheap.

Measures
--------
cosine
    ``x.y / (|x| |y|)`` on the weighted rows.
pearson
    Pearson correlation of the rows over *all* columns (zeros included: each row is centred
    on its own mean). Pairs that never co-occur have a negative correlation and are not
    stored (the recommenders only use positive neighbours).
jaccard
    ``|A n B| / |A u B|`` on the sets of non-zero columns (weights ignored).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)

MEASURES: tuple[str, ...] = ("cosine", "pearson", "jaccard")
PARALLEL_BLOCKS = 8  # row blocks for the threaded dense shrinkage and top-k partition


@dataclass(frozen=True)
class SimilaritySettings:
    """Scoring-time similarity parameters (changing them needs no recomputation)."""

    shrinkage: float = 0.0
    min_overlap: int = 1
    k: int | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.shrinkage) or self.shrinkage < 0:
            raise ValueError(f"shrinkage must be a number >= 0 (0 disables it); got {self.shrinkage!r}.")
        if int(self.min_overlap) != self.min_overlap or self.min_overlap < 1:
            raise ValueError(f"min_overlap must be a whole number >= 1; got {self.min_overlap!r}.")
        if self.k is not None and (int(self.k) != self.k or self.k < 1):
            raise ValueError(f"k (neighbours) must be a whole number >= 1, or None for all; got {self.k!r}.")


@dataclass
class RawSimilarity:
    """Raw similarity and co-occurrence counts, one shared CSR pattern (diagonal removed)."""

    sim: sp.csr_matrix
    overlap: np.ndarray
    measure: str

    @property
    def shape(self) -> tuple[int, int]:
        return self.sim.shape


def check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"Unknown similarity {measure!r}; use one of {', '.join(MEASURES)}.")
    return measure


def _prepare(matrix: sp.csr_matrix, measure: str) -> dict[str, np.ndarray | sp.csr_matrix]:
    """Per-row statistics each measure needs, computed once for all blocks."""
    matrix = sp.csr_matrix(matrix, dtype=np.float64)
    matrix.eliminate_zeros()
    binary = matrix.copy()
    binary.data[:] = 1.0
    prep: dict[str, np.ndarray | sp.csr_matrix] = {"binary": binary, "values": matrix}
    if measure == "cosine":
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        prep["values"] = sp.csr_matrix(sp.diags(inv) @ matrix)
    elif measure == "pearson":
        m = matrix.shape[1]
        mean = np.asarray(matrix.sum(axis=1)).ravel() / m
        sq = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() / m
        prep["mean"] = mean
        prep["std"] = np.sqrt(np.maximum(sq - mean**2, 0.0))
    elif measure == "jaccard":
        prep["degree"] = np.diff(binary.indptr).astype(np.float64)
    return prep


def _block(prep: dict, measure: str, rows: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Similarity of ``rows`` against every row; returns (sim, overlap) on one pattern."""
    binary = prep["binary"]
    overlap = sp.csr_matrix(binary[rows] @ binary.T)
    overlap.sort_indices()
    r = np.repeat(np.arange(len(rows)), np.diff(overlap.indptr))
    c = overlap.indices
    if measure == "jaccard":
        deg = prep["degree"]
        values = overlap.data / (deg[rows][r] + deg[c] - overlap.data)
    else:
        product = sp.csr_matrix(prep["values"][rows] @ prep["values"].T)
        product.sort_indices()
        if product.nnz != overlap.nnz or not np.array_equal(product.indices, overlap.indices):
            raise RuntimeError("similarity pattern mismatch: the matrix must hold non-negative weights")
        values = product.data
        if measure == "pearson":
            m = binary.shape[1]
            mean, std = prep["mean"], prep["std"]
            denom = std[rows][r] * std[c]
            cov = values / m - mean[rows][r] * mean[c]
            values = np.divide(cov, denom, out=np.zeros_like(cov), where=denom > 0)
    not_self = c != rows[r]
    sim = sp.csr_matrix((values[not_self], c[not_self], np.r_[0, np.cumsum(np.bincount(
        r[not_self], minlength=len(rows)))]), shape=(len(rows), binary.shape[0]))
    return sim, overlap.data[not_self]


class SimilarityIndex:
    """Per-row statistics of a matrix, ready to compute similarity rows on demand.

    Customer-customer similarity for one customer is one sparse product, so user-kNN never
    needs the full customers x customers matrix.
    """

    def __init__(self, matrix: sp.spmatrix, measure: str = "cosine") -> None:
        self.measure = check_measure(measure)
        self._prep = _prepare(sp.csr_matrix(matrix), measure)
        self.n_rows = self._prep["binary"].shape[0]

    def rows(self, rows: np.ndarray, top_k: int | None = None) -> RawSimilarity:
        """Raw similarity of ``rows`` against every row (result has ``len(rows)`` rows); with
        ``top_k`` only each row's ``top_k`` largest positive values (and their overlaps)."""
        rows = np.asarray(rows, dtype=np.int64)
        if top_k is not None:
            return _top_block(self._prep, self.measure, rows, top_k)
        sim, overlap = _block(self._prep, self.measure, rows)
        return RawSimilarity(sim=sim.astype(np.float32), overlap=overlap.astype(np.float32), measure=self.measure)


def _top_block(prep: dict, measure: str, rows: np.ndarray, k: int) -> RawSimilarity:
    """Each row's ``k`` best co-occurring rows, computed on a dense block (large catalogues: one
    partition per block instead of sparse bookkeeping)."""
    binary = prep["binary"]
    n = binary.shape[0]
    overlap = (binary[rows] @ binary.T).toarray().astype(np.float32)
    if measure == "jaccard":
        degree = prep["degree"].astype(np.float32)
        union = degree[rows][:, None] + degree[None, :] - overlap
        sim = np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)
    else:
        sim = (prep["values"][rows] @ prep["values"].T).toarray().astype(np.float32)
        if measure == "pearson":
            m, mean, std = binary.shape[1], prep["mean"], prep["std"]
            denom = (std[rows][:, None] * std[None, :]).astype(np.float32)
            sim = np.divide(sim / m - (mean[rows][:, None] * mean[None, :]), denom, out=np.zeros_like(sim),
                            where=denom > 0).astype(np.float32)
    sim[overlap == 0] = 0.0  # only pairs with a common buyer are neighbours
    sim[np.arange(len(rows)), rows] = 0.0
    keep = _row_top_mask(sim, min(k, n))
    row_index, columns = np.nonzero(keep)  # row-major: CSR order, columns ascending
    indptr = np.r_[0, np.cumsum(np.bincount(row_index, minlength=len(rows)))]
    result = sp.csr_matrix((sim[row_index, columns], columns, indptr), shape=(len(rows), n))
    counts = overlap[row_index, columns]
    return RawSimilarity(sim=result, overlap=counts, measure=measure)


def _row_top_mask(block: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest positive values of each row; ties at the k-th value go to the lower columns."""
    kth = -np.partition(-block, k - 1, axis=1)[:, k - 1:k] if k < block.shape[1] else np.zeros((len(block), 1))
    kth = np.maximum(kth, 0)
    above = block > kth
    tied = (block == kth) & (kth > 0)
    room = k - above.sum(axis=1)
    crowded = np.flatnonzero(tied.sum(axis=1) > room)  # only there do ties compete for the last places
    if len(crowded):
        tied[crowded] &= np.cumsum(tied[crowded], axis=1, dtype=np.int32) <= room[crowded, None]
    return above | tied


def pairwise_similarity(matrix: sp.spmatrix, measure: str = "cosine", top_k: int | None = None,
                        block_size: int | None = None, parallel: bool = False) -> RawSimilarity:
    """Raw similarity between all rows of ``matrix`` (co-occurring pairs only, no diagonal).

    Parameters
    ----------
    matrix
        Entities x features, non-negative weights (e.g. ``interactions.matrix.T`` for items).
    measure
        ``"cosine"``, ``"pearson"`` or ``"jaccard"``.
    top_k
        Keep only the ``top_k`` largest positive raw similarities per row (large catalogues;
        ``None`` keeps every co-occurring pair so that shrinkage can reorder later).
    block_size
        Rows per sparse product (bounds memory); default: all rows at once when ``top_k`` is
        None, else 1,000.
    parallel
        Compute the row blocks on threads, one per core (the sparse products and the
        partitions release the GIL); memory then holds one block per core.

    Returns
    -------
    RawSimilarity
        ``sim`` (CSR, float32) and the aligned co-occurrence counts ``overlap``.
    """
    index = SimilarityIndex(matrix, measure)
    n = index.n_rows
    block_size = max(block_size or (n if top_k is None else 1000), 1)
    starts = range(0, n, block_size)

    def block(start: int) -> RawSimilarity:
        return index.rows(np.arange(start, min(start + block_size, n)), top_k)

    if parallel and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            blocks = list(pool.map(block, starts))
    else:
        blocks = [block(start) for start in starts]
    if not blocks:
        empty = sp.csr_matrix((0, 0), dtype=np.float32)
        return RawSimilarity(sim=empty, overlap=np.zeros(0, dtype=np.float32), measure=measure)
    sim = sp.csr_matrix(sp.vstack([b.sim for b in blocks], format="csr")) if len(blocks) > 1 else blocks[0].sim
    overlap = np.concatenate([b.overlap for b in blocks])
    logger.info("%s similarity of %d rows: %d pairs stored", measure, n, sim.nnz)
    return RawSimilarity(sim=sim, overlap=overlap, measure=measure)


def _subset(matrix: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The entries of ``matrix`` where ``keep`` (aligned with ``data``) is true."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[keep]
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=matrix.shape[0]))]
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def row_ranks(matrix: sp.csr_matrix) -> np.ndarray:
    """Rank of each stored value within its row: 0 = largest; ties by column index."""
    matrix.sort_indices()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    by_value = np.argsort(-matrix.data, kind="stable")  # CSR keeps columns sorted: ties stay in column order
    order = by_value[np.argsort(rows[by_value], kind="stable")]
    ranks = np.empty(matrix.nnz, dtype=np.int64)
    ranks[order] = np.arange(matrix.nnz) - matrix.indptr[rows[order]]
    return ranks


def _top_k_mask(matrix: sp.csr_matrix, k: int | None, positive_only: bool = True) -> np.ndarray:
    keep = matrix.data > 0 if positive_only else np.ones(matrix.nnz, dtype=bool)
    if k is not None:
        keep &= row_ranks(matrix) < k
    return keep


def shrink(raw: RawSimilarity, shrinkage: float = 0.0, min_overlap: int = 1,
           rows: np.ndarray | None = None) -> sp.csr_matrix:
    """Apply shrinkage ``sim * n / (n + shrinkage)`` and zero pairs with ``n < min_overlap``.

    ``rows`` restricts the work to some rows (the result has ``len(rows)`` rows).
    Zeroed entries are removed; negative similarities are kept.
    """
    SimilaritySettings(shrinkage=shrinkage, min_overlap=min_overlap)
    sim, overlap = raw.sim, raw.overlap
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = sim.indptr[rows], sim.indptr[rows + 1]
        lengths = ends - starts
        pick = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
        indptr = np.r_[0, np.cumsum(lengths)]
        sim = sp.csr_matrix((sim.data[pick], sim.indices[pick], indptr), shape=(len(rows), sim.shape[1]))
        overlap = overlap[pick]
    values = sim.data.astype(np.float64)
    if shrinkage > 0:
        values = values * overlap / (overlap + shrinkage)
    values = values.astype(np.float32)  # the same rounding as dense_shrunk, so ties agree
    values[overlap < min_overlap] = 0.0
    out = sp.csr_matrix((values, sim.indices.copy(), sim.indptr.copy()), shape=sim.shape)
    out.eliminate_zeros()
    return out


def top_k(matrix: sp.csr_matrix, k: int | None, positive_only: bool = True) -> sp.csr_matrix:
    """Keep the ``k`` largest (positive) values of each row; ties go to the lower column index."""
    return _subset(sp.csr_matrix(matrix), _top_k_mask(sp.csr_matrix(matrix), k, positive_only))


def neighbours(raw: RawSimilarity, settings: SimilaritySettings,
               rows: np.ndarray | None = None) -> sp.csr_matrix:
    """Shrunk, filtered and pruned similarity rows: what the kNN recommenders score with."""
    return top_k(shrink(raw, settings.shrinkage, settings.min_overlap, rows), settings.k)


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
        keep = _row_top_mask(shrunk, min(k, shrunk.shape[1])) if k is not None else shrunk > 0
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
