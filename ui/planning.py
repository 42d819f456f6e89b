"""The weekly cycle on the pages: cached tracking and exceptions, the Forecast page's "How did our
forecasts do" tab, and the links from an exception to the page that explains it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail import frequency
from retail.analytics.aggregate import SERIES_ID, TARGETS
from retail.data.workspace import DatasetInfo, workspace_location
from retail.forecast.result import RUN_KIND as FORECAST_KIND
from retail.planning import attention
from retail.planning.attention import PLAN_KIND, AttentionSettings
from retail.planning.exceptions import Context
from retail.planning.pack import accuracy_table
from retail.planning.registry import FORECAST_PAGE, OVERVIEW_PAGE, PLAN_PAGE
from retail.planning.tracking import BEST, Tracking, headline
from retail.planning.tracking_charts import runs_figure, tracked_error_figure
from ui.data import dataset_frame, workspace
from ui.widgets import download_csv, glossary_columns

TRACKING_TAB = "How did our forecasts do"
VIEW_KEY = "view"  # the URL parameter naming a page's open tab (a link can open the forecast checks)
PAGES = {FORECAST_PAGE: "app_pages/forecast.py", PLAN_PAGE: "app_pages/replenishment.py", OVERVIEW_PAGE: "app_pages/overview.py"}


def run_ids(dataset: str, *kinds: str) -> tuple[int, ...]:
    """The saved runs a result depends on (a new run is a new cache key)."""
    return tuple(run.id for kind in kinds for run in workspace().list_runs(kind, dataset))


@st.cache_resource(max_entries=4, show_spinner="Checking the saved forecasts against the sales...")
def week_context(location: str, dataset: str, version: str, runs: tuple[int, ...]) -> tuple[Context, Tracking]:
    """What the exceptions are found in, and every saved forecast scored (shared read-only by the sessions;
    ``runs``, the saved runs, key the cache with the dataset's version)."""
    return attention.context(workspace(), dataset, dataset_frame(location, dataset, version))


def this_week(key: tuple[str, str, str, tuple[int, ...]], settings: AttentionSettings) -> attention.ThisWeek:
    """The ranked exceptions with ``settings`` (only the detectors rerun when a threshold moves)."""
    found_in, tracked = week_context(*key)
    return attention.ThisWeek(ranked=attention.exceptions(found_in, settings), context=found_in, tracking=tracked,
                              settings=settings)


def link(row: dict, info: DatasetInfo, level: str) -> tuple[str, dict[str, str]]:
    """The page that explains an exception, and what it should open (dataset, series, run)."""
    params = {"dataset": info.name}
    if row["page"] == FORECAST_PAGE:
        params |= {VIEW_KEY: TRACKING_TAB, "tracked": str(row[SERIES_ID])}
    elif row["page"] == PLAN_PAGE and pd.notna(row.get("run_id")):
        params["plan"] = str(int(row["run_id"]))
    elif row["page"] == OVERVIEW_PAGE and level == "product":
        params["product"] = str(row[SERIES_ID])
    return PAGES[row["page"]], params


def _series_choice(tracked: Tracking, key: str) -> str | None:
    """The series to chart, biggest first (the URL's ``tracked`` when a link named one)."""
    best = tracked.rows[tracked.rows[BEST]]
    options = list(best.groupby(SERIES_ID)["y"].sum().sort_values(ascending=False).index)
    if not options:
        return None
    names = tracked.names()
    linked = st.query_params.get("tracked")
    return st.selectbox("Series, biggest first (type to search)", options,
                        index=options.index(linked) if linked in options else 0, key=key,
                        format_func=lambda s: names.get(s, s) if names.get(s, s) == s else f"{names[s]} ({s})")


def tracking_section(info: DatasetInfo) -> None:
    """Forecast vs actual over successive runs for any series, and the table of every run's real error."""
    if not run_ids(info.name, FORECAST_KIND):
        st.info("No saved forecast yet: run one, then add the weeks that follow (Data page, 'Add to this dataset').")
        return
    tracked = week_context(*attention_key(info))[1]
    st.markdown(headline(tracked))
    if tracked.empty:
        return
    key = tracked.runs[-1].key
    _, freq, target = key
    st.plotly_chart(tracked_error_figure(tracked.by_week, freq), key="tr_error_chart")
    series = _series_choice(tracked, "tr_series")
    if series is not None:
        unit = f"{TARGETS[target].unit} per {frequency.get(freq).period}"
        title = f"{tracked.names().get(series, series)}: sold, and every saved forecast of it"
        st.plotly_chart(runs_figure(tracked.panels[key], tracked.rows, series, title, unit, freq),
                        key="tr_series_chart")
    table = accuracy_table(tracked)
    st.subheader("Every run: real error against its promise")
    st.dataframe(table, hide_index=True, width="stretch", key="tr_runs", column_config=glossary_columns(table))
    with st.expander("Per run, model and periods ahead"):
        steps = tracked.by_step.rename(columns={"step": "ahead", "n": "checked", "actual": "sold"})
        st.dataframe(steps, hide_index=True, width="stretch", key="tr_steps", column_config=glossary_columns(steps))
        download_csv(steps, f"{info.name} forecast accuracy.csv", key="tr_download")


def attention_key(info: DatasetInfo) -> tuple[str, str, str, tuple[int, ...]]:
    """What the page's exceptions depend on: the workspace, the dataset's version and its saved runs."""
    return workspace_location(), info.name, info.version, run_ids(info.name, FORECAST_KIND, PLAN_KIND)
