"""Forecast: backtested models against baselines, intervals, per-series accuracy, exports, saved runs."""

import pandas as pd
import streamlit as st

from retail import frequency
from retail.analytics import aggregate, overview
from retail.analytics.aggregate import LEVELS, TARGETS, available_levels, default_target, exogenous_candidates
from retail.data import currency
from retail.data.workspace import workspace_location
from retail.forecast.charts import importance_figure, leaderboard_figure, series_figure
from retail.forecast.explain import feature_label, headline, outlook, series_by_volume
from retail.forecast.registry import DEFAULT, FORECASTERS
from retail.forecast.result import RUN_KIND
from retail.forecast.settings import ForecastSettings
from retail.glossary import explain
from ui import state
from ui.access import record_download
from ui.data import current_frame, workspace
from ui.forecast import export_bytes, load_run, run_and_save
from ui.planning import TRACKING_TAB, VIEW_KEY, tracking_section
from ui.reports import report_button
from ui.widgets import glossary_columns, param_widgets, registry_multiselect, saved_runs

RUN_KEY = "forecast_run_id"


def show_headline(result, run_id: int) -> None:
    settings = result.settings
    st.success(f"{headline(result)} Run {run_id}: {result.history['series_id'].nunique():,} series, "
               f"{frequency.get(settings.freq).label}, {settings.horizon} {frequency.get(settings.freq).period}s "
               "ahead.")
    st.caption(result.warnings[0] if result.warnings else "")
    for warning in result.warnings[1:]:
        st.warning(warning)


def show_leaderboard(result) -> None:
    st.subheader("Which model forecast best (backtest)", help=explain("backtest"))
    board = result.metrics.assign(model=result.metrics["model"].map(FORECASTERS.label))
    st.dataframe(board, hide_index=True, width="stretch", key="fc_leaderboard",
                 column_config=glossary_columns(board, seconds="%.1f") | {"rank": None})
    st.plotly_chart(leaderboard_figure(result.metrics), key="fc_leaderboard_chart")


def show_outlook(result, unit: str, code: str | None) -> None:
    st.subheader(f"Outlook per series, next {result.settings.horizon} "
                 f"{frequency.get(result.settings.freq).period}s ({FORECASTERS.label(result.best)})",
                 help=explain("interval"))
    table = outlook(result).round({"forecast": 0, "low": 0, "high": 0, "value": 2})
    st.dataframe(table, hide_index=True, width="stretch", key="fc_outlook", column_config={
        "series_id": st.column_config.TextColumn(LEVELS[result.settings.level].label),
        "forecast": st.column_config.NumberColumn(f"forecast ({unit})", format="localized"),
        "low": st.column_config.NumberColumn("low (80% range)", format="localized"),
        "high": st.column_config.NumberColumn("high (80% range)", format="localized"),
        "unit_price": st.column_config.NumberColumn("average price", format="%.2f"),
        "value": st.column_config.NumberColumn(f"value{currency.label(code)}", format="localized")})


def show_series(result, run_id: int, unit: str) -> str:
    """One series' chart; returns the model shown (the run's best unless the user picks another)."""
    st.subheader("One series")
    names = dict(zip(result.series_info["series_id"], result.series_info["name"], strict=True))
    pick = st.columns([3, 1])
    series = pick[0].selectbox("Series, biggest first (type to search a product or store)",
                               series_by_volume(result), key=f"fc_series_{run_id}",
                               format_func=lambda s: names[s] if names[s] == s else f"{names[s]} ({s})")
    models = list(result.metrics["model"])
    model = pick[1].selectbox("Model", models, index=models.index(result.best), key=f"fc_model_{run_id}",
                              format_func=FORECASTERS.label)
    st.plotly_chart(series_figure(result.series_view(series, model), f"{names[series]}: {FORECASTERS.label(model)}",
                                  unit, result.settings.freq), key="fc_series_chart")
    return model


def show_accuracy(result, model: str) -> None:
    st.subheader(f"Accuracy per series, worst first ({FORECASTERS.label(model)})")
    per_series = result.series_metrics[result.series_metrics["model"] == model].sort_values("wape", ascending=False)
    st.dataframe(per_series.drop(columns=["model"]), hide_index=True, width="stretch", key="fc_series_metrics",
                 column_config=glossary_columns(per_series) | {"actual": st.column_config.NumberColumn(
                     "actual sales in the backtest", format="localized"), "n": None})
    if not result.importance.empty:
        explained = model if model in set(result.importance["model"]) else result.importance["model"].iat[0]
        readable = result.importance.assign(feature=[feature_label(f, result.settings.freq)
                                                     for f in result.importance["feature"]])
        st.plotly_chart(importance_figure(readable, explained), key="fc_importance")


def show_downloads(home: str, result, run_id: int, info) -> None:
    st.subheader("Take it away")
    export_model = st.radio("Which forecast", [result.best, "all"], horizontal=True, key="fc_export_model",
                            format_func=lambda m: "every model" if m == "all" else f"best model ({FORECASTERS.label(m)})")
    downloads = st.columns(2)
    downloads[0].download_button("Download Excel (summary, forecast, metrics, settings)",
                                 export_bytes(home, run_id, export_model, "xlsx"),
                                 file_name=f"forecast_run_{run_id}.xlsx", on_click=record_download(f"forecast_run_{run_id}.xlsx"), key="fc_download_xlsx",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    downloads[1].download_button("Download CSV", export_bytes(home, run_id, export_model, "csv"),
                                 file_name=f"forecast_run_{run_id}.csv", on_click=record_download(f"forecast_run_{run_id}.csv"), mime="text/csv", key="fc_download_csv")
    selection = overview.Selection(*overview.default_period(info.date_min, info.date_max))
    measure = overview.measures(info.has, info.kind)[0]
    report_button((home, info.name, info.version), info, selection, "W", measure, workspace().currency_of(info),
                  run_id, button_key="fc_report")


def show_run(home: str, run_id: int, info) -> None:
    result = load_run(home, run_id)
    unit = f"{TARGETS[result.settings.target].unit} per {frequency.get(result.settings.freq).period}"
    show_headline(result, run_id)
    show_leaderboard(result)
    show_outlook(result, TARGETS[result.settings.target].unit, workspace().currency_of(info))
    model = show_series(result, run_id, unit)
    show_accuracy(result, model)
    show_downloads(home, result, run_id, info)


st.title("Demand forecast")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
home = workspace_location()
if RUN_KEY not in st.session_state:
    st.session_state[RUN_KEY] = state.from_url("run", int)
new_tab, runs_tab, tracked_tab = st.tabs(["Forecast", "Saved runs", TRACKING_TAB], key=VIEW_KEY, bind="query-params")

with new_tab:
    levels = available_levels(info.has)
    default_level = aggregate.default_level(info.kind, levels)
    with st.form("forecast_settings"):
        row = st.columns(4)
        level = row[0].selectbox("Forecast per", levels, format_func=lambda name: LEVELS[name].label, key="fc_level",
                                 index=levels.index(default_level))
        freq = row[1].selectbox("Frequency", list(frequency.CODES), index=1, key="fc_freq",
                                format_func=lambda code: frequency.get(code).label)
        target_default, target_reason = default_target(info.has)
        target = row[2].selectbox("Target", list(TARGETS), key="fc_target", index=list(TARGETS).index(target_default),
                                  format_func=lambda name: TARGETS[name].label, help=f"Default: {target_reason}.")
        horizon = row[3].number_input("Horizon (periods)", 1, 90, 8, key="fc_horizon")
        row = st.columns(3)
        models = registry_multiselect(row[0], "Models", FORECASTERS, "fc_models",
                                      default=list(FORECASTERS.tagged(DEFAULT)))
        windows = row[1].slider("Backtest windows", 1, 6, 3, key="fc_windows",
                                help="Rolling origins: each window forecasts `horizon` periods from an earlier cutoff")
        top_n = row[2].number_input("Largest N series (0 = all)", 0, 100_000, 50, key="fc_top")
        known = st.multiselect("Columns known in advance (e.g. a promo calendar)", exogenous_candidates(frame),
                               key="fc_known", help="Other extra columns are used only through their past values.")
        with st.expander("Model settings"):
            model_params = {spec.name: param_widgets(spec, f"fc_{spec.name}") for spec in FORECASTERS if spec.params}
        submitted = st.form_submit_button("Run forecast", type="primary")
    if submitted:
        try:
            settings = ForecastSettings(level=level, freq=freq, target=target, horizon=int(horizon),
                                        models=tuple(models), windows=windows, top_n=int(top_n) or None,
                                        model_params={m: model_params[m] for m in models if m in model_params},
                                        future_known=tuple(known))
            st.session_state[RUN_KEY] = run_and_save(home, info.name, info.version, settings).id
        except ValueError as exc:
            st.error(str(exc))

runs = workspace().list_runs(RUN_KIND, info.name)  # after a new run was saved above
with new_tab:
    run_id = st.session_state.get(RUN_KEY)
    if run_id in {r.id for r in runs}:
        state.publish("run", run_id)
        show_run(home, run_id, info)
    else:
        st.info("Choose the settings and run a forecast, or open a saved run.")

with runs_tab:
    table = pd.DataFrame([{"run": r.id, "saved": r.created_at, "level": LEVELS[r.settings["level"]].label,
                           "frequency": frequency.get(r.settings["freq"]).label, "horizon": r.settings.get("horizon"),
                           "series": r.summary.get("series"), "best model": FORECASTERS.label(r.summary.get("best", "")),
                           "WAPE": r.summary.get("wape")} for r in runs])
    saved_runs(runs, table, RUN_KEY, "", "No saved forecast for this dataset yet.")

with tracked_tab:
    if tracked_tab.open:  # the checks run only when their tab is chosen
        tracking_section(info)
