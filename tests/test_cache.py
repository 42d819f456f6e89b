"""The memos: least recently used first, compute once, and a memory budget for fitted models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.cache import BudgetCache, SettingsCache, clear_all, footprint

MB = 2**20


class Fitted:
    def __init__(self, megabytes: int) -> None:
        self.weights = np.zeros(megabytes * MB // 8)
        self.derived = SettingsCache(maxsize=4)


def test_footprint_counts_arrays_sparse_frames_and_shared_parts_once():
    shared = np.zeros(MB // 8)
    matrix = sp.random(1000, 1000, density=0.01, format="csr", random_state=0)
    model = Fitted(2)
    model.parts = {"a": shared, "b": [shared, matrix], "frame": pd.DataFrame({"x": np.arange(1000)})}
    expected = 2 * MB + MB + matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes + 8000
    assert expected <= footprint(model) <= expected + 20_000
    view = model.weights[:10]
    assert footprint(view) == 2 * MB  # a view holds its whole base


def test_budget_evicts_the_least_recently_used_and_counts_growth():
    cache = BudgetCache(budget=5 * MB)
    first = cache.get("a", lambda: Fitted(2))
    cache.get("b", lambda: Fitted(2))
    cache.get("a", lambda: Fitted(99))  # touched: "b" is now the oldest
    first.derived.get("grown", lambda: np.zeros(MB // 8))  # a model grows what it derives per setting
    cache.get("c", lambda: Fitted(1))
    assert "a" in cache and "c" in cache and "b" not in cache
    cache.get("huge", lambda: Fitted(8))  # bigger than the budget alone: kept, everything else goes
    assert len(cache) == 1 and "huge" in cache
    clear_all()
    assert len(cache) == 0
