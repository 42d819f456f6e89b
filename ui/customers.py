"""Customers page caches: analyses (computed once per dataset version and settings, with a progress
bar the first time), the fitted recommender of a campaign, purchase histories and exports."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from retail.analytics import overview
from retail.cache import SettingsCache
from retail.customers.analysis import CustomerResult, CustomerSettings, analyse
from retail.customers.campaign import CampaignSettings, build_campaign, fit_recommender, load_campaign, save_campaign
from retail.customers.clusters import cluster
from retail.customers.history import History, build_history
from retail.data.workspace import RunInfo
from retail.experiments.targeting import saved_targeting, targeted_customers
from ui.data import dataset_frame, workspace
from ui.widgets import on_bar, progress_bar


@st.cache_resource(max_entries=4, show_spinner="Reading the customers' purchases...")
def history(home: str, dataset: str, version: str) -> History:
    return build_history(dataset_frame(home, dataset, version))


@st.cache_resource(show_spinner=False)
def _analyses() -> SettingsCache[CustomerResult]:
    return SettingsCache(maxsize=12)


def analysis(home: str, dataset: str, version: str, settings: CustomerSettings) -> CustomerResult:
    """The analysis for these settings, shared by every session; a progress bar while it is computed.

    The bar lives in a placeholder drawn on every run, computed or not, so the elements after it keep
    their place (otherwise the tabs below would jump back to the first one after the first rerun)."""
    slot = st.empty()

    def compute() -> CustomerResult:
        bar = slot.progress(0.0, text="Analysing customers...")
        try:
            return analyse(history(home, dataset, version), settings,
                           progress=on_bar(bar))
        finally:
            slot.empty()

    return _analyses().get(analysis_key(home, dataset, version, settings), compute)


@st.cache_data(max_entries=8, show_spinner="Grouping customers (k-means, the number of groups by silhouette)...")
def clusters(analysis_key: str, _result: CustomerResult) -> tuple[pd.Series, pd.DataFrame]:
    """k-means groups of the analysis ``analysis_key`` names (its result is not hashed)."""
    return cluster(_result.customers)


def analysis_key(home: str, dataset: str, version: str, settings: CustomerSettings) -> str:
    return json.dumps([home, dataset, version, settings.to_dict()], sort_keys=True, default=str)


@st.cache_resource(max_entries=4, show_spinner="Learning what each customer might like...")
def recommender(home: str, dataset: str, version: str, algorithm: str, as_of: pd.Timestamp):
    """The recommender fitted on the purchases before the analysis date (what was known then)."""
    return fit_recommender(dataset_frame(home, dataset, version), algorithm, as_of)


@st.cache_data(max_entries=64, show_spinner=False)
def purchase_history(home: str, dataset: str, version: str, customer: str) -> pd.DataFrame:
    return overview.customer_history(dataset_frame(home, dataset, version), customer)


def build_and_save(home: str, dataset: str, version: str, result: CustomerResult,
                   settings: CampaignSettings) -> RunInfo:
    """Build the campaign list (progress bar while products are chosen) and keep it in the workspace."""
    workspace().require("analyse")  # refused before the long work, not after it
    with progress_bar("Building the campaign list...") as progress:
        model = recommender(home, dataset, version, settings.algorithm, result.as_of) if settings.products else None
        table, summary = build_campaign(result, settings, model, progress=progress)
        return save_campaign(workspace(), dataset, settings, table, summary, result.settings.to_dict())


def targeting_lists(dataset: str) -> dict[int, str]:
    """The targeting lists saved on the Experiments page for this dataset, by run: their names."""
    return {run.id: run.settings.get("name", f"list {run.id}") for run in saved_targeting(workspace(), dataset)}


def targeted(run_id: int) -> tuple[str, ...]:
    return targeted_customers(workspace(), run_id)


def saved_campaign(run_id: int) -> tuple[RunInfo, pd.DataFrame]:
    return load_campaign(workspace(), run_id)
