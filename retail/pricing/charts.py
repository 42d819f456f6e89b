"""Plotly figures of a pricing run: the elasticities with their intervals, one product over time
(promotions shaded), its price-response curve with band and observed points, and a scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from retail.data import currency
from retail.data.safety import plot_text

TEMPLATE = "plotly_white"
COLOURS = {"elastic": "#2563eb", "inelastic": "#f59e0b", "not sure": "#64748b", "not identifiable": "#94a3b8"}
ACTUAL, MODEL, PRICE, PROMO = "#334155", "#2563eb", "#dc2626", "rgba(245, 158, 11, 0.18)"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": plot_text(title), "x": 0}, template=TEMPLATE, height=height, xaxis_title=x_title,
                      yaxis_title=y_title, margin={"l": 10, "r": 10, "t": 70, "b": 10},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    return fig


def elasticity_figure(table: pd.DataFrame, label: str = "product_name", top: int = 30) -> go.Figure:
    """Each item's elasticity with its 95% interval (the ``top`` with most units), most elastic first;
    the line at -1 separates elastic from inelastic."""
    shown = table[table["identifiable"]].nlargest(top, "units").sort_values("elasticity", ascending=False)
    fig = go.Figure()
    for verdict, part in shown.groupby("verdict", sort=False):
        fig.add_trace(go.Scatter(
            x=part["elasticity"], y=part[label].map(plot_text), mode="markers", name=verdict,
            marker={"color": COLOURS.get(verdict, MODEL), "size": 8},
            error_x={"type": "data", "symmetric": False, "array": part["ci_high"] - part["elasticity"],
                     "arrayminus": part["elasticity"] - part["ci_low"], "thickness": 1.5},
            hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.add_vline(x=-1, line={"color": "#64748b", "dash": "dash"}, annotation_text="-1: elastic to the left")
    fig = _layout(fig, f"Price elasticity and 95% interval ({len(shown)} best sellers)", "elasticity", "",
                  height=max(360, 22 * len(shown) + 120))
    fig.update_yaxes(categoryorder="array", categoryarray=list(shown[label].astype(str)))
    return fig


def _promotion_runs(daily: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    promo = daily["promo"].to_numpy() > 0
    if not promo.any():
        return []
    dates = pd.to_datetime(daily["date"]).to_numpy()
    start = np.flatnonzero(promo & ~np.r_[False, promo[:-1]])
    end = np.flatnonzero(promo & ~np.r_[promo[1:], False])
    return [(pd.Timestamp(dates[a]), pd.Timestamp(dates[b]) + pd.Timedelta(days=1)) for a, b in zip(start, end, strict=True)]


def product_figure(daily: pd.DataFrame, title: str, code: str | None = None) -> go.Figure:
    """Units per week (actual and the model's), the price (line, right axis); promotions shaded."""
    if daily.empty:
        fig = go.Figure()
        fig.add_annotation(text="Too few days with sales to draw this product", showarrow=False)
        return _layout(fig, title, "week", "units per week")
    daily = daily.sort_values("date")
    weekly = daily.set_index(pd.to_datetime(daily["date"])).resample("W-MON", label="left", closed="left").agg(
        units=("units", "sum"), expected=("expected", "sum"), days=("units", "size")).reset_index()
    if pd.to_datetime(daily["date"]).diff().median() == pd.Timedelta(days=1):
        weekly = weekly[weekly["days"] == 7]  # a week the data covers only partly would read as a collapse
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=weekly["date"], y=weekly["units"], name="units sold", marker_color="#cbd5e1"))
    fig.add_trace(go.Scatter(x=weekly["date"], y=weekly["expected"], name="model", mode="lines",
                             line={"color": MODEL, "width": 2}))
    fig.add_trace(go.Scatter(x=daily["date"], y=daily["price"], name="price", mode="lines", line_shape="hv",
                             line={"color": PRICE, "width": 1.5}), secondary_y=True)
    promotions = _promotion_runs(daily)
    for start, end in promotions:
        fig.add_vrect(x0=start, x1=end, fillcolor=PROMO, line_width=0, layer="below")
    _layout(fig, title + (" (shaded: promotions)" if promotions else ""), "week", "units per week")
    fig.update_yaxes(title_text="price" + currency.label(code), secondary_y=True, rangemode="tozero")
    return fig


