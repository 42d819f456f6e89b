"""Plotly figures of the Experiments page: the offers' effects with their intervals (overall and per
segment), the Qini curves of the targeting models, the replay's regret curves and the next wave's
allocation."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail.analytics.charts import titled_layout
from retail.data.safety import plot_text
from retail.experiments.registry import BASELINE, POLICIES, UPLIFT_MODELS

BASELINE_COLOUR = "#999999"


def effect_figure(rows: pd.DataFrame, outcome: str, by_segment: bool = False) -> go.Figure:
    """Each offer's difference against control in points, with its interval (per segment: one row each)."""
    shown = rows[rows["difference"].notna()]
    fig = go.Figure()
    for arm, part in shown.groupby("arm", sort=False):
        # offers and segments come from the uploaded file: shown as written, never read as Plotly's HTML
        y = (part["segment"] if by_segment else part["arm"]).map(plot_text)
        fig.add_trace(go.Scatter(
            x=part["difference"] * 100, y=y, mode="markers", name=plot_text(arm), marker={"size": 10},
            error_x={"type": "data", "symmetric": False, "array": (part["difference_high"] - part["difference"]) * 100,
                     "arrayminus": (part["difference"] - part["difference_low"]) * 100},
            hovertemplate="%{y}: %{x:+.1f} points<extra>" + plot_text(arm) + "</extra>"))
    fig.add_vline(x=0, line_color=BASELINE_COLOUR, annotation_text="no effect")
    title = f"Effect on {outcome} against the control group, with 95% intervals" + (" per segment" if by_segment
                                                                                      else "")
    return titled_layout(fig, title, "difference in percentage points", "",
                   height=max(260, 34 * shown["segment"].nunique() + 120) if by_segment else 260)


def qini_figure(curves: pd.DataFrame, customers: int, outcome: str) -> go.Figure:
    """Extra responses (scaled to every customer of the campaign) against the share of customers
    contacted, best first by each model; random order is the straight line."""
    fig = go.Figure()
    for model, part in curves.groupby("model", sort=False):
        dash = "dot" if model in UPLIFT_MODELS.tagged(BASELINE) else None
        fig.add_trace(go.Scatter(x=part["share"] * 100, y=part["extra"] * customers, mode="lines",
                                 line={"dash": dash}, name=UPLIFT_MODELS.label(model),
                                 hovertemplate="top %{x:.0f}%: %{y:,.0f} extra<extra></extra>"))
    end = curves[curves["share"] == curves["share"].max()]["extra"].mean() * customers
    fig.add_trace(go.Scatter(x=[0, 100], y=[0, end], mode="lines", name="no targeting (straight line)",
                             line={"color": BASELINE_COLOUR, "dash": "dash"}))
    return titled_layout(fig, f"Qini curves: extra responses ({outcome}) from contacting the top customers (held-out "
                        "customers, scaled to the whole campaign)", "customers contacted, best first (%)",
                   "extra responses")


def regret_figure(curves: pd.DataFrame) -> go.Figure:
    """Mean regret against always sending the best single offer, after each kept round of the replay."""
    fig = go.Figure()
    for policy, part in curves.groupby("policy", sort=False):
        dash = "dot" if policy in POLICIES.tagged(BASELINE) else None
        fig.add_trace(go.Scatter(x=part["round"], y=part["regret"], mode="lines", line={"dash": dash},
                                 name=POLICIES.label(policy)))
    fig.add_hline(y=0, line_color=BASELINE_COLOUR, annotation_text="as good as the best single offer")
    return titled_layout(fig, "Regret: responses lost against always sending the best single offer (replay, mean over "
                        "stream orders)", "customers allocated (kept rounds)", "responses lost")


def allocation_figure(table: pd.DataFrame) -> go.Figure:
    """The next wave's share of each offer per segment (stacked bars)."""
    fig = go.Figure()
    for arm, part in table.groupby("arm", sort=False):
        fig.add_trace(go.Bar(x=part["next_wave_share"] * 100, y=part["segment"], orientation="h", name=str(arm),
                             hovertemplate="%{y}: %{x:.0f}%<extra>" + str(arm) + "</extra>"))
    fig.update_layout(barmode="stack")
    return titled_layout(fig, "Next wave: share of each offer per segment", "share of the segment's customers (%)", "",
                   height=max(260, 34 * table["segment"].nunique() + 120))
