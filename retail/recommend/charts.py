"""Plotly figures of the recommendation evaluation."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail.recommend.registry import BASELINE, MEASURE_LABELS, METRIC_LABELS, RECOMMENDERS


def sweep_figure(sweep: pd.DataFrame, metric: str = "ndcg", x: str = "k", group: str = "similarity") -> go.Figure:
    """A metric against the number of neighbours, one line per similarity measure.

    Parameters
    ----------
    sweep
        The frame of :func:`retail.recommend.evaluation.sweep`.
    metric
        Column to plot (``ndcg``, ``precision``, ...).
    x, group
        The swept setting on the x axis and the setting drawn as separate lines.
    """
    if metric not in sweep.columns or x not in sweep.columns:
        raise ValueError(f"The sweep has no column {metric!r} or {x!r}; its columns are {list(sweep.columns)}.")
    fig = go.Figure()
    groups = sweep.groupby(group, sort=False) if group in sweep.columns else [("all", sweep)]
    for name, part in groups:
        part = part.sort_values(x)
        fig.add_trace(go.Scatter(x=part[x], y=part[metric], mode="lines+markers",
                                 name=MEASURE_LABELS.get(str(name), str(name))))
    label = METRIC_LABELS.get(metric, metric)
    fig.update_layout(
        title=f"{label} against {'neighbours k' if x == 'k' else x}",
        xaxis_title="neighbours k" if x == "k" else x, yaxis_title=label, legend_title=group,
        template="plotly_white", yaxis_tickformat=".0%",
    )
    return fig


def metrics_figure(table: pd.DataFrame, metric: str = "ndcg") -> go.Figure:
    """Bar chart of one metric per algorithm (the table of ``evaluate``), popularity highlighted."""
    baseline = RECOMMENDERS.first_tagged(BASELINE)
    colours = ["#999999" if a == baseline else "#1f77b4" for a in table["algorithm"]]
    label = METRIC_LABELS.get(metric, metric)
    fig = go.Figure(go.Bar(x=[RECOMMENDERS.label(a) for a in table["algorithm"]], y=table[metric],
                           marker_color=colours))
    fig.update_layout(title=f"{label} per algorithm (grey: the {RECOMMENDERS.label(baseline)} baseline)",
                      xaxis_title="algorithm",
                      yaxis_title=label, template="plotly_white", yaxis_tickformat=".0%")
    return fig
