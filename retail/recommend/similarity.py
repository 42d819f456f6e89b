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
    keep = row_top_mask(sim, min(k, n))
    row_index, columns = np.nonzero(keep)  # row-major: CSR order, columns ascending
    indptr = np.r_[0, np.cumsum(np.bincount(row_index, minlength=len(rows)))]
    result = sp.csr_matrix((sim[row_index, columns], columns, indptr), shape=(len(rows), n))
    counts = overlap[row_index, columns]
    return RawSimilarity(sim=result, overlap=counts, measure=measure)


def row_top_mask(block: np.ndarray, k: int) -> np.ndarray:
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
