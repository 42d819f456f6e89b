"""A small thread-safe memo for structures derived from fitted state and a setting.

Fitted models are shared by every browser session; each call passes its own settings.
What a setting derives (neighbour lists for a shrinkage, text vectors for a model) is
kept here under a key that includes the setting: concurrent callers asking for the same
key wait for one computation, different keys never disturb each other, and the least
recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

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
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            done.set()
