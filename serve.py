"""The app as a server: ``streamlit run serve.py`` (``make run``, ``make serve``) serves ``app.py`` and warms
the sample's caches as the server starts, before anyone opens a page.

``streamlit run app.py`` serves the same app but runs nothing of it until the first session arrives, so
its warm-up starts then (``app.py`` calls :func:`ui.warm.warm_up` too: once per process either way).
``RETAIL_WARM=0`` leaves the warm-up out (the tests' servers).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from retail.memory import ordinary_pages
from retail.threads import passive_openmp

passive_openmp()  # as in app.py: before streamlit and the models load an OpenMP runtime
ordinary_pages()  # as in app.py

import streamlit as st  # noqa: E402


@asynccontextmanager
async def warm_at_start(_app: st.App) -> AsyncIterator[None]:
    """Start the warm-up thread (it returns at once: the server answers while the caches fill)."""
    from retail.data.workspace import workspace_location
    from ui.warm import warm_up

    warm_up(workspace_location())
    yield


app = st.App("app.py", lifespan=warm_at_start)
