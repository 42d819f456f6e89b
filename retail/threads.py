"""Native thread pools (OpenMP, OpenBLAS) on a shared CPU: sleep while waiting, few threads.

LightGBM runs on OpenMP (libgomp) and NumPy / SciPy / statsmodels on OpenBLAS. By default
both keep their idle threads *spinning* (busy-waiting) so the next parallel region starts at
once. That is right on a dedicated machine and ruinous on a shared one: when another
process holds one of the two cores, a thread spins for its whole time slice waiting for a
partner that is not running, and every LightGBM boosting round takes a scheduler tick
instead of a millisecond (one forecast took 255 s instead of 7 s next to two busy
processes). Three measures, all here:

- :func:`passive_openmp` asks OpenMP runtimes to sleep rather than spin
  (``OMP_WAIT_POLICY=PASSIVE``); a runtime reads it when it loads, so the entry points
  (``python -m retail``, ``app.py``) and the module that imports LightGBM call it first.
- :func:`one_blas_thread` limits OpenBLAS to one thread for the length of a forecast run:
  its matrices are small (ridge on a few thousand rows, one series' smoothing at a time),
  so a second thread only adds waiting.
- :func:`threads_for` gives LightGBM one thread on small training sets, where threads never
  pay for their synchronisation (see ``retail/forecast/ml.py``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)

WAIT_POLICY = {"OMP_WAIT_POLICY": "PASSIVE"}


def passive_openmp() -> None:
    """Make OpenMP runtimes loaded from now on sleep, not spin, while they wait.

    A value the user already set is kept. Runtimes already loaded are not affected (libgomp
    reads its environment once, when it loads): call this before importing LightGBM.
    """
    for name, value in WAIT_POLICY.items():
        os.environ.setdefault(name, value)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def threads_for(rows: int, upper: int | None, rows_per_thread: int) -> int:
    """Threads for a parallel fit on ``rows`` rows: one below ``rows_per_thread`` rows, then one
    more per ``rows_per_thread`` rows, at most ``upper`` (``None``: the available CPUs)."""
    limit = available_cpus() if upper is None or upper < 1 else min(upper, available_cpus())
    return max(1, min(limit, rows // max(rows_per_thread, 1)))


class _SharedLimit:
    """A process-wide thread limit held while at least one caller is inside it.

    Library limits are global to the process; with concurrent callers (two Streamlit sessions
    forecasting at once) a plain ``threadpool_limits`` block would restore the original limit
    when the first caller leaves, under the second. Here the first caller sets the limit and
    the last one restores it.
    """

    def __init__(self, **limits: Any):
        self._limits = limits
        self._lock = threading.Lock()
        self._users = 0
        self._controller: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                from threadpoolctl import threadpool_limits

                self._controller = threadpool_limits(**self._limits)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._controller.restore_original_limits()
                    self._controller = None


one_blas_thread = _SharedLimit(limits=1, user_api="blas")
"""Context manager: OpenBLAS (NumPy, SciPy) uses one thread inside it (shared by concurrent callers)."""
