"""Small thread-safe memos: structures derived from fitted state and a setting, and fitted models
within a memory budget.

Fitted models are shared by every browser session; each call passes its own settings.
What a setting derives (neighbour lists for a shrinkage, text vectors for a model) is
kept here under a key that includes the setting: concurrent callers asking for the same
key wait for one computation, different keys never disturb each other, and the least
recently used entries go first.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

T = TypeVar("T")


class SettingsCache(Generic[T]):
    """Least-recently-used values by key, each computed once even under concurrent calls."""

    def __init__(self, maxsize: int = 4) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}.")
        self.maxsize = maxsize
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        """A pickled cache is empty (its values are derived, and locks cannot be pickled): a fitted model
        saved to disk or sent to a worker process recomputes what a call needs."""
        return {"maxsize": self.maxsize}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["maxsize"])

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._values

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key``, computing it with ``compute()`` when it is not cached yet."""
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
                waiting = self._pending.get(key)
                if waiting is None:
                    done = self._pending[key] = threading.Event()
                    break
            waiting.wait()  # another thread computes it; then read it (or compute after its failure)
        try:
            value = compute()
            with self._lock:
                self._values[key] = value
                while len(self._values) > 1 and self._too_big():
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            done.set()

    def _too_big(self) -> bool:
        """Whether the oldest entry must go (the newest one always stays)."""
        return len(self._values) > self.maxsize

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class BudgetCache(SettingsCache[T]):
    """Least-recently-used values within ``budget`` bytes (:func:`footprint`, measured again at each new
    entry, since a fitted model grows the structures it derives for each setting). The newest value always
    stays, however big. :func:`clear_all` empties every budget cache of the process."""

    def __init__(self, budget: int, maxsize: int = 64) -> None:
        super().__init__(maxsize)
        self.budget = budget
        _BUDGET_CACHES.add(self)

    def _too_big(self) -> bool:
        return super()._too_big() or self.footprint() > self.budget

    def footprint(self) -> int:
        """Bytes held by the cached values (shared parts counted once)."""
        seen: set[int] = set()
        return sum(footprint(value, seen) for value in list(self._values.values()))


_BUDGET_CACHES: weakref.WeakSet[BudgetCache] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every :class:`BudgetCache` (e.g. once a customer's data was erased)."""
    for cache in list(_BUDGET_CACHES):
        cache.clear()


def footprint(value: Any, seen: set[int] | None = None, depth: int = 0) -> int:
    """Approximate bytes of ``value``: its arrays, sparse matrices and frames, followed through
    attributes, dicts and sequences (each object counted once in ``seen``)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 8 or value is None or isinstance(value, str | bytes | int | float | bool):
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return int(value.nbytes) if value.base is None else footprint(value.base, seen, depth + 1)
    if callable(getattr(value, "memory_usage", None)):  # a pandas frame, series or index
        usage = value.memory_usage(deep=False)
        return int(usage.sum()) if hasattr(usage, "sum") else int(usage)
    if hasattr(value, "nnz") and hasattr(value, "indptr"):  # a sparse matrix (CSR/CSC)
        return sum(footprint(getattr(value, part), seen, depth + 1) for part in ("data", "indices", "indptr"))
    if isinstance(value, dict):
        return sum(footprint(v, seen, depth + 1) for v in list(value.values()))
    if isinstance(value, list | tuple | set | frozenset):
        return sum(footprint(v, seen, depth + 1) for v in list(value)[:10_000])
    inner = getattr(value, "__dict__", None)
    return sys.getsizeof(value) + (footprint(inner, seen, depth + 1) if inner else 0)
