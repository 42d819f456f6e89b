"""Ordinary memory pages for the app's processes: transparent huge pages cost more than they give here.

NumPy (and Arrow's allocator) ask Linux for 2 MB "huge" pages for every large array. The kernel
clears a whole huge page when it is first touched, and our work is many short-lived large arrays
(a column typed, a group-by, a candidate block), each freed and then asked for again: profiled on
``python -m retail validate`` of the sample as a CSV, clearing huge pages was 36% of the process's time
(system time 1.0 s of 2.1 s wall). With huge pages off for the process: validate 2.1 -> 1.4 s,
recommend 4.5 -> 3.2 s; forecast and customer models unchanged (``benchmarks/bench_cli_startup.py``,
docs/benchmarks.md). The setting is the process's and its children's (worker processes inherit it).

The entry points (``python -m retail``, ``serve.py``, ``app.py``) call :func:`ordinary_pages`; a
library user's own process is left as it is. ``NUMPY_MADVISE_HUGEPAGE=1`` (NumPy's own switch) keeps
huge pages on.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

PR_SET_THP_DISABLE = 41  # linux/prctl.h


@functools.cache  # the setting is the process's: once is enough (``app.py`` calls it on every run)
def ordinary_pages() -> bool:
    """Turn transparent huge pages off for this process and the processes it starts; True when done
    (False: not Linux, the kernel refused, or the person asked for huge pages)."""
    if not sys.platform.startswith("linux") or os.environ.get("NUMPY_MADVISE_HUGEPAGE") == "1":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return False
