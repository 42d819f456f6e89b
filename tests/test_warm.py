"""The sample's caches are warmed in the background: the first page finds them computed."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from retail.data.ingest import SAMPLE_NAME
from retail.data.workspace import workspace_location
from tests.browser import streamlit_server
from tests.conftest import ROOT


def test_warm_up_fills_the_caches_the_first_pages_read(app_env, monkeypatch):
    from retail.data.workspace import Workspace
    from ui import warm
    from ui.data import dataset_frame, raw_workspace

    loads = []
    original = Workspace.load
    monkeypatch.setattr(Workspace, "load", lambda self, name: loads.append(name) or original(self, name))
    location = workspace_location()
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    warm._warm(location)  # on this thread, not the warm-up's: its priority stays
    assert os.getpriority(os.PRIO_PROCESS, 0) == priority
    info = raw_workspace().get(SAMPLE_NAME)
    assert loads == [SAMPLE_NAME]
    dataset_frame(location, info.name, info.version)  # the page's read: from the warmed cache
    assert loads == [SAMPLE_NAME]


def test_warm_up_runs_in_the_background_once_per_process(app_env, monkeypatch):
    from ui import warm

    monkeypatch.setenv("RETAIL_WARM", "1")
    location = workspace_location()
    warm.warm_up(location)
    thread = warm.warm_sample(location)
    assert thread.name == warm.THREAD_NAME and warm.warm_sample(location) is thread
    thread.join(timeout=600)
    assert not thread.is_alive()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority is Linux's")
def test_only_the_warm_up_thread_lowers_its_priority():
    from ui import warm

    seen = {}

    def run(name: str) -> None:
        warm.lower_own_priority()
        seen[name] = os.getpriority(os.PRIO_PROCESS, 0)  # Linux: the calling thread's

    priority = os.getpriority(os.PRIO_PROCESS, 0)
    for name in (warm.THREAD_NAME, "another thread"):
        thread = threading.Thread(target=run, args=(name,), name=name)
        thread.start()
        thread.join()
    run("main")
    assert seen == {warm.THREAD_NAME: max(priority, 15), "another thread": priority, "main": priority}
    assert os.getpriority(os.PRIO_PROCESS, 0) == priority


def test_the_shared_frame_cannot_be_changed_through_a_derived_one(app_env):
    from retail.data import schema
    from ui.data import dataset_frame, raw_workspace

    location = workspace_location()
    info = raw_workspace().get(SAMPLE_NAME)
    shared = dataset_frame(location, info.name, info.version)
    before = shared[schema.QUANTITY].copy()
    column = shared[schema.QUANTITY]  # without copy-on-write, a view into the shared frame
    column.iloc[:5] = -999
    selected = shared[shared[schema.QUANTITY] > 0]
    selected.loc[:, schema.QUANTITY] = 0
    assert shared[schema.QUANTITY].equals(before)


@pytest.mark.browser
def test_the_server_warms_the_sample_before_anyone_opens_a_page(tmp_path, small_sample_file):
    """``streamlit run serve.py`` (what ``make run`` starts) prepares the workspace and the sample while the
    server starts: without a session, only the warm-up creates the workspace."""
    home = tmp_path / "home"
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file), "RETAIL_WARM": "1"}
    with streamlit_server(ROOT, env):
        deadline = time.monotonic() + 300
        while not (home / "workspace.duckdb").exists():
            assert time.monotonic() < deadline, "the server started without warming the sample"
            time.sleep(0.2)  # polling a file the server's thread creates: the condition, not a fixed wait
