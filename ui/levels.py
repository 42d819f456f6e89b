"""The Forecast page's "All levels" tab: every level forecast so the levels add up, the method chosen on the
backtest, any level shown, and the workbook with one sheet per level."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retail import frequency
from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID, TARGETS, default_target
from retail.data.workspace import RunInfo
from retail.forecast.registry import DEFAULT, FORECASTERS
from retail.forecast.settings import ForecastSettings
from retail.glossary import explain
from retail.planning.charts import level_series_figure
from retail.planning.levels import run_reconciled
from retail.planning.levels_export import accuracy_table, method_errors, to_excel_bytes
from retail.planning.levels_result import RUN_KIND, ReconciledResult, load_run, save_run
from ui.data import dataset_frame, workspace
from ui.downloads import deferred_export
from ui.widgets import registry_multiselect, run_and_store

RUN_KEY = "levels_run_id"


@st.cache_resource(max_entries=4, show_spinner="Opening the forecast of every level...")
def load(home: str, run_id: int) -> ReconciledResult:
    return load_run(workspace(), run_id)


def settings_form(info) -> ForecastSettings | None:
    """The run's settings (frequency, target, horizon, models, windows, products kept by name)."""
    with st.form("levels_settings"):
        row = st.columns(4)
        freq = row[0].selectbox("Every level's frequency", list(frequency.CODES), index=1, key="lv_freq",
                                format_func=lambda code: frequency.get(code).label)
        target_default, reason = default_target(info.has)
        target = row[1].selectbox("Forecast of", list(TARGETS), index=list(TARGETS).index(target_default), key="lv_target",
                                  format_func=lambda name: TARGETS[name].label, help=f"Default: {reason}.")
        horizon = row[2].number_input("Periods ahead", 1, 52, 8, key="lv_horizon")
        windows = row[3].slider("Windows the method is chosen on", 2, 6, 3, key="lv_windows",
                                help="The method is chosen on these windows; ranges are measured leaving each out.")
        row = st.columns([3, 1])
        models = registry_multiselect(row[0], "Models (the best per level)", FORECASTERS, "lv_models",
                                      default=list(FORECASTERS.tagged(DEFAULT)))
        top_n = row[1].number_input("Products kept by name", 1, 5000, 50, key="lv_top",
                                    help="The biggest products keep their own series; the others are added up as "
                                    "'other products' per store, so every level still adds up to the whole business.")
        if not st.form_submit_button("Forecast every level", type="primary"):
            return None
    return ForecastSettings(level="total", freq=freq, target=target, horizon=int(horizon), windows=int(windows),
                            models=tuple(models), top_n=int(top_n))


def run(home: str, info, settings: ForecastSettings) -> RunInfo:
    return run_and_store(info.name, "Forecasting every level...", lambda progress: run_reconciled(
        dataset_frame(home, info.name, info.version), settings, progress=progress), save_run)


def level_view(result: ReconciledResult, run_id: int) -> None:
    """Any level: its series x periods (with the total of the level), one series' chart, the sum check."""
    unit = f"{TARGETS[result.settings.target].unit} per {frequency.get(result.settings.freq).period}"
    level = st.selectbox("Level", list(result.levels), key=f"lv_level_{run_id}", format_func=lambda n: LEVELS[n].label)
    rows = result.level_forecast(level)
    wide = rows.pivot_table(index=[SERIES_ID, "name"], columns=DATE, values="forecast", aggfunc="sum", sort=False)
    wide.columns = [f"{pd.Timestamp(c):%Y-%m-%d}" for c in wide.columns]
    wide = wide.reset_index().drop(columns=[SERIES_ID])
    total = pd.DataFrame([["(level total)", *wide.drop(columns=["name"]).sum().round(2)]], columns=wide.columns)
    st.dataframe(pd.concat([total, wide], ignore_index=True), hide_index=True, width="stretch", key="lv_table",
                 column_config={c: st.column_config.NumberColumn(c, format="%.2f") for c in wide.columns if c != "name"})
    st.caption(result.adds_up())
    names = dict(zip(rows[SERIES_ID], rows["name"], strict=False))
    series = st.selectbox("Series", list(dict.fromkeys(rows[SERIES_ID])), key=f"lv_series_{run_id}_{level}",
                          format_func=lambda s: names[s] if names[s] == s else f"{names[s]} ({s})")
    st.plotly_chart(level_series_figure(result, level, series, unit), key="lv_chart")


def show(result: ReconciledResult, run_id: int, dataset: str) -> None:
    st.success(result.headline())
    for note in [result.summary, *result.notes]:
        st.caption(note)
    st.markdown("**Backtest error per level: each level on its own, and adding up**", help=explain("reconciled"))
    table = accuracy_table(result)
    st.dataframe(table, hide_index=True, width="stretch", key="lv_accuracy", column_config={
        c: st.column_config.NumberColumn(c, format="%.3f") for c in table.columns[3:]})
    with st.expander("Every method's backtest error (WAPE) per level"):
        errors = method_errors(result)
        st.dataframe(errors, hide_index=True, width="stretch", key="lv_methods", column_config={
            c: st.column_config.NumberColumn(c, format="%.3f") for c in errors.columns[1:]})
    level_view(result, run_id)
    name = f"forecast_levels_{run_id}.xlsx"  # built when clicked, in a server thread: bound to this session now
    st.download_button("Download Excel (one sheet per level)",
                       deferred_export(lambda bound: to_excel_bytes(load_run(bound, run_id)), name, dataset),
                       file_name=name, key="lv_download", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def levels_tab(home: str, info) -> None:
    """The tab: settings, a new run, and the newest (or chosen) run of the dataset."""
    st.caption(explain("reconciled"))
    settings = settings_form(info)
    if settings is not None:
        try:
            st.session_state[RUN_KEY] = run(home, info, settings).id
        except ValueError as exc:
            st.error(str(exc))
    runs = workspace().list_runs(RUN_KIND, info.name)
    if not runs:
        st.info("Forecast every level to see them add up.")
        return
    ids = [r.id for r in runs]
    chosen = st.session_state.get(RUN_KEY) if st.session_state.get(RUN_KEY) in ids else ids[0]
    run_id = st.selectbox("Run", ids, index=ids.index(chosen), key="lv_run", format_func=lambda i: f"run {i}")
    show(load(home, run_id), run_id, info.name)
