"""Forecast: backtested models against baselines, intervals, per-series accuracy, exports, saved runs."""

import pandas as pd
import streamlit as st

from retail.analytics.aggregate import exogenous_candidates
from retail.data import schema
from retail.data.workspace import workspace_home
from retail.forecast.charts import importance_figure, leaderboard_figure, series_figure
from retail.forecast.settings import MODEL_NAMES, OBJECTIVES, ForecastSettings
from ui.data import current_frame, workspace
from ui.forecast import RUN_KIND, export_bytes, load_run, run_and_save

RUN_KEY = "forecast_run_id"
LEVELS = {"total": "all sales", "store": "store / country", "product": "product",
          "product_store": "product x store", "category": "category"}
LEVEL_NEEDS = {"total": (), "store": (schema.STORE_ID,), "product": (schema.PRODUCT_ID,),
               "product_store": (schema.PRODUCT_ID, schema.STORE_ID), "category": (schema.CATEGORY,)}
FREQS = {"D": "daily", "W": "weekly", "M": "monthly"}
PERIODS = {"D": "day", "W": "week", "M": "month"}
MODEL_LABELS = {"snaive": "seasonal naive", "ma": "moving average", "ets": "exponential smoothing",
                "linear": "linear regression", "lightgbm": "LightGBM"}

