"""Plotly figures of the Customers page: segments, their movement, lift, calibration, purchases."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail.analytics.charts import titled_layout
from retail.customers.registry import BASELINE, PROPENSITY_MODELS, VALUE_MODELS
from retail.data import currency

BASELINE_COLOUR = "#999999"


def segment_figure(segments: pd.DataFrame, currency_code: str | None = None) -> go.Figure:
    """A treemap: one tile per segment, sized by customers; hover shows revenue and its share."""
    shown = segments[segments["customers"] > 0]
    revenue = [currency.money(v, currency_code, 0) for v in shown["revenue"]]
    share = [f"{v:.0%}" if pd.notna(v) else "n/a" for v in shown["revenue_share"]]
    fig = go.Figure(go.Treemap(
        labels=shown["label"], parents=[""] * len(shown), values=shown["customers"],
        customdata=list(zip(revenue, share, strict=True)), textinfo="label+value",
        hovertemplate="%{label}: %{value:,} customers<br>revenue %{customdata[0]} (%{customdata[1]})<extra></extra>"))
    return titled_layout(fig, "Customers per segment (tile size) with their revenue", height=420)


def movement_figure(movement: pd.DataFrame, previous: str, current: str) -> go.Figure:
    """Customers by segment at the previous date (rows) and now (columns)."""
    fig = go.Figure(go.Heatmap(z=movement.to_numpy(), x=list(movement.columns), y=list(movement.index),
                               colorscale="Blues", texttemplate="%{z:,}", colorbar={"title": {"text": "Customers"}},
                               hovertemplate="%{y} → %{x}: %{z:,} customers<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return titled_layout(fig, f"Where customers moved: segment on {previous} (rows) and on {current} (columns)",
                   "now", "before", height=460)


def lift_figure(lift: pd.DataFrame) -> go.Figure:
    """Buy rate lift per tenth of the customers (best scores first), one line per model."""
    fig = go.Figure()
    for model, part in lift.groupby("model", sort=False):
        dash = "dot" if model in PROPENSITY_MODELS.tagged(BASELINE) else None
        fig.add_trace(go.Scatter(x=part["decile"], y=part["lift"], mode="lines+markers", line={"dash": dash},
                                 name=PROPENSITY_MODELS.label(model)))
    fig.add_hline(y=1.0, line_color=BASELINE_COLOUR, annotation_text="no better than chance")
    fig.update_xaxes(dtick=1)
    return titled_layout(fig, "Lift: buy rate of each tenth of the customers against the average",
                   "tenth of the customers (1 = highest scores)", "lift")


def calibration_figure(reliability: pd.DataFrame) -> go.Figure:
    """Predicted against actual buy rate per tenth of the scores; the diagonal is perfect calibration."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"color": BASELINE_COLOUR, "dash": "dash"},
                             name="perfectly calibrated"))
    for model, part in reliability.groupby("model", sort=False):
        fig.add_trace(go.Scatter(x=part["predicted"], y=part["actual"], mode="lines+markers",
                                 name=PROPENSITY_MODELS.label(model),
                                 hovertemplate="predicted %{x:.0%}, bought %{y:.0%}<extra></extra>"))
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return titled_layout(fig, "Calibration: predicted probability against the share who bought",
                   "predicted probability", "share who bought")


def purchases_figure(value_evaluation: pd.DataFrame) -> go.Figure:
    """Predicted purchases per model beside what actually happened."""
    labels = [VALUE_MODELS.label(m) for m in value_evaluation["model"]]
    colours = [BASELINE_COLOUR if m in VALUE_MODELS.tagged(BASELINE) else "#1f77b4" for m in value_evaluation["model"]]
    fig = go.Figure(go.Bar(x=labels, y=value_evaluation["purchases_predicted"], marker_color=colours,
                           name="predicted", hovertemplate="%{x}: %{y:,.0f} predicted<extra></extra>"))
    actual = float(value_evaluation["purchases_actual"].iloc[0]) if len(value_evaluation) else 0.0
    fig.add_hline(y=actual, line_color="#d62728", annotation_text=f"actual: {actual:,.0f}")
    return titled_layout(fig, "Purchases predicted for the held-out days against the actual number", "", "purchase days")