def response_figure(row: pd.Series, points: pd.DataFrame, code: str | None = None, draws: int = 1000) -> go.Figure:
    """Units in a typical week against the price: the fitted curve with its 95% band, the weekly
    observed points (scaled to today's conditions) and today's price; the grey zone lies outside
    the prices seen."""
    price, base = float(row["current_price"]), float(row["baseline_units"])
    low, high = float(row["lowest_price"]), float(row["highest_price"])
    grid = np.linspace(min(low, price) * 0.8, max(high, price) * 1.2, 60)
    rng = np.random.default_rng(0)
    beta = row["elasticity_used"] + rng.standard_normal(draws) * np.nan_to_num(row["elasticity_used_sd"])
    curves = base * (grid[None, :] / price) ** beta[:, None]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=grid, y=np.percentile(curves, 97.5, axis=0), mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=grid, y=np.percentile(curves, 2.5, axis=0), mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor="rgba(37, 99, 235, 0.15)", name="95% band", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=grid, y=base * (grid / price) ** row["elasticity_used"], mode="lines",
                             name="expected units", line={"color": MODEL, "width": 2.5}))
    if len(points):
        fig.add_trace(go.Scatter(x=points["price"], y=points["units"], mode="markers", name="weeks seen",
                                 marker={"color": ACTUAL, "size": 5, "opacity": 0.5}))
    fig.add_vrect(x0=grid[0], x1=low, fillcolor="rgba(148, 163, 184, 0.2)", line_width=0, layer="below")
    fig.add_vrect(x0=high, x1=grid[-1], fillcolor="rgba(148, 163, 184, 0.2)", line_width=0, layer="below")
    fig.add_vline(x=price, line={"color": PRICE, "dash": "dot"}, annotation_text="today")
    source = "" if row["elasticity_source"] == "own" else " (the category's elasticity)"
    return _layout(fig, f"Price response{source}; grey: prices not seen", "price" + currency.label(code),
                   "units in a typical week")


def scenario_figure(table: pd.DataFrame, measure: str, label: str, code: str | None = None,
                    chosen: float | None = None, recommended: float | None = None) -> go.Figure:
    """Expected ``measure`` of a typical week per price change, with its 95% interval; the chosen
    change and the recommended one marked."""
    x = table["change"] * 100
    fig = go.Figure(go.Scatter(x=x, y=table[measure], mode="lines+markers", name="expected",
                               line={"color": MODEL, "width": 2.5},
                               error_y={"type": "data", "symmetric": False,
                                        "array": table[f"{measure}_high"] - table[measure],
                                        "arrayminus": table[measure] - table[f"{measure}_low"]}))
    fig.add_vline(x=0, line={"color": "#64748b", "dash": "dot"}, annotation_text="today")
    for change, text, colour in ((chosen, "chosen", ACTUAL), (recommended, "recommended", PRICE)):
        if change is not None and change != 0:
            fig.add_vline(x=change * 100, line={"color": colour, "dash": "dash"}, annotation_text=text,
                          annotation_position="bottom right")
    money = measure in ("revenue", "margin")
    return _layout(fig, f"{label} in a typical week by price change", "price change (%)",
                   label + (currency.label(code) if money else ""), height=360)


def store_lift_figure(stores: pd.DataFrame, top: int = 40) -> go.Figure:
    """Each store's promotion lift with its 95% interval (the ``top`` stores by extra sales), biggest lift first."""
    shown = stores.dropna(subset=["store_lift"]).nlargest(top, "extra_per_promo_day").sort_values("store_lift")
    labels = [plot_text(f"store {s}") for s in shown["store_id"]]
    fig = go.Figure(go.Scatter(
        x=shown["store_lift"], y=labels, mode="markers", marker={"color": MODEL, "size": 8}, name="lift",
        error_x={"type": "data", "symmetric": False, "array": shown["store_lift_high"] - shown["store_lift"],
                 "arrayminus": shown["store_lift"] - shown["store_lift_low"], "thickness": 1.5},
        hovertemplate="%{y}: %{x:+.1%}<extra></extra>"))
    fig.add_vline(x=0, line={"color": "#64748b", "dash": "dash"}, annotation_text="no effect")
    fig = _layout(fig, f"Promotion lift per store and 95% interval ({len(shown)} stores)", "lift (sales on a "
                  "promotion day against other days)", "", height=max(320, 22 * len(shown) + 120))
    fig.update_xaxes(tickformat="+.0%")
    fig.update_yaxes(type="category")
    return fig
