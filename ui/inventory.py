"""Replenishment runs: demand histories cached per dataset, runs computed with a progress bar,
saved in the workspace and reopened from it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from retail.data.workspace import RunInfo
from retail.inventory.adjusted import PlannerChanges
from retail.inventory.demand import DemandHistory, load_history
from retail.inventory.pipeline import run_replenishment, simulation_window
from retail.inventory.result import ReplenishmentResult, save_run
from retail.inventory.result import load_run as load_stored_run
from retail.inventory.settings import ReplenishmentSettings
from retail.inventory.stock import StockTable, read_stock
from ui.data import dataset_frame, workspace
from ui.widgets import run_and_store


@st.cache_data(max_entries=16, show_spinner=False)
def default_start(home: str, dataset: str, version: str, weeks: int) -> pd.Timestamp:
    """The first simulated day when none is chosen: ``weeks`` before the end of the data."""
    return simulation_window(dataset_frame(home, dataset, version), ReplenishmentSettings(simulate_weeks=weeks))[0]


@st.cache_resource(max_entries=6, show_spinner="Adding up daily demand...")
def history(home: str, dataset: str, version: str, level: str, top_n: int | None, start: str) -> DemandHistory:
    """Daily demand of the items planned (shared read-only by every session)."""
    return load_history(dataset_frame(home, dataset, version), level, top_n, rank_until=pd.Timestamp(start))


@st.cache_data(max_entries=8, show_spinner="Reading the stock file...")
def stock_file(data: bytes, name: str, home: str, dataset: str, version: str, level: str, top_n: int | None,
               start: str) -> StockTable:
    """The uploaded stock file mapped to the planned items (a ``ValueError`` says what is wrong)."""
    return read_stock(data, history(home, dataset, version, level, top_n, start).ids, level, name=name)


def run_and_save(home: str, dataset: str, version: str, settings: ReplenishmentSettings, stock: StockTable | None,
                 currency: str | None, planner_changes: PlannerChanges | None = None) -> RunInfo:
    """Replay both policies and plan the orders (following ``planner_changes``) with a progress bar; store the run."""
    def work(progress: Callable[[float, str], None]) -> ReplenishmentResult:
        frame = dataset_frame(home, dataset, version)
        demand = history(home, dataset, version, settings.level, settings.top_n,
                         f"{simulation_window(frame, settings)[0]:%Y-%m-%d}")
        return run_replenishment(frame, settings, stock, currency, history=demand, progress=progress,
                                 planner_changes=planner_changes)

    return run_and_store(dataset, "Starting the replay...", work, save_run)


@st.cache_resource(max_entries=4, show_spinner="Opening the replenishment run...")
def load_run(home: str, run_id: int) -> ReplenishmentResult:
    return load_stored_run(workspace(), run_id)


def follow_choice(dataset: str, level: str) -> PlannerChanges | None:
    """Which planner adjustments the orders follow: the newest adjusted forecast at the plan's level by default."""
    from retail.planning.versions import adjusted_runs, changes_to_follow

    runs = adjusted_runs(workspace(), dataset, level)
    if not runs:
        st.caption("No adjusted forecast at this level: the orders follow the statistical forecast.")
        return None
    labels = {run.id: f"adjusted forecast, run {run.id} (version {run.settings['version']} of run "
                      f"{run.settings['based_on']}, {run.summary.get('adjusted_by', '')})" for run in runs}
    chosen = st.selectbox("Planners' adjustments the orders follow", [*labels, None], key="rp_follow",
                          format_func=lambda i: labels.get(i, "none: the statistical forecast only"),
                          help="The units planners added to or removed from a forecast are added to the demand the "
                               "next review's orders cover (the replay of past weeks is not changed).")
    return None if chosen is None else changes_to_follow(workspace(), dataset, level, chosen)
