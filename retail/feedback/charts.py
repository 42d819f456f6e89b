"""Plotly figures of the Customer voice page; every figure has a title, axis titles and units."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail.analytics.charts import ACCENT, titled_layout
from retail.data.safety import plot_text


def topic_volume_figure(volume: pd.DataFrame) -> go.Figure:
    """Messages per period, one line per topic."""
    period = str(volume["period_kind"].iloc[0]) if len(volume) and "period_kind" in volume else "period"
    fig = go.Figure()
    for name, part in volume.sort_values("period").groupby("topic_name", sort=False):
        fig.add_trace(go.Scatter(x=part["period"], y=part["messages"], mode="lines+markers", name=plot_text(name)))
    return titled_layout(fig, f"Messages per topic and {period}", f"{period} starting", "messages (count)",
                         legend={"orientation": "h", "yanchor": "top", "y": -0.2}, hovermode="x unified")


def topic_size_figure(topics: pd.DataFrame) -> go.Figure:
    """Messages per topic, with the share of unhappy messages in the hover."""
    ordered = topics.sort_values("messages")
    fig = go.Figure(go.Bar(x=ordered["messages"], y=[plot_text(n) for n in ordered["topic_name"]], orientation="h",
                           marker_color=ACCENT, customdata=ordered["unhappy_share"],
                           hovertemplate="%{y}: %{x:,} messages, %{customdata:.0%} unhappy<extra></extra>"))
    return titled_layout(fig, "What customers talk about", "messages (count)", "topic",
                         height=max(260, 40 * len(ordered) + 120))


def stability_figure(stability: pd.DataFrame, chosen: int) -> go.Figure:
    """Stability of the topics for each number of topics tried (the chosen number marked)."""
    fig = go.Figure(go.Scatter(x=stability["topics"], y=stability["stability"], mode="lines+markers",
                               marker_color=ACCENT, name="stability"))
    fig.add_vline(x=chosen, line_dash="dot", annotation_text=f"chosen: {chosen}")
    return titled_layout(fig, "How stable the topics are, by number of topics", "number of topics",
                         "top words kept between random starts (share, 0-1)", height=300)
