"""Plotly figures of a replenishment run: the trade-off curve and one item's replay.

Every figure has a title, axis titles and units; policies are named by their registry labels.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from retail.analytics.aggregate import DATE
from retail.data.safety import plot_text
from retail.inventory.registry import MEASURES, POLICIES, baseline, ours

COLOURS = {"ours": "#2563eb", "baseline": "#94a3b8", "demand": "#334155", "short": "#dc2626"}
SERVICE_COLUMNS = {"cycle": "achieved_csl", "fill": "fill_rate"}


def _colour(policy: str) -> str:
    return COLOURS["ours"] if policy == ours() else COLOURS["baseline"]


def tradeoff_figure(curve: pd.DataFrame, measure: str = "cycle", chosen: dict[str, tuple[float, float]] | None = None
                    ) -> go.Figure:
    """Service achieved against days of stock held, one line per policy, a point per target.

    ``chosen`` marks the run's own target: policy -> (days of cover, service achieved).
    """
    column = SERVICE_COLUMNS[measure]
    fig = go.Figure()
    for policy in (ours(), baseline()):
        points = curve[curve["policy"] == policy].sort_values("target")
        fig.add_trace(go.Scatter(
            x=points["days_of_cover"], y=points[column], mode="lines+markers+text", name=POLICIES.label(policy),
            text=[f"{t:.0%}" for t in points["target"]], textposition="top left", textfont={"size": 10},
            line={"color": _colour(policy), "width": 3 if policy == ours() else 2,
                  "dash": "solid" if policy == ours() else "dash"},
            customdata=points["target"],
            hovertemplate="target %{customdata:.0%}: achieved %{y:.1%} with %{x:.1f} days of stock<extra></extra>"))
    for policy, (cover, service) in (chosen or {}).items():
        fig.add_trace(go.Scatter(x=[cover], y=[service], mode="markers", name=f"{POLICIES.label(policy)}: this run",
                                 marker={"size": 14, "symbol": "star", "color": _colour(policy)}))
    fig.update_layout(
        title={"text": "Service achieved vs stock held, both policies (labels: the target asked for)", "x": 0},
        template="plotly_white", height=460, hovermode="closest",
        xaxis_title="stock held (average days of demand on hand)",
        yaxis_title=f"{MEASURES[measure].split(' (')[0]} achieved (%)",
        yaxis_tickformat=".0%", legend={"orientation": "h", "y": -0.18, "x": 0},
        margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def item_figure(view: dict[str, pd.DataFrame], title: str) -> go.Figure:
    """One item's replay: daily demand and both policies' stock (top); each review's forecast of the
    demand over review + lead days with its 80% range, what was then sold, and the order-up-to levels."""
    daily, reviews = view["daily"], view["reviews"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.55, 0.45],
                        subplot_titles=("Daily demand and stock on hand",
                                        "At each review: demand over review + lead days"))
    fig.add_trace(go.Bar(x=daily[DATE], y=daily["demand"], name="demand", marker_color=COLOURS["demand"],
                         opacity=0.45), row=1, col=1)
    for policy in (ours(), baseline()):
        stock = daily[f"on_hand_{policy}"]
        fig.add_trace(go.Scatter(x=daily[DATE], y=stock, mode="lines", name=f"stock: {POLICIES.label(policy)}",
                                 line={"color": _colour(policy), "shape": "hv",
                                       "dash": "solid" if policy == ours() else "dash"}), row=1, col=1)
        short = daily[(daily["demand"] > 0) & (stock <= 0)]
        fig.add_trace(go.Scatter(x=short[DATE], y=[0] * len(short), mode="markers", showlegend=False,
                                 name=f"ran out: {POLICIES.label(policy)}", hovertemplate="ran out<extra></extra>",
                                 marker={"symbol": "x", "size": 9, "color": _colour(policy)}), row=1, col=1)
    fig.add_trace(go.Scatter(x=reviews[DATE], y=reviews["high"], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"), row=2, col=1)
    fig.add_trace(go.Scatter(x=reviews[DATE], y=reviews["low"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(37, 99, 235, 0.18)", name="forecast: 80% range"), row=2, col=1)
    fig.add_trace(go.Scatter(x=reviews[DATE], y=reviews["forecast"], mode="lines+markers", name="forecast",
                             line={"color": COLOURS["ours"]}), row=2, col=1)
    fig.add_trace(go.Scatter(x=reviews[DATE], y=reviews["actual"], mode="markers", name="actually sold",
                             marker={"color": COLOURS["demand"], "size": 8}), row=2, col=1)
    for policy in (ours(), baseline()):
        fig.add_trace(go.Scatter(x=reviews[DATE], y=reviews[f"level_{policy}"], mode="lines",
                                 name=f"order-up-to: {POLICIES.label(policy)}",
                                 line={"color": _colour(policy), "shape": "hv", "dash": "dot"}), row=2, col=1)
    fig.update_yaxes(title_text="units per day / in stock", row=1, col=1)
    fig.update_yaxes(title_text="units over review + lead days", row=2, col=1)
    fig.update_xaxes(title_text="day (reviews on the marked days)", row=2, col=1)
    fig.update_layout(title={"text": plot_text(title), "x": 0}, template="plotly_white", height=700, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0},
                      margin={"l": 10, "r": 10, "t": 80, "b": 10})
    return fig
