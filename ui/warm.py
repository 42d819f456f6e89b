"""Warm the sample's shared caches in the background, once per server process.

``serve.py`` starts it as the server starts (``make run``, ``make serve``), else the first run of
``app.py`` in the process does: one background thread that computes, through the very cached functions
the pages call, the sample's rows, the Overview's first figures and the customer list
of Recommendations; a page asking for the same thing meanwhile waits for that one computation rather
than starting its own, and a first visit to another page finds them ready. The default recommender is
not fitted here: measured with ``benchmarks/bench_pages.py``, fitting it in the background (a minute at
a busy machine's pace, holding the interpreter's lock) doubled a second session's first paint, even at
a low priority. The thread runs at a low priority; a failure here is logged and never reaches a page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading

import streamlit as st

from retail.analytics import overview
from retail.data.ingest import SAMPLE_NAME

logger = logging.getLogger(__name__)
THREAD_NAME = "warm-sample"


class _QuietWarmUp(logging.Filter):
    """Streamlit warns once per cached call made outside a page ("missing ScriptRunContext"): not here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


def warm_up(location: str) -> None:
    """Warm the sample's caches unless ``RETAIL_WARM=0`` (the tests' page runs compute what they use)."""
    if os.environ.get("RETAIL_WARM", "1") != "0":
        warm_sample(location)


@st.cache_resource(show_spinner=False)
def warm_sample(location: str) -> threading.Thread:
    """Start warming the sample of the workspace at ``location`` (once per process and location)."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmUp())
    thread = threading.Thread(target=_warm, args=(location,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def lower_own_priority() -> None:
    """Let the warm-up thread yield to pages (Linux: a thread's own priority). Only on that thread: called on
    a process's main thread it would slow the whole process and every program it starts afterwards (a
    test that warmed on its worker's main thread left the worker's browsers and servers at priority 15)."""
    if threading.current_thread().name != THREAD_NAME:
        return
    with contextlib.suppress(AttributeError, OSError):  # elsewhere than Linux: the process's priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)


def _warm(location: str) -> None:
    from ui import overview as cached_overview
    from ui import recommend as cached_recommend
    from ui.data import dataset_frame, raw_workspace

    lower_own_priority()
    try:
        workspace = raw_workspace()
        info = workspace.get(SAMPLE_NAME)
        key = (location, info.name, info.version)
        dataset_frame(*key)
        first, last = overview.default_period(info.date_min, info.date_max)
        selection = overview.Selection(first.date(), last.date())  # the Overview's first view, as its widgets give it
        for cached in (cached_overview.has_cancellations, cached_overview.store_names, cached_overview.categories,
                       cached_overview.product_choices):
            cached(*key)
        cached_overview.summary(*key, selection, "W", overview.measures(info.has, info.kind)[0], info.kind)
        cached_recommend.customer_choices(*key)
        logger.info("warmed the sample's caches")
    except Exception:  # a warm-up never breaks the app: the pages compute what is missing
        logger.exception("warming the sample's caches failed")
