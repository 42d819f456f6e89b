"""Cached overview figures: each selection (period, filters, comparison, frequency) is computed once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail.analytics import overview
from retail.data import schema
from ui.data import dataset_frame


@st.cache_data(max_entries=4, show_spinner=False)
def store_names(home: str, dataset: str, version: str) -> list[str]:
    """Stores / countries, largest first."""
    return overview.by_store(dataset_frame(home, dataset, version))[schema.STORE_ID].tolist()


@st.cache_data(max_entries=4, show_spinner=False)
def has_cancellations(home: str, dataset: str, version: str) -> bool:
    """Whether some sales were undone in full later (only then do gross and net sales differ)."""
    return bool((dataset_frame(home, dataset, version)[schema.LINE_TYPE] == schema.CANCELLED).any())


@st.cache_data(max_entries=4, show_spinner=False)
def categories(home: str, dataset: str, version: str) -> list[str]:
    frame = dataset_frame(home, dataset, version)
    return sorted(frame[schema.CATEGORY].dropna().astype(str).unique().tolist())


@st.cache_data(max_entries=4, show_spinner=False)
def product_choices(home: str, dataset: str, version: str) -> pd.DataFrame:
    """Every product, best sellers first (product_id, product)."""
    table = overview.top_products(dataset_frame(home, dataset, version), n=None, by="units")
    return table[[schema.PRODUCT_ID, "product"]]


@st.cache_data(max_entries=32, show_spinner="Summing up...")
def summary(home: str, dataset: str, version: str, selection: overview.Selection, freq: str,
            measure: str, kind: str) -> overview.Summary:
    return overview.summarise(dataset_frame(home, dataset, version), selection, freq, measure, kind=kind)
