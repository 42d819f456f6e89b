"""Cached access to the workspace and the dataset chosen in the sidebar."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from retail import cache
from retail.access import privacy
from retail.access.guard import GuardedWorkspace
from retail.data import kinds
from retail.data.ingest import ensure_sample
from retail.data.reads import ReadMemo
from retail.data.workspace import DatasetInfo, Workspace, workspace_location
from ui import state
from ui.access import acting_user

DATASET_KEY = "dataset_name"
# A plain (non-widget) copy of the choice: it survives runs where the picker is not drawn.
ACTIVE_KEY = "active_dataset"
PENDING_KEY = "pending_dataset_name"
ACTIVE_INFO_KEY = "active_dataset_info"


@st.cache_resource(show_spinner=False)
def _workspace(location: str) -> Workspace:
    workspace = Workspace.at(location)
    ensure_sample(workspace)
    return workspace


def raw_workspace() -> Workspace:
    """The workspace of ``$RETAIL_DATABASE_URL`` or ``$RETAIL_HOME`` (one per location; the sample
    is registered on first use), without an access check: for sign-in itself, never for a page."""
    with st.spinner("Preparing the workspace and the sample data..."):
        return _workspace(workspace_location())


def workspace() -> GuardedWorkspace:
    """The workspace as the person of this session may use it: every change checks their role
    (PermissionError) and is written to the audit log."""
    return GuardedWorkspace(raw_workspace(), acting_user())


_READS = ReadMemo()  # shared by every session: one query per few seconds, not several per rerun


def list_datasets() -> list[DatasetInfo]:
    """The workspace's datasets, read at most every few seconds (at once after a change made here:
    :mod:`retail.data.reads`)."""
    return _READS.get((workspace_location(), "datasets"), workspace().list_datasets)


def preferences(dataset: str, scope: str) -> dict[str, Any]:
    """The settings kept for ``dataset`` under ``scope``, read like :func:`list_datasets`."""
    guarded = workspace()
    return _READS.get((workspace_location(), "preferences", dataset, scope), lambda: guarded.preferences(dataset, scope))


@st.cache_resource(show_spinner=False)
def _seen_revision() -> dict[str, int]:
    return {}


def clear_caches_after_erasure() -> None:
    """Empty this process's caches (frames, fitted models, analyses) once a customer was forgotten or
    old detail rolled up, here or in another process: nothing computed from their rows stays in memory."""
    location = workspace_location()
    revision, seen = privacy.revision(raw_workspace()), _seen_revision()
    if seen.setdefault(location, revision) != revision:
        st.cache_data.clear()
        st.cache_resource.clear()
        cache.clear_all()  # the fitted models' memory-bounded cache
        _seen_revision()[location] = revision


# The frame is shared read-only between sessions: cache_resource avoids copying half a
# million rows on every rerun (cache_data would pickle it each time).
@st.cache_resource(max_entries=4, show_spinner="Loading the dataset...")
def dataset_frame(location: str, name: str, version: str) -> pd.DataFrame:
    """Rows of a dataset; ``location`` (:func:`workspace_location`) and ``version`` key the cache. Reading is
    open to every role, and a page has checked the person already (the warm-up has no person: :mod:`ui.warm`)."""
    return _workspace(location).load(name)


def select_dataset(name: str) -> None:
    """Make ``name`` the sidebar's dataset on the next run (e.g. right after saving it)."""
    st.session_state[PENDING_KEY] = name
    st.session_state[ACTIVE_KEY] = name


def dataset_picker() -> DatasetInfo | None:
    """The sidebar's dataset selector, shared by every page (and kept in the URL as ``dataset``)."""
    clear_caches_after_erasure()
    datasets = list_datasets()
    names = [info.name for info in datasets]
    if ACTIVE_KEY not in st.session_state and (linked := state.from_url("dataset")):
        st.session_state[ACTIVE_KEY] = linked
    pending = st.session_state.pop(PENDING_KEY, None)
    wanted = pending or st.session_state.get(DATASET_KEY) or st.session_state.get(ACTIVE_KEY)
    st.session_state[DATASET_KEY] = wanted if wanted in names else (names[0] if names else None)
    if not names:
        st.sidebar.info("No dataset yet: add one on the Data page.")
        return None
    name = st.sidebar.selectbox("Dataset", names, key=DATASET_KEY,
                                help="Every page works on this dataset.")
    st.session_state[ACTIVE_KEY] = name
    state.publish("dataset", name)
    info = next(i for i in datasets if i.name == name)
    st.session_state[ACTIVE_INFO_KEY] = info
    parts = [kinds.KINDS[info.kind].label.capitalize(), f"{info.rows:,} rows"]
    if info.date_min is not None:
        parts.append(f"{info.date_min:%d %b %Y} - {info.date_max:%d %b %Y}")
    st.sidebar.caption(" · ".join(parts), help=info.report.get("file_kind_text") or None)
    return info


def current_dataset() -> DatasetInfo | None:
    """The dataset chosen in the sidebar (the first one when nothing was chosen yet)."""
    name = st.session_state.get(ACTIVE_KEY)
    chosen = st.session_state.get(ACTIVE_INFO_KEY)
    if chosen is not None and chosen.name == name:  # the picker listed the datasets in this run already
        return chosen
    datasets = list_datasets()
    return next((d for d in datasets if d.name == name), datasets[0] if datasets else None)


def current_frame() -> tuple[DatasetInfo, pd.DataFrame] | None:
    """The chosen dataset and its rows, or None (with a hint) when there is none."""
    info = current_dataset()
    if info is None:
        st.info("Choose or add a dataset first (sidebar, or the Data page).")
        return None
    if info.kind == "messages":  # reviews and service messages hold no sales
        st.info(f"{info.name} holds customer messages, not sales: open the Customer voice page, or choose a sales "
                "dataset in the sidebar.")
        return None
    return info, dataset_frame(workspace_location(), info.name, info.version)
