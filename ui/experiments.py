"""Experiments page caches: the campaign results (read once per file and columns), customer facts from
the sales dataset, the read-out, and the targeting and replay comparisons (computed once per campaign
and settings, shared by every session, with a progress bar the first time)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from retail.cache import SettingsCache
from retail.data.readers import read_table
from retail.data.workspace import RunInfo
from retail.experiments.evaluation import UpliftComparison, compare_uplift
from retail.experiments.features import add_customer_facts
from retail.experiments.readout import ReadOut, read_out
from retail.experiments.replay import ReplayComparison, allocation, compare_policies
from retail.experiments.results import CampaignColumns, CampaignData, campaign_from_frame
from retail.experiments.store import load_results, save_results, stored_results
from retail.experiments.targeting import save_targeting, targeting_list
from ui.data import dataset_frame, workspace
from ui.widgets import on_bar


@st.cache_resource(max_entries=4, show_spinner="Reading the campaign results...")
def raw_frame(source_key: str, name: str, _data: bytes | None) -> tuple[pd.DataFrame, bool]:
    """The file's table (text cells) and its decimal mark, or the stored results' typed table."""
    if _data is None:  # stored results: "stored:<run id>"
        _, data = load_results(workspace(), int(source_key.split(":", 1)[1]))
        return data.frame.drop(columns=["__row"]), False
    raw = read_table(_data, name=name)
    return raw.frame, raw.decimal_comma


@st.cache_resource(max_entries=8, show_spinner="Typing the campaign results...")
def campaign(source_key: str, name: str, columns_json: str, _frame: pd.DataFrame, decimal_comma: bool) -> CampaignData:
    return campaign_from_frame(_frame, CampaignColumns.from_dict(json.loads(columns_json)), name, decimal_comma)


@st.cache_resource(max_entries=8, show_spinner="Adding customer facts from the sales data...")
def with_facts(campaign_key: str, location: str, dataset: str, version: str, _data: CampaignData) -> CampaignData:
    return add_customer_facts(_data, dataset_frame(location, dataset, version), f"the dataset '{dataset}'")


@st.cache_data(max_entries=16, show_spinner=False)
def customer_overlap(campaign_key: str, location: str, dataset: str, version: str, _ids: pd.Series) -> float:
    """The share of the campaign's customers who are customers of the sales dataset."""
    known = dataset_frame(location, dataset, version)["customer_id"].dropna().astype(str).unique()
    return float(_ids.astype(str).isin(known).mean())


@st.cache_resource(max_entries=16, show_spinner="Reading out the test...")
def readout(campaign_key: str, outcome: str, _data: CampaignData) -> ReadOut:
    return read_out(_data, outcome)


@st.cache_resource(show_spinner=False)
def _results() -> SettingsCache[Any]:
    return SettingsCache(maxsize=16)


def _with_progress(key: str, text: str, work: Callable[[Callable[[float, str], None]], Any]) -> Any:
    """A shared result; a progress bar in a stable placeholder while it is computed (see ui.customers)."""
    slot = st.empty()

    def compute() -> Any:
        bar = slot.progress(0.0, text=text)
        try:
            return work(on_bar(bar))
        finally:
            slot.empty()

    return _results().get(key, compute)


def uplift(campaign_key: str, data: CampaignData, models: list[str], params: dict, splits: int,
           test_share: float) -> UpliftComparison:
    key = json.dumps(["uplift", campaign_key, models, params, splits, test_share], sort_keys=True, default=str)
    return _with_progress(key, "Comparing targeting models...", lambda progress: compare_uplift(
        data, models, params, splits=splits, test_share=test_share, progress=progress))


def replay(campaign_key: str, data: CampaignData, outcome: str, policies: list[str], params: dict,
           orders: int) -> ReplayComparison:
    key = json.dumps(["replay", campaign_key, outcome, policies, params, orders], sort_keys=True, default=str)
    return _with_progress(key, "Replaying the policies...", lambda progress: compare_policies(
        data, policies, params, orders=orders, outcome=outcome, progress=progress))


@st.cache_data(max_entries=16, show_spinner="Allocating the next wave...")
def next_wave(campaign_key: str, outcome: str, _data: CampaignData) -> pd.DataFrame:
    return allocation(_data, outcome)


@st.cache_resource(max_entries=16, show_spinner="Scoring every customer...")
def targets(comparison_key: str, model: str, share: float, _data: CampaignData,
            _comparison: UpliftComparison) -> tuple[pd.DataFrame, dict]:
    return targeting_list(_data, _comparison, model, share)


def kept_campaigns() -> list[RunInfo]:
    return stored_results(workspace())


def keep_campaign(name: str, data: CampaignData, dataset: str) -> RunInfo:
    return save_results(workspace(), name, data, dataset)


def keep_targeting(dataset: str, name: str, table: pd.DataFrame, headline: dict[str, Any]) -> RunInfo:
    return save_targeting(workspace(), dataset, name, table, headline)
