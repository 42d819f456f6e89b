"""Pricing runs: computed once with a progress bar, saved in the workspace, reopened from it;
scenarios and exports cached per run and setting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail.data.workspace import RunInfo
from retail.pricing.costs import costs_from_column, costs_from_table
from retail.pricing.registry import GOALS
from retail.pricing.result import PricingResult, save_run
from retail.pricing.result import load_run as load_stored_run
from retail.pricing.run import run_elasticity
from retail.pricing.scenario import Recommendation, plan, scenario_items
from retail.pricing.settings import PricingSettings
from retail.pricing.store_promotions import StorePromotions, store_promotion_lift
from ui.data import dataset_frame, workspace
from ui.widgets import run_and_store


def run_and_save(home: str, dataset: str, version: str, settings: PricingSettings) -> RunInfo:
    """Run the elasticities with a progress bar and store the run; returns the stored run."""
    return run_and_store(dataset, "Starting...", lambda progress: run_elasticity(
        dataset_frame(home, dataset, version), settings, progress=progress), save_run)


@st.cache_resource(max_entries=4, show_spinner="Opening the pricing run...")
def load_run(home: str, run_id: int) -> PricingResult:
    return load_stored_run(workspace(), run_id)


@st.cache_resource(max_entries=8, show_spinner="Measuring the promotions of every store...")
def store_promotions(home: str, dataset: str, version: str, column: str) -> StorePromotions:
    return store_promotion_lift(dataset_frame(home, dataset, version), column)


@st.cache_data(max_entries=8, show_spinner=False)
def column_costs(home: str, dataset: str, version: str, column: str) -> pd.Series:
    return costs_from_column(dataset_frame(home, dataset, version), column)


def uploaded_costs(upload) -> pd.Series:
    """Unit costs from an uploaded CSV or Excel table (product code, unit cost)."""
    from retail.data.readers import read_table

    return costs_from_table(read_table(upload.getvalue(), name=upload.name).frame)


@st.cache_data(max_entries=32, show_spinner="Simulating...")
def scenario(home: str, run_id: int, product: str | None, category: str | None, costs: pd.Series | None,
             changes: tuple[float, ...], goal: str, params: dict) -> tuple[pd.DataFrame, Recommendation]:
    """The scenario table and the recommendation for a product or a whole category."""
    result = load_run(home, run_id)
    rows = result.category_products(category) if category is not None else result.products[
        result.products["product_id"].astype(str) == str(product)]
    return plan(scenario_items(rows, costs), list(changes), GOALS.get(goal).build(**params))
