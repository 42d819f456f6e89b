"""Scale run: item-item top-100 similarity for 100,000 customers x 20,000 products, 5M interactions.

Synthetic purchases with Zipf-like product popularity and customer activity (seeded). Prints
the build time and the peak resident memory of the process (targets: < 60 s, < 8 GB).

Run: ``.venv/bin/python benchmarks/bench_recommend_scale.py [--measure cosine] [--block 1000]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retail.recommend.similarity import pairwise_similarity  # noqa: E402

N_CUSTOMERS, N_PRODUCTS, N_INTERACTIONS, TOP_K = 100_000, 20_000, 5_000_000, 100


def synthetic(seed: int = 0) -> sp.csr_matrix:
    """Customers x products purchase counts with skewed popularity (about 5M distinct pairs)."""
    rng = np.random.default_rng(seed)
    item_p = 1.0 / np.arange(1, N_PRODUCTS + 1) ** 0.8
    user_p = 1.0 / np.arange(1, N_CUSTOMERS + 1) ** 0.5
    draws = int(N_INTERACTIONS * 1.08)  # duplicates merge into counts
    users = rng.choice(N_CUSTOMERS, size=draws, p=user_p / user_p.sum())
    items = rng.choice(N_PRODUCTS, size=draws, p=item_p / item_p.sum())
    matrix = sp.csr_matrix((np.ones(draws, dtype=np.float32), (users, items)), shape=(N_CUSTOMERS, N_PRODUCTS))
    matrix.sum_duplicates()
    return matrix


def peak_memory_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measure", default="cosine")
    parser.add_argument("--block", type=int, default=1000, help="products per sparse product block")
    args = parser.parse_args()
    start = time.perf_counter()
    matrix = synthetic()
    print(f"synthetic data: {matrix.shape[0]:,} customers x {matrix.shape[1]:,} products, "
          f"{matrix.nnz:,} interactions ({time.perf_counter() - start:.1f} s)")
    start = time.perf_counter()
    raw = pairwise_similarity(matrix.T.tocsr(), args.measure, top_k=TOP_K, block_size=args.block)
    seconds = time.perf_counter() - start
    print(f"item-item {args.measure} top-{TOP_K}: {seconds:.1f} s, {raw.sim.nnz:,} pairs kept, "
          f"peak memory {peak_memory_gb():.2f} GB (targets < 60 s, < 8 GB)")


if __name__ == "__main__":
    main()
