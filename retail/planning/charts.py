"""Plotly figures of planning: one series of forecasts that add up, and the value each adjustment reason added."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID, Y
from retail.analytics.charts import titled_layout
from retail.planning.levels_result import ReconciledResult
from retail.planning.registry import RECONCILERS

ACTUAL, BASE_COLOUR, RECONCILED = "#334155", "#94a3b8", "#2563eb"


def level_series_figure(result: ReconciledResult, level: str, series_id: str, unit: str) -> go.Figure:
    """One series of a level: its sales, its own forecast and the reconciled one with the 80% range."""
    future = result.forecasts[(result.forecasts["level"] == level) & (result.forecasts[SERIES_ID] == series_id)]
    history = result.history[(result.history["level"] == level) & (result.history[SERIES_ID] == series_id)] \
        if not result.history.empty else pd.DataFrame(columns=[DATE, Y])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=future[DATE], y=future["hi_80"], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=future[DATE], y=future["lo_80"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(37, 99, 235, 0.2)", name="80% range"))
    fig.add_trace(go.Scatter(x=history[DATE], y=history[Y], mode="lines", name="actual",
                             line={"color": ACTUAL, "width": 1.5}))
    fig.add_trace(go.Scatter(x=future[DATE], y=future["base"], mode="lines", name="forecast on its own",
                             line={"color": BASE_COLOUR, "width": 2, "dash": "dot"}))
    fig.add_trace(go.Scatter(x=future[DATE], y=future["forecast"], mode="lines+markers",
                             name=f"adding up ({RECONCILERS.label(result.method)})",
                             line={"color": RECONCILED, "width": 2.5}, marker={"size": 4}))
    name = future["name"].iat[0] if len(future) else series_id
    return titled_layout(fig, f"{name}: sales and the forecast that adds up", frequency.get(result.settings.freq)
                         .axis_title, unit, height=400, hovermode="x unified",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"})


def value_added_figure(table: pd.DataFrame, group: str, title: str) -> go.Figure:
    """Points of error each group's changes took away (positive: better), one bar per planner or reason."""
    rows = table[table["group"] == group].sort_values("adjustment_value_added")
    colours = ["#16a34a" if v >= 0 else "#dc2626" for v in rows["adjustment_value_added"]]
    fig = go.Figure(go.Bar(x=rows["adjustment_value_added"], y=rows["value"], orientation="h", marker_color=colours,
                           text=[f"{v:+.1f}" for v in rows["adjustment_value_added"]], textposition="outside"))
    return titled_layout(fig, title, "points of error taken away (positive: better)", group,
                         height=max(220, 50 * len(rows) + 110))
