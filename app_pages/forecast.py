"""Forecast: backtested models against baselines, intervals, per-series accuracy, exports, saved runs."""

import pandas as pd
import streamlit as st

from retail import frequency
from retail.analytics import aggregate, overview
from retail.analytics.aggregate import (
    TARGETS,
    available_levels,
    default_target,
    exogenous_candidates,
    level_label,
)
from retail.data import currency, schema
from retail.forecast.charts import importance_figure, leaderboard_figure, series_figure
from retail.forecast.explain import (
    feature_label,
    headline,
    names_differ,
    outlook,
    outlook_columns,
    series_by_volume,
    series_label,
    wide_range_note,
)
from retail.forecast.export import to_csv_bytes, to_excel_bytes
from retail.forecast.registry import DEFAULT, FORECASTERS
from retail.forecast.result import RUN_KIND
from retail.forecast.settings import ForecastSettings
from retail.formatting import count, percent
from retail.glossary import explain
from ui import state
from ui.adjust import show_adjustments
from ui.data import current_frame, workspace, workspace_location
from ui.downloads import download
from ui.forecast import calendar_editor, load_run, run_and_save, suggestion, version_label
from ui.levels import levels_tab
from ui.planning import TRACKING_TAB, VIEW_KEY, tracking_section
from ui.reports import report_button
from ui.value_added import value_added_tab
from ui.widgets import glossary_columns, help_link, param_widgets, registry_multiselect, saved_runs, start_values

RUN_KEY = "forecast_run_id"
TABS = ["Forecast", "All levels, adding up", "Value added", "Saved runs", TRACKING_TAB]
SHOWN_KEY = "fc_shown_run"
EXPERT = ["mase", "rmse", "backtest_seconds", "final_fit_seconds", "in_sample"]


def show_headline(result, number: int) -> None:
    settings = result.settings
    period = frequency.get(settings.freq)
    st.success(f"{headline(result)} Run {number}: {count(result.history['series_id'].nunique(), 'series')}, "
               f"{period.label}, {count(settings.horizon, period.period)} ahead.")
    st.caption(result.warnings[0] if result.warnings else "")
    for warning in result.warnings[1:]:
        st.warning(warning)


def show_leaderboard(result) -> None:
    st.subheader("Which model forecast best (backtest)", help=explain("backtest"))
    board = result.metrics.assign(model=result.metrics["model"].map(FORECASTERS.label))
    shown = board.drop(columns=[c for c in EXPERT if c in board])
    order = [c for c in ("model", "wape", "wape_vs_baseline", "bias", "coverage_80", "coverage_95", "seconds")
             if c in shown]
    st.dataframe(shown, hide_index=True, width="stretch", key="fc_leaderboard", column_order=order,
                 column_config=glossary_columns(shown, seconds="%.1f") | {"rank": None})
    with st.expander("For experts: error against the naive rule (MASE), typical miss (RMSE), timings"):
        expert = board[["model", *[c for c in EXPERT if c in board]]]
        st.dataframe(expert, hide_index=True, width="stretch", key="fc_leaderboard_expert",
                     column_config=glossary_columns(expert, backtest_seconds="%.1f", final_fit_seconds="%.1f"))
    st.plotly_chart(leaderboard_figure(result.metrics), key="fc_leaderboard_chart")


def show_outlook(result, unit: str, code: str | None, store: str) -> None:
    st.subheader(f"Outlook per {level_label(result.settings.level, store)}, next "
                 f"{count(result.settings.horizon, frequency.get(result.settings.freq).period)} "
                 f"({FORECASTERS.label(result.best)})", help=explain("interval"))
    table = outlook(result)
    table = table[outlook_columns(result, table)].round({"forecast": 0, "low": 0, "high": 0, "value": 2})
    st.dataframe(table, hide_index=True, width="stretch", key="fc_outlook", column_config={
        "series_id": st.column_config.TextColumn(level_label(result.settings.level, store)),
        "name": st.column_config.TextColumn("name"),
        "forecast": st.column_config.NumberColumn(f"forecast ({unit})" if unit == "units" else
                                                  f"forecast, {unit}{currency.label(code)}", format="localized"),
        "low": st.column_config.NumberColumn("low (80% range)", format="localized"),
        "high": st.column_config.NumberColumn("high (80% range)", format="localized"),
        "unit_price": st.column_config.NumberColumn(f"average price{currency.label(code)}", format="%.2f"),
        "value": st.column_config.NumberColumn(f"value{currency.label(code)}", format="localized")})
    if note := wide_range_note(result):
        st.caption(note)


