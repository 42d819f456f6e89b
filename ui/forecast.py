"""Forecast runs: computed once with a progress bar, saved in the workspace, reopened from it."""

from __future__ import annotations

import streamlit as st

from retail.data.workspace import RunInfo
from retail.forecast.export import to_csv_bytes, to_excel_bytes
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import ForecastResult, save_run
from retail.forecast.result import load_run as load_stored_run
from retail.forecast.settings import ForecastSettings
from ui.data import dataset_frame, workspace
from ui.widgets import run_and_store


def run_and_save(home: str, dataset: str, version: str, settings: ForecastSettings) -> RunInfo:
    """Run a forecast with a progress bar and store it; returns the stored run."""
    return run_and_store(dataset, "Starting the forecast...", lambda progress: run_forecast(
        dataset_frame(home, dataset, version), settings, progress=progress), save_run)


@st.cache_resource(max_entries=4, show_spinner="Opening the forecast run...")
def load_run(home: str, run_id: int) -> ForecastResult:
    return load_stored_run(workspace(), run_id)


@st.cache_data(max_entries=16, show_spinner="Preparing the file...")
def export_bytes(home: str, run_id: int, model: str, file_format: str) -> bytes:
    result = load_run(home, run_id)
    return to_excel_bytes(result, model) if file_format == "xlsx" else to_csv_bytes(result, model)


def version_label(run: RunInfo) -> str:
    """``statistical`` or ``2 of run 12 (alice)``: which version of a forecast a saved run is."""
    if not run.settings.get("based_on"):
        return "statistical"
    return f"{run.settings['version']} of run {run.settings['based_on']} ({run.summary.get('adjusted_by', '')})"
