"""Plotly figures for the overview. Every figure has a title, axis titles and units."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail import frequency

TEMPLATE = "plotly_white"
ACCENT = "#2563eb"
SECOND = "#f59e0b"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"}, template=TEMPLATE, height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10}, xaxis_title=x_title, yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        hovermode="x unified",
    )
    return fig


def trend_figure(trend: pd.DataFrame, freq: str, measure: str = "revenue", currency: str = "") -> go.Figure:
    """Line chart of revenue or units per day / week / month."""
    unit = f"revenue ({currency})" if measure == "revenue" and currency else measure
    label = "Revenue" if measure == "revenue" else "Units sold"
    fig = go.Figure(go.Scatter(x=trend["period"], y=trend[measure], mode="lines+markers", name=label,
                               line={"color": ACCENT, "width": 2}, marker={"size": 4}))
    period = frequency.get(freq)
    return _layout(fig, f"{label} per {period.period}", period.axis_title, unit.capitalize())


def bar_figure(table: pd.DataFrame, label_column: str, value_column: str, title: str,
               value_title: str, label_title: str, color: str = ACCENT) -> go.Figure:
    """Horizontal bars, largest on top (top products, customers, stores)."""
    ordered = table.iloc[::-1]
    labels = ordered[label_column].astype(str).str.slice(0, 40)
    fig = go.Figure(go.Bar(x=ordered[value_column], y=labels, orientation="h", marker_color=color,
                           hovertemplate="%{y}: %{x:,.2f}<extra></extra>"))
    fig = _layout(fig, title, value_title, label_title, height=max(300, 28 * len(table) + 90))
    # Ids such as customer 14646 are labels, not numbers.
    fig.update_layout(hovermode="closest", yaxis={"type": "category"})
    return fig