def show_series(result, run_id: int, unit: str, store: str) -> str:
    """One series' chart; returns the model shown (the run's best unless the user picks another)."""
    st.subheader("One series")
    names = {code: series_label(name, code, result.settings.level, store)
             for code, name in zip(result.series_info["series_id"], result.series_info["name"], strict=True)}
    pick = st.columns([3, 1])
    series = pick[0].selectbox("Series, best sellers so far first (type to search a product or store)",
                               series_by_volume(result), key=f"fc_series_{run_id}", format_func=names.get)
    models = list(result.metrics["model"])
    model = pick[1].selectbox("Model", models, index=models.index(result.best), key=f"fc_model_{run_id}",
                              format_func=FORECASTERS.label)
    st.plotly_chart(series_figure(result.series_view(series, model), f"{names[series]}: {FORECASTERS.label(model)}",
                                  unit, result.settings.freq), key="fc_series_chart")
    return model


def show_accuracy(result, model: str, store: str) -> None:
    where = level_label(result.settings.level, store)
    st.subheader(f"Accuracy per {where}, worst first ({FORECASTERS.label(model)})")
    per_series = result.series_metrics[result.series_metrics["model"] == model].sort_values("wape", ascending=False)
    hidden = ["model", "n", *[c for c in EXPERT if c in per_series], *([] if names_differ(per_series) else ["name"])]
    shown = per_series.drop(columns=hidden)
    st.dataframe(shown, hide_index=True, width="stretch", key="fc_series_metrics",
                 column_config=glossary_columns(shown) | {"actual": st.column_config.NumberColumn(
                     "actual sales in the backtest", format="localized"),
                     "series_id": st.column_config.TextColumn(where)})
    if not result.importance.empty:
        explained = model if model in set(result.importance["model"]) else result.importance["model"].iat[0]
        readable = result.importance.assign(feature=[feature_label(f, result.settings.freq)
                                                     for f in result.importance["feature"]])
        st.plotly_chart(importance_figure(readable, explained), key="fc_importance")


def show_downloads(home: str, result, number: int, info, code: str | None) -> None:
    st.subheader("Take it away")
    export_model = st.radio("Which forecast", [result.best, "all"], horizontal=True, key="fc_export_model",
                            format_func=lambda m: "every model" if m == "all" else f"best model ({FORECASTERS.label(m)})")
    store = schema.store_word(info.mapping)
    downloads = st.columns(2)
    download(downloads[0], "Download Excel (summary, forecast, accuracy, settings)",
             lambda: to_excel_bytes(result, export_model, code, store), f"forecast_run_{number}.xlsx", "fc_download_xlsx")
    download(downloads[1], "Download CSV", lambda: to_csv_bytes(result, export_model, store),
             f"forecast_run_{number}.csv", "fc_download_csv")
    selection = overview.Selection(*overview.default_period(info.date_min, info.date_max))
    measure = overview.measures(info.has, info.kind)[0]
    report_button((home, info.name, info.version), info, selection, "W", measure, code, result, button_key="fc_report")


def open_run(run_id: int) -> None:
    st.session_state[RUN_KEY] = run_id
    st.rerun()


def show_run(home: str, run, info, frame) -> None:
    result = load_run(home, run.id)
    code = workspace().currency_of(info)
    unit = f"{TARGETS[result.settings.target].unit} per {frequency.get(result.settings.freq).period}"
    show_headline(result, run.number)
    show_leaderboard(result)
    show_outlook(result, TARGETS[result.settings.target].unit, code, schema.store_word(info.mapping))
    show_adjustments(result, run.id, frame, open_run)
    model = show_series(result, run.id, unit, schema.store_word(info.mapping))
    show_accuracy(result, model, schema.store_word(info.mapping))
    show_downloads(home, result, run.number, info, code)


st.title("Demand forecast")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
home = workspace_location()
if RUN_KEY not in st.session_state:
    st.session_state[RUN_KEY] = state.from_url("run", int)
if st.session_state.setdefault(SHOWN_KEY, st.session_state[RUN_KEY]) != st.session_state[RUN_KEY]:
    st.session_state[VIEW_KEY] = TABS[0]  # a run was opened or adjusted: show it (a link's tab holds on arrival)
    st.session_state[SHOWN_KEY] = st.session_state[RUN_KEY]
