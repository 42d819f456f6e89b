"""Cheap repeated reads of the workspace: the dataset list and kept settings, remembered for a few seconds.

A page reads the list of datasets and the settings kept for a dataset several times per run, and a
slider re-runs the page many times a minute; each read is a query (a round trip on PostgreSQL). A
:class:`ReadMemo` keeps each answer for ``ttl`` seconds, and forgets everything as soon as this
process writes to any workspace (every write holds :data:`WRITE_LOCK`, which counts them), so a page
sees its own changes at once; a change made by another process (a command-line import) shows within
``ttl`` seconds.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

READ_TTL = float(os.environ.get("RETAIL_READ_TTL", "3"))  # seconds; 0 turns the memo off


class WriteLock:
    """The process's workspace write lock; counts the writes (``generation``) so that memos know when to forget."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0

    def __enter__(self) -> WriteLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.generation += 1  # a failed write may have changed nothing: forgetting is merely cautious
        self._lock.release()


WRITE_LOCK = WriteLock()


class ReadMemo:
    """Answers by key for ``ttl`` seconds, dropped at the next workspace write of this process.

    Callers get a deep copy, so that changing an answer cannot change what the next caller reads.
    """

    def __init__(self, ttl: float = READ_TTL, lock: WriteLock = WRITE_LOCK) -> None:
        self.ttl, self.lock = ttl, lock
        self._answers: dict[Hashable, tuple[int, float, Any]] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The answer to ``key``: remembered, or ``read()`` now."""
        generation, now = self.lock.generation, time.monotonic()  # taken before reading: a write meanwhile forgets
        with self._guard:
            kept = self._answers.get(key)
        if kept is not None and kept[0] == generation and now - kept[1] < self.ttl:
            return copy.deepcopy(kept[2])
        answer = read()
        if self.ttl > 0:
            with self._guard:
                if len(self._answers) > 256:  # many datasets x scopes: start afresh rather than grow
                    self._answers.clear()
                self._answers[key] = (generation, now, answer)
        return copy.deepcopy(answer)
