"""The sample's caches are warmed in the background: the first page finds them computed."""

from __future__ import annotations

from retail.data.ingest import SAMPLE_NAME
from retail.data.workspace import workspace_location


def test_warm_up_fills_the_caches_the_first_pages_read(app_env, monkeypatch):
    from retail.data.workspace import Workspace
    from ui import warm
    from ui.data import dataset_frame, raw_workspace

    loads = []
    original = Workspace.load
    monkeypatch.setattr(Workspace, "load", lambda self, name: loads.append(name) or original(self, name))
    location = workspace_location()
    warm._warm(location)
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