def show_run(home: str, run_id: int) -> None:
    result = load_run(home, run_id)
    settings = result.settings
    board = result.metrics
    best = board.iloc[0]
    gain = best.get("wape_vs_snaive")
    versus = "" if pd.isna(gain) or result.best == "snaive" else (
        f", {abs(gain):.0%} {'lower' if gain < 0 else 'higher'} than seasonal naive")
    st.success(f"Run {run_id}: {result.history['series_id'].nunique():,} series, {FREQS[settings.freq]}, "
               f"horizon {settings.horizon}. Best model: {MODEL_LABELS.get(result.best, result.best)} "
               f"(WAPE {best['wape']:.3f}{versus}).")
    for warning in result.warnings:
        st.caption(warning)

    st.subheader("Leaderboard (backtest, pooled over series and windows)")
    st.dataframe(board, hide_index=True, width="stretch", key="fc_leaderboard",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in board.columns
                                if board[c].dtype.kind == "f"})
    st.plotly_chart(leaderboard_figure(board), key="fc_leaderboard_chart")

    st.subheader("One series")
    names = dict(zip(result.series_info["series_id"], result.series_info["name"], strict=True))
    pick = st.columns([3, 1])
    series = pick[0].selectbox("Series (type to search a product or store)", list(names), key="fc_series",
                               format_func=lambda s: names[s] if names[s] == s else f"{names[s]} ({s})")
    model = pick[1].selectbox("Model", list(board["model"]), key="fc_model", format_func=MODEL_LABELS.get)
    unit = f"{settings.target} per {PERIODS[settings.freq]}"
    st.plotly_chart(series_figure(result.series_view(series, model), f"{names[series]}: {MODEL_LABELS[model]}",
                                  unit, settings.freq), key="fc_series_chart")

    st.subheader("Accuracy per series (worst first)")
    per_series = result.series_metrics[result.series_metrics["model"] == model].sort_values("wape", ascending=False)
    st.dataframe(per_series, hide_index=True, width="stretch", key="fc_series_metrics",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("wape", "mase", "rmse", "bias")})

    if not result.importance.empty:
        st.plotly_chart(importance_figure(result.importance), key="fc_importance")

    st.subheader("Take it away")
    export_model = st.radio("Which forecast", [result.best, "all"], horizontal=True, key="fc_export_model",
                            format_func=lambda m: "every model" if m == "all" else f"best model ({m})")
    downloads = st.columns(2)
    downloads[0].download_button("Download Excel (forecast, metrics, settings)",
                                 export_bytes(home, run_id, export_model, "xlsx"),
                                 file_name=f"forecast_run_{run_id}.xlsx", key="fc_download_xlsx",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    downloads[1].download_button("Download CSV", export_bytes(home, run_id, export_model, "csv"),
                                 file_name=f"forecast_run_{run_id}.csv", mime="text/csv", key="fc_download_csv")


st.title("Demand forecast")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
home = str(workspace_home())
new_tab, runs_tab = st.tabs(["Forecast", "Saved runs"])

with new_tab:
    levels = [level for level, needs in LEVEL_NEEDS.items() if all(info.has(field) for field in needs)]
    with st.form("forecast_settings"):
        row = st.columns(4)
        level = row[0].selectbox("Forecast per", levels, format_func=LEVELS.get, key="fc_level",
                                 index=levels.index("product") if "product" in levels else 0)
        freq = row[1].selectbox("Frequency", list(FREQS), index=1, format_func=FREQS.get, key="fc_freq")
        # Store-level sales files carry only money; basket lists only rows (1 unit each).
        revenue_only = not info.has(schema.QUANTITY) and (info.has(schema.REVENUE) or info.has(schema.UNIT_PRICE))
        target = row[2].selectbox("Target", ["units", "revenue"], key="fc_target", index=1 if revenue_only else 0)
        horizon = row[3].number_input("Horizon (periods)", 1, 90, 8, key="fc_horizon")
        row = st.columns(4)
        models = row[0].multiselect("Models", list(MODEL_NAMES), default=list(MODEL_NAMES), key="fc_models",
                                    format_func=MODEL_LABELS.get)
        windows = row[1].slider("Backtest windows", 1, 6, 3, key="fc_windows",
                                help="Rolling origins: each window forecasts `horizon` periods from an earlier cutoff")
        top_n = row[2].number_input("Largest N series (0 = all)", 0, 100_000, 50, key="fc_top")
        objective = row[3].selectbox("LightGBM objective", list(OBJECTIVES), key="fc_objective")
        known = st.multiselect("Columns known in advance (e.g. a promo calendar)", exogenous_candidates(frame),
                               key="fc_known", help="Other extra columns are used only through their past values.")
        submitted = st.form_submit_button("Run forecast", type="primary")
    if submitted:
        try:
            settings = ForecastSettings(level=level, freq=freq, target=target, horizon=int(horizon),
                                        models=tuple(models), windows=windows, top_n=int(top_n) or None,
                                        objective=objective, future_known=tuple(known))
            st.session_state[RUN_KEY] = run_and_save(home, info.name, info.version, settings).id
        except ValueError as exc:
            st.error(str(exc))

runs = workspace().list_runs(RUN_KIND, info.name)  # after a new run was saved above
with new_tab:
    run_id = st.session_state.get(RUN_KEY)
    if run_id in {r.id for r in runs}:
        show_run(home, run_id)
    else:
        st.info("Choose the settings and run a forecast, or open a saved run.")

with runs_tab:
    if not runs:
        st.info("No saved forecast for this dataset yet.")
    else:
        table = pd.DataFrame([{"run": r.id, "saved": r.created_at, "level": r.settings.get("level"),
                               "frequency": r.settings.get("freq"), "horizon": r.settings.get("horizon"),
                               "series": r.summary.get("series"), "best model": r.summary.get("best"),
                               "WAPE": r.summary.get("wape")} for r in runs])
        st.dataframe(table, hide_index=True, width="stretch", key="runs_table")
        chosen = st.selectbox("Run", [r.id for r in runs], key="runs_choice",
                              format_func=lambda i: f"run {i}")
        open_col, delete_col = st.columns(2)
        if open_col.button("Open this run", key="runs_open"):
            st.session_state[RUN_KEY] = chosen
            st.rerun()
        if delete_col.button("Delete this run", key="runs_delete"):
            workspace().delete_run(chosen)
            st.session_state.pop(RUN_KEY, None)
            st.rerun()