new_tab, levels_tab_, value_tab, runs_tab, tracked_tab = st.tabs(TABS, key=VIEW_KEY, bind="query-params")

with new_tab:
    levels = available_levels(info.has)
    suggested = suggestion(home, info.name, info.version, info.kind)
    store = schema.store_word(info.mapping)
    target_default, target_reason = default_target(info.has)
    # Each dataset starts from what fits its own length (a 9-day file cannot carry 8 weeks ahead).
    start_values(info.version, {"fc_level": aggregate.default_level(info.kind, levels), "fc_freq": suggested.freq,
                                "fc_target": target_default, "fc_horizon": suggested.horizon,
                                "fc_windows": suggested.windows})
    st.caption(suggested.reason)
    help_link("forecast")
    candidates = exogenous_candidates(frame)
    if candidates:
        with st.expander("Promotions ahead: columns known in advance", expanded=bool(st.session_state.get("fc_known"))):
            known = st.multiselect("Columns known in advance (e.g. a promotion flag)", candidates, key="fc_known",
                                   help="Their planned values in the periods ahead come from the calendar below; "
                                        "other extra columns are used only through their past values.")
            calendar = calendar_editor(known, info.has(schema.STORE_ID))
    else:
        known, calendar = [], None
    with st.form("forecast_settings"):
        row = st.columns(4)
        level = row[0].selectbox("Forecast per", levels, format_func=lambda name: level_label(name, store),
                                 key="fc_level")
        freq = row[1].selectbox("Frequency", list(frequency.CODES), key="fc_freq",
                                format_func=lambda code: frequency.get(code).label)
        target = row[2].selectbox("Target", list(TARGETS), key="fc_target",
                                  format_func=lambda name: TARGETS[name].label, help=f"Default: {target_reason}.")
        horizon = row[3].slider("Horizon (periods)", 1, 90, key="fc_horizon",
                                help="How many periods ahead to forecast (it starts from what the data's length allows).")
        row = st.columns(3)
        models = registry_multiselect(row[0], "Models", FORECASTERS, "fc_models",
                                      default=list(FORECASTERS.tagged(DEFAULT)))
        windows = row[1].slider("Backtest windows", 1, 6, key="fc_windows",
                                help="Rolling origins: each window forecasts `horizon` periods from an earlier cutoff")
        top_n = row[2].number_input("Largest N series (0 = all)", 0, 100_000, 50, key="fc_top")
        with st.expander("Model settings"):
            model_params = {spec.name: param_widgets(spec, f"fc_{spec.name}") for spec in FORECASTERS if spec.params}
        submitted = st.form_submit_button("Run forecast", type="primary")
    if submitted:
        try:
            settings = ForecastSettings(level=level, freq=freq, target=target, horizon=int(horizon),
                                        models=tuple(models), windows=windows, top_n=int(top_n) or None,
                                        model_params={m: model_params[m] for m in models if m in model_params},
                                        future_known=tuple(known))
            st.session_state[RUN_KEY] = run_and_save(home, info.name, info.version, settings, calendar).id
        except ValueError as exc:
            st.error(str(exc))

runs = workspace().list_runs(RUN_KIND, info.name)  # after a new run was saved above
with new_tab:
    run = next((r for r in runs if r.id == st.session_state.get(RUN_KEY)), None)
    if run is not None:
        state.publish("run", run.id)
        st.session_state[SHOWN_KEY] = run.id
        show_run(home, run, info, frame)
    else:
        st.info("Choose the settings and run a forecast, or open a saved run.")

with runs_tab:
    table = pd.DataFrame([{"run": r.number, "saved": r.created_at, "level": level_label(r.settings["level"], store),
                           "frequency": frequency.get(r.settings["freq"]).label, "horizon": r.settings.get("horizon"),
                           "series": r.summary.get("series"), "best model": FORECASTERS.label(r.summary.get("best", "")),
                           "error (WAPE)": percent(r.summary.get("wape")), "version": version_label(r)}
                          for r in runs])
    saved_runs(runs, table, RUN_KEY, "", "No saved forecast for this dataset yet.")

with levels_tab_:
    if levels_tab_.open:  # the other levels' work runs only when its tab is open
        levels_tab(home, info)

with value_tab:
    if value_tab.open:
        value_added_tab(home, info, runs)

with tracked_tab:
    if tracked_tab.open:  # the checks run only when their tab is chosen
        tracking_section(info)
