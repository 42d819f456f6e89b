"""Plotly figures for the overview. Every figure has a title, axis titles and units."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from retail import frequency
from retail.data.safety import plot_text

TEMPLATE = "plotly_white"
ACCENT = "#2563eb"
SECOND = "#f59e0b"


def titled_layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", height: int = 380,
                  **layout: object) -> go.Figure:
    """Every chart's frame: a left-aligned title, axis titles with their units, the white template;
    ``layout`` adds or overrides Plotly layout settings. Titles may hold a product, a customer or an
    offer from a file: they are shown as written, never read as Plotly's HTML."""
    fig.update_layout(title={"text": plot_text(title), "x": 0.0, "xanchor": "left"}, template=TEMPLATE,
                      height=height, xaxis_title=plot_text(_capital(x_title)), yaxis_title=plot_text(_capital(y_title)),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    fig.update_layout(**layout)
    return fig


def _capital(text: str) -> str:
    """An axis title as a heading: "Product", "Units per week" (the caller's words otherwise kept)."""
    return text[:1].upper() + text[1:]


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    return titled_layout(fig, title, x_title, y_title, height, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
                         hovermode="x unified")


TICK_FORMATS = {"D": "%d %b", "W": "%d %b %Y", "M": "%b %Y"}


def trend_figure(trend: pd.DataFrame, freq: str, measure: str = "revenue", currency: str = "",
                 label: str | None = None) -> go.Figure:
    """Line chart of revenue or units per day / week / month, from zero; periods the selection
    covers only partly (``complete`` False) are drawn dashed so that they do not read as a collapse.
    ``label`` is what the measure is called (the tiles' word, "Sales" for store totals)."""
    label = label or ("Revenue" if measure == "revenue" else "Units sold")
    unit = f"{label} ({currency})" if measure == "revenue" and currency else label
    complete = trend["complete"] if "complete" in trend else pd.Series(True, index=trend.index)
    fig = go.Figure(go.Scatter(x=trend["period"], y=trend[measure].where(complete), mode="lines+markers", name=label,
                               line={"color": ACCENT, "width": 2}, marker={"size": 4}))
    if not complete.all():
        partial = ~complete
        # the partial periods and their complete neighbours, so that the dashed piece joins the line
        edges = partial | partial.shift(1, fill_value=False) | partial.shift(-1, fill_value=False)
        fig.add_trace(go.Scatter(x=trend["period"], y=trend[measure].where(edges), mode="lines+markers",
                                 name=f"{label} (partly covered {frequency.get(freq).period})",
                                 line={"color": ACCENT, "width": 2, "dash": "dot"},
                                 marker={"size": 7, "symbol": "circle-open"}))
    period = frequency.get(freq)
    fig = _layout(fig, f"{label} per {period.period}", period.axis_title, unit)
    fig.update_xaxes(tickformat=TICK_FORMATS[freq], dtick="M1" if freq == "M" else None)
    fig.update_yaxes(rangemode="tozero")
    return fig


LABEL_CHARS = 24


def _whole(values: pd.Series) -> bool:
    """Units and counts: hovers without decimals."""
    return bool((values.fillna(0) == values.fillna(0).round()).all())


def short_labels(labels: pd.Series) -> list[str]:
    """Labels cut to :data:`LABEL_CHARS` with an ellipsis, kept distinct (a category axis would merge twins)."""
    cut = [text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…" for text in labels]
    seen: dict[str, int] = {}
    distinct = []
    for text in cut:
        seen[text] = seen.get(text, 0) + 1
        distinct.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return distinct


def bar_figure(table: pd.DataFrame, label_column: str, value_column: str, title: str,
               value_title: str, label_title: str, color: str = ACCENT, id_column: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top (top products, customers, stores); labels are cut to
    :data:`LABEL_CHARS` characters (whole on hover) so that bars keep their width on a phone.
    Each bar carries ``[full label, id]`` as customdata (``id_column``, default the label) so that
    a click can be traced back to its row."""
    ordered = table.iloc[::-1]
    full = ordered[label_column].astype(str)
    ids = ordered[id_column].astype(str) if id_column else full
    fig = go.Figure(go.Bar(x=ordered[value_column], y=[plot_text(t) for t in short_labels(full)], orientation="h",
                           marker_color=color, customdata=list(zip(full.map(plot_text), ids, strict=True)),
                           hovertemplate="%{customdata[0]}: %{x:,." + ("0" if _whole(ordered[value_column]) else "2")
                           + "f}<extra></extra>"))
    fig = _layout(fig, title, value_title, label_title, height=max(300, 28 * len(table) + 90))
    # Ids such as customer 14646 are labels, not numbers; long names are cut and shown whole on hover.
    fig.update_layout(hovermode="closest", yaxis={"type": "category"}, xaxis={"rangemode": "tozero"})
    return fig
