"""Forecast runs: computed once with a progress bar, saved in the workspace, reopened from it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail.data import schema
from retail.data.workspace import RunInfo
from retail.forecast.calendar import END, START, empty_calendar
from retail.forecast.defaults import Suggestion, suggest
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import ForecastResult, save_run
from retail.forecast.result import load_run as load_stored_run
from retail.forecast.settings import ForecastSettings
from ui.data import dataset_frame, workspace
from ui.widgets import run_and_store


def run_and_save(home: str, dataset: str, version: str, settings: ForecastSettings,
                 calendar: pd.DataFrame | None = None) -> RunInfo:
    """Run a forecast with a progress bar and store it; returns the stored run."""
    return run_and_store(dataset, "Starting the forecast...", lambda progress: run_forecast(
        dataset_frame(home, dataset, version), settings, progress=progress, calendar=calendar), save_run)


@st.cache_data(max_entries=16, show_spinner=False)
def suggestion(home: str, dataset: str, version: str, kind: str) -> Suggestion:
    """The frequency, horizon and windows that fit this dataset's length (:func:`retail.forecast.defaults.suggest`)."""
    return suggest(dataset_frame(home, dataset, version), kind)


@st.cache_resource(max_entries=4, show_spinner="Opening the forecast run...")
def load_run(home: str, run_id: int) -> ForecastResult:
    return load_stored_run(workspace(), run_id)


def version_label(run: RunInfo) -> str:
    """``statistical`` or ``2 of run 12 (alice)``: which version of a forecast a saved run is."""
    if not run.settings.get("based_on"):
        return "statistical"
    return f"{run.settings['version']} of run {run.settings['based_on']} ({run.summary.get('adjusted_by', '')})"


def calendar_editor(known: list[str], by_store: bool) -> pd.DataFrame | None:
    """The promotion calendar for the periods ahead (one row per promotion), or None when no column is known."""
    if not known:
        return None
    st.caption("Promotion calendar for the forecast ahead: one row per promotion, from its first to its last day "
               f"({', '.join(known)}: 1 on those days; days not listed read 0)"
               + ("; leave the store empty for every store." if by_store else "."))
    config = {START: st.column_config.DateColumn("First day", required=True),
              END: st.column_config.DateColumn("Last day", required=True),
              schema.STORE_ID: st.column_config.TextColumn("Store (empty: all)")}
    config |= {column: st.column_config.NumberColumn(column, default=1.0) for column in known}
    return st.data_editor(empty_calendar(known, by_store), num_rows="dynamic", hide_index=True, width="stretch",
                          column_config=config, key=f"fc_calendar_{'_'.join(known)}")
