"""Customer voice page caches: one analysis per dataset version and settings (fitted models shared by
every session, a progress bar the first time)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from retail.feedback.analysis import FeedbackResult, analyse
from retail.feedback.settings import FeedbackSettings
from ui.data import dataset_frame
from ui.widgets import on_bar


@st.cache_resource(max_entries=4, show_spinner=False)
def analysis(location: str, name: str, version: str, settings_json: str, sales_key: str,
             _sales: pd.DataFrame | None) -> FeedbackResult:
    """The analysis of dataset ``name`` (at ``version``) under the settings (JSON), joined with the
    sales dataset of ``sales_key`` when given. Never mutated: pages only read it."""
    bar = st.progress(0.0, text="Reading the messages...")
    result = analyse(dataset_frame(location, name, version), FeedbackSettings(**json.loads(settings_json)),
                     sales=_sales, progress=on_bar(bar))
    bar.empty()
    return result
