"""Plotly figures of a forecast run: one series with bands, the leaderboard, feature importance."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail import frequency
from retail.analytics.aggregate import DATE, Y
from retail.data.safety import plot_text
from retail.forecast.metrics import YHAT
from retail.forecast.registry import BASELINE, COMBINATION, FORECASTERS
from retail.formatting import percent

ACTUAL, BACKTEST, FUTURE = "#334155", "#f59e0b", "#2563eb"


def _band(fig: go.Figure, frame: pd.DataFrame, low: str, high: str, name: str, opacity: float) -> None:
    if frame.empty or low not in frame.columns:
        return
    fig.add_trace(go.Scatter(x=frame[DATE], y=frame[high], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=frame[DATE], y=frame[low], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=f"rgba(37, 99, 235, {opacity})", name=name, hoverinfo="skip"))


def series_figure(view: dict[str, pd.DataFrame], title: str, unit: str, freq: str) -> go.Figure:
    """History, backtest forecasts (what the model would have said) and the future forecast
    with its 80% and 95% prediction intervals."""
    history, backtest, forecast = view["history"], view["backtest"], view["forecast"]
    fig = go.Figure()
    _band(fig, forecast, "lo_95", "hi_95", "95% interval", 0.12)
    _band(fig, forecast, "lo_80", "hi_80", "80% interval", 0.25)
    fig.add_trace(go.Scatter(x=history[DATE], y=history[Y], mode="lines", name="actual",
                             line={"color": ACTUAL, "width": 1.5}))
    for window, part in backtest.groupby("window", sort=True) if not backtest.empty else []:
        fig.add_trace(go.Scatter(x=part[DATE], y=part[YHAT], mode="lines", name="backtest forecast",
                                 legendgroup="backtest", showlegend=bool(window == backtest["window"].min()),
                                 line={"color": BACKTEST, "width": 2, "dash": "dot"}))
    adjusted = "statistical" in forecast.columns and (forecast["statistical"] != forecast[YHAT]).any()
    if adjusted:  # planners changed it: their forecast counts, the model's stays visible
        fig.add_trace(go.Scatter(x=forecast[DATE], y=forecast["statistical"], mode="lines", name="statistical forecast",
                                 line={"color": FUTURE, "width": 1.5, "dash": "dash"}))
    fig.add_trace(go.Scatter(x=forecast[DATE], y=forecast[YHAT], mode="lines+markers",
                             name="adjusted forecast" if adjusted else "forecast",
                             line={"color": FUTURE, "width": 2.5}, marker={"size": 4}))
    fig.update_layout(title={"text": plot_text(title), "x": 0}, template="plotly_white", height=420,
                      xaxis_title=frequency.get(freq).axis_title, yaxis_title=unit, hovermode="x unified",
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                      margin={"l": 10, "r": 10, "t": 70, "b": 10})
    return fig


def leaderboard_figure(metrics: pd.DataFrame, metric: str = "wape") -> go.Figure:
    """One bar per model (backtest error pooled over series and windows, in percent); the baseline in grey."""
    ordered = metrics.sort_values(metric)
    baseline = FORECASTERS.first_tagged(BASELINE)
    colours = ["#94a3b8" if m == baseline else FUTURE for m in ordered["model"]]
    fig = go.Figure(go.Bar(x=[FORECASTERS.label(m) for m in ordered["model"]], y=ordered[metric], marker_color=colours,
                           text=[percent(v) for v in ordered[metric]], textposition="outside",
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(title={"text": f"Backtest error per model (lower is better; grey: {FORECASTERS.label(baseline)})",
                             "x": 0}, template="plotly_white", height=340, xaxis_title="model",
                      yaxis_title="error (WAPE, % of actual demand)", yaxis_tickformat=".0%",
                      margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def importance_figure(importance: pd.DataFrame, model: str, top: int = 15) -> go.Figure:
    """The ``top`` features of a model by importance (share of total gain or coefficient weight)."""
    rows = importance[importance["model"] == model].nlargest(top, "importance").iloc[::-1]
    fig = go.Figure(go.Bar(x=rows["importance"], y=rows["feature"], orientation="h", marker_color=FUTURE))
    label = FORECASTERS.label(model)
    if COMBINATION in FORECASTERS.get(model).tags:  # a blend's "features" are the models it weighs
        title, x_title, y_title = f"How the {label} weighs its models (chosen on the backtest)", "weight", "model"
    else:
        title, x_title, y_title = f"What drives the {label} forecast (top {len(rows)} features)", "importance (total gain)", "feature"
    fig.update_layout(title={"text": title, "x": 0}, template="plotly_white", height=max(300, 24 * len(rows) + 90),
                      xaxis_title=x_title, yaxis_title=y_title, margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig
