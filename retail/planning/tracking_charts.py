"""Plotly figures of forecasts checked against what happened: one series' successive forecasts over its
actual sales, and the error measured week by week next to the error the backtests promised."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID, Y
from retail.analytics.charts import titled_layout
from retail.forecast.metrics import YHAT
from retail.planning.tracking import BEST, RUN

ACTUAL, LATEST, PROMISE = "#334155", "#2563eb", "#f59e0b"
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0}


def runs_figure(actuals: pd.DataFrame, forecasts: pd.DataFrame, series_id: str, title: str, unit: str,
                freq: str) -> go.Figure:
    """The actual sales of ``series_id`` and every saved run's forecast for it (its recommended model),
    older runs paler, the latest with its 80% range: how the forecast moved as weeks came in."""
    history = actuals[actuals[SERIES_ID] == series_id].sort_values(DATE)
    runs = forecasts[(forecasts[SERIES_ID] == series_id) & forecasts[BEST]].sort_values([RUN, DATE])
    fig = go.Figure()
    ids = list(dict.fromkeys(runs[RUN]))
    if ids:
        latest = runs[runs[RUN] == ids[-1]]
        fig.add_trace(go.Scatter(x=latest[DATE], y=latest["hi_80"], mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=latest[DATE], y=latest["lo_80"], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(37, 99, 235, 0.15)", name=f"80% range (run {ids[-1]})",
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=history[DATE], y=history[Y], mode="lines+markers", name="sold",
                             line={"color": ACTUAL, "width": 2}, marker={"size": 4}))
    for k, run_id in enumerate(ids):
        part = runs[runs[RUN] == run_id]
        newest = k == len(ids) - 1
        shade = 0.25 + 0.75 * (k + 1) / len(ids)
        fig.add_trace(go.Scatter(x=part[DATE], y=part[YHAT], mode="lines", opacity=1.0 if newest else shade,
                                 name=f"forecast of run {run_id} (from {pd.Timestamp(part[DATE].min()):%d %b %Y})",
                                 line={"color": LATEST if newest else "#64748b", "width": 2.5 if newest else 1.2,
                                       "dash": "solid" if newest else "dot"}))
    return titled_layout(fig, title, frequency.get(freq).axis_title, unit, height=420, legend=LEGEND,
                         hovermode="x unified")


def tracked_error_figure(by_week: pd.DataFrame, freq: str) -> go.Figure:
    """Per period: the error of the latest forecast made before it, against what its backtest promised."""
    fig = go.Figure()
    days = {"D": 1, "W": 7}.get(freq, 30)
    fig.add_trace(go.Bar(x=by_week[DATE], y=by_week["wape"], name="error measured (WAPE)", marker_color=LATEST,
                         width=0.8 * days * 86_400_000))  # a date axis measures bars in milliseconds
    fig.add_trace(go.Scatter(x=by_week[DATE], y=by_week["promised_wape"], mode="lines+markers",
                             name="error promised by the backtest", line={"color": PROMISE, "width": 2}))
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(tickformat="%d %b %Y", dtick=days * 86_400_000 if len(by_week) < 8 else None)
    period = frequency.get(freq).period
    return titled_layout(fig, f"Forecast error per {period}: measured against promised (latest forecast before "
                         f"each {period})", frequency.get(freq).axis_title, "error (share of actual sales)",
                         height=360, legend=LEGEND)
