"""Similarity measures against a brute-force numpy reference; shrinkage, overlap, top-k."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from retail.recommend.neighbourhoods import DenseTopK, dense_shrunk, sorted_row_top
from retail.recommend.similarity import (
    MEASURES,
    SimilarityIndex,
    SimilaritySettings,
    neighbours,
    pairwise_similarity,
    shrink,
    top_k,
)


def random_matrix(seed: int, shape=(30, 18), density=0.25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 5, size=shape).astype(float)
    return values * (rng.random(shape) < density)


def brute_force(x: np.ndarray, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Similarity between the rows of a dense matrix, and the co-occurrence counts."""
    b = (x > 0).astype(float)
    overlap = b @ b.T
    if measure == "cosine":
        norms = np.linalg.norm(x, axis=1)
        sim = (x @ x.T) / np.outer(norms, norms)
    elif measure == "jaccard":
        deg = b.sum(axis=1)
        sim = overlap / (deg[:, None] + deg[None, :] - overlap)
    else:
        sim = np.corrcoef(x)
    sim = np.nan_to_num(sim)
    sim[overlap == 0] = 0.0  # only co-occurring pairs are stored
    np.fill_diagonal(sim, 0.0)
    return sim, overlap


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_similarity_equals_brute_force(measure: str, seed: int) -> None:
    x = random_matrix(seed)
    raw = pairwise_similarity(sp.csr_matrix(x), measure)
    expected, _ = brute_force(x, measure)
    np.testing.assert_allclose(raw.sim.toarray(), expected, atol=1e-6)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize(("shrinkage", "min_overlap"), [(0.0, 1), (5.0, 1), (2.0, 3)])
def test_shrinkage_and_min_overlap_equal_brute_force(measure: str, shrinkage: float, min_overlap: int) -> None:
    x = random_matrix(3, shape=(40, 15), density=0.35)
    sim, overlap = brute_force(x, measure)
    expected = sim * overlap / np.maximum(overlap + shrinkage, 1e-12)
    expected[overlap < min_overlap] = 0.0
    np.fill_diagonal(expected, 0.0)
    got = shrink(pairwise_similarity(sp.csr_matrix(x), measure), shrinkage, min_overlap).toarray()
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_item_similarity_is_on_columns_via_transpose() -> None:
    x = random_matrix(4)
    raw = pairwise_similarity(sp.csr_matrix(x).T, "cosine")
    np.testing.assert_allclose(raw.sim.toarray(), brute_force(x.T, "cosine")[0], atol=1e-6)


def test_rows_on_demand_match_the_full_matrix() -> None:
    x = sp.csr_matrix(random_matrix(5))
    full = pairwise_similarity(x, "pearson")
    part = SimilarityIndex(x, "pearson").rows(np.array([3, 7]))
    np.testing.assert_allclose(part.sim.toarray(), full.sim.toarray()[[3, 7]], atol=1e-6)


def brute_top_k(matrix: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(matrix)
    for r, row in enumerate(matrix):
        order = sorted((c for c in range(len(row)) if row[c] > 0), key=lambda c: (-row[c], c))[:k]
        out[r, order] = row[order]
    return out


@pytest.mark.parametrize("k", [1, 2, 4])
def test_top_k_keeps_the_right_neighbours_with_ties_to_lower_index(k: int) -> None:
    matrix = np.array([[0.0, 0.5, 0.5, 0.2, 0.5], [0.3, 0.0, 0.1, 0.3, -0.4], [0, 0, 0, 0, 0]])
    got = top_k(sp.csr_matrix(matrix), k).toarray()
    np.testing.assert_array_equal(got, brute_top_k(matrix, k))
    if k == 2:
        np.testing.assert_array_equal(np.flatnonzero(got[0]), [1, 2])  # the tie at 0.5 goes to columns 1, 2


@pytest.mark.parametrize("measure", MEASURES)
def test_pruned_at_build_keeps_the_largest_raw_values(measure: str) -> None:
    x = sp.csr_matrix(random_matrix(6, shape=(50, 20)))
    full = pairwise_similarity(x, measure).sim.toarray()
    pruned = pairwise_similarity(x, measure, top_k=3, block_size=7).sim.toarray()
    for r in range(full.shape[0]):
        stored = np.flatnonzero(full[r] > 0)
        expected = sorted(stored, key=lambda c: (-full[r, c], c))[:3]
        assert sorted(np.flatnonzero(pruned[r])) == sorted(expected)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize(("shrinkage", "min_overlap", "k"), [(0.0, 1, 3), (4.0, 2, 5), (1.0, 1, None)])
def test_dense_and_sparse_neighbourhoods_agree(measure, shrinkage, min_overlap, k) -> None:
    x = sp.csr_matrix(random_matrix(7, shape=(60, 25), density=0.3))
    raw = pairwise_similarity(x, measure)
    sparse = neighbours(raw, SimilaritySettings(shrinkage, min_overlap, k)).toarray()
    dense = dense_shrunk(raw, shrinkage, min_overlap)
    for row_top in (None, sorted_row_top(dense, 10)):
        got = DenseTopK(dense, k, row_top).weights(np.arange(60))
        np.testing.assert_allclose(got, sparse, atol=1e-6)


def test_invalid_settings_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="shrinkage must be a number >= 0"):
        SimilaritySettings(shrinkage=-1)
    with pytest.raises(ValueError, match="min_overlap must be a whole number >= 1"):
        SimilaritySettings(min_overlap=0)
    with pytest.raises(ValueError, match="k \\(neighbours\\) must be a whole number"):
        SimilaritySettings(k=0)
    with pytest.raises(ValueError, match="Unknown similarity 'dice'"):
        pairwise_similarity(sp.csr_matrix(np.eye(3)), "dice")


@pytest.mark.parametrize(("shrinkage", "min_overlap", "top"), [(0.0, 1, 5), (3.0, 2, 8), (10.0, 1, 100)])
def test_fused_shrink_and_row_top_against_brute_force(shrinkage, min_overlap, top) -> None:
    """The threaded dense path equals shrinkage, overlap filter and sorting done by hand in numpy."""
    from retail.recommend.neighbourhoods import dense_shrunk_with_top

    x = random_matrix(5, shape=(70, 30), density=0.3)
    dense, row_top = dense_shrunk_with_top(pairwise_similarity(sp.csr_matrix(x), "jaccard"), shrinkage, min_overlap,
                                           top)
    sim, overlap = brute_force(x, "jaccard")
    weight = np.divide(overlap, overlap + shrinkage, out=np.zeros_like(overlap), where=overlap + shrinkage > 0)
    expected = np.where((overlap >= min_overlap) & (np.nan_to_num(sim) > 0), np.nan_to_num(sim) * weight, 0.0)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(dense, expected, rtol=1e-6, atol=1e-7)
    by_hand = -np.sort(-expected, axis=1)[:, :min(top, expected.shape[1])]
    np.testing.assert_allclose(row_top, by_hand, rtol=1e-6, atol=1e-7)
