"""Cached overview figures: each period / store / frequency choice is computed once."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from retail.analytics import overview
from retail.data import schema
from ui.data import dataset_frame


@st.cache_data(max_entries=4, show_spinner=False)
def store_names(home: str, dataset: str, version: str) -> list[str]:
    """Stores / countries, largest first."""
    return overview.by_store(dataset_frame(home, dataset, version))[schema.STORE_ID].tolist()


@st.cache_data(max_entries=32, show_spinner="Summing up...")
def summary(home: str, dataset: str, version: str, start: dt.date, end: dt.date, stores: tuple[str, ...],
            freq: str, measure: str) -> overview.Summary:
    return overview.summarise(dataset_frame(home, dataset, version), start, end, list(stores), freq, measure)
