"""The Forecast page's "Value added" tab: did the model beat the naive forecast, and did the planners' changes help?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail.glossary import explain
from retail.planning.charts import value_added_figure
from retail.planning.fva import ValueAdded, forecast_value_added
from ui.data import dataset_frame, workspace
from ui.widgets import download_csv, glossary_columns

GROUP_LABELS = {"overall": "overall", "planner": "per planner", "reason": "per reason", "category": "per category",
                "horizon": "per horizon"}


@st.cache_data(max_entries=8, show_spinner="Scoring the forecasts against the sales that arrived...")
def value_added(home: str, dataset: str, version: str, runs: tuple[int, ...]) -> ValueAdded:
    """FVA of the dataset's runs (``runs`` keys the cache: a new version or run scores again)."""
    return forecast_value_added(workspace(), dataset, dataset_frame(home, dataset, version))


def value_added_tab(home: str, info, runs: list) -> None:
    st.caption(explain("fva"))
    result = value_added(home, info.name, info.version, tuple(r.id for r in runs))
    (st.success if not result.table.empty else st.info)(result.sentence)
    if result.table.empty:
        return
    table = result.table.assign(group=result.table["group"].map(GROUP_LABELS))
    st.dataframe(table, hide_index=True, width="stretch", key="fva_table", column_config=glossary_columns(
        table, number_format="%.3f", statistical_value_added="%+.1f", adjustment_value_added="%+.1f") | {
        "group": st.column_config.TextColumn("breakdown"), "value": st.column_config.TextColumn("which"),
        "actual": st.column_config.NumberColumn("actual sales", format="localized")})
    columns = st.columns(2)
    for cell, group, title in ((columns[0], "reason", "Value added per reason"),
                               (columns[1], "planner", "Value added per planner")):
        if (result.table["group"] == group).any():
            cell.plotly_chart(value_added_figure(result.table, group, title), key=f"fva_{group}_chart")
    st.caption(f"Runs scored: {', '.join(map(str, result.runs))}; {len(result.cells):,} forecasts with their sales.")
    download_csv(pd.DataFrame(table), f"forecast_value_added_{info.name}.csv", key="fva_download")
