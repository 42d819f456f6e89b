"""A stakeholder report: one self-contained HTML file with the Overview and a forecast run.

The charts stay interactive (plotly, its script embedded once, so the file opens offline and
can be mailed). Every piece of user text (product names, dataset names) is escaped.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go

from retail import frequency
from retail.analytics import charts, overview
from retail.analytics.aggregate import SERIES_ID, TARGETS, level_label
from retail.data import currency, schema
from retail.forecast import charts as forecast_charts
from retail.forecast.explain import headline, outlook, outlook_columns, series_by_volume
from retail.forecast.registry import FORECASTERS
from retail.forecast.result import ForecastResult
from retail.formatting import count, percent, plural
from retail.glossary import is_share, label

STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#0f172a;padding:0 1rem}h1{margin-bottom:.2rem}.muted{color:#64748b}table{border-collapse:collapse;
margin:1rem 0}td,th{padding:.35rem .8rem;border-bottom:1px solid #e2e8f0;text-align:right}
td:first-child,th:first-child{text-align:left}.tiles{display:flex;flex-wrap:wrap;gap:.6rem}
.tile{border:1px solid #e2e8f0;border-radius:.5rem;padding:.6rem 1rem;min-width:9rem}
.tile b{display:block;font-size:1.4rem}"""


class _Figures:
    """Plotly figures as HTML fragments; the first carries plotly's script, the rest reuse it."""

    def __init__(self) -> None:
        self.script_included = False

    def __call__(self, figure: go.Figure) -> str:
        fragment = figure.to_html(full_html=False, include_plotlyjs=not self.script_included)
        self.script_included = True
        return fragment


def _table(frame: pd.DataFrame, headers: dict[str, str] | None = None, money: set[str] = frozenset(),
           code: str | None = None) -> str:
    """An HTML table in the page's words: plain headers, shares as percentages, units whole, money with the
    currency (``money`` columns), empty cells as a dash."""
    headers = headers or {}

    def cell(column: str, value: object) -> str:
        if isinstance(value, float | int) and not isinstance(value, bool):
            if value != value:  # NaN: nothing to show
                return "&ndash;"
            if column in money:
                return html.escape(currency.money(float(value), code))
            if is_share(column):
                return percent(float(value), 1 if abs(value) < 0.1 else 0, signed=column in SIGNED)
            return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(headers.get(c, label(c)))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(frame.columns, row, strict=True))
                   + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{rows}</table>"


SIGNED = {"bias", "wape_vs_baseline"}


def overview_section(summary: overview.Summary, selection: overview.Selection, freq: str, measure: str,
                     code: str | None, figures: _Figures, kind: str = "line_items", store: str = "store",
                     first_day: pd.Timestamp | None = None) -> str:
    """The Overview in the report: tiles, trend and the tables that mean something for ``kind`` of rows."""
    compared = overview.COMPARISONS[selection.compare]
    tiles = "".join(f"<div class='tile'>{html.escape(k.label)}<b>{html.escape(k.formatted(code))}</b>"
                    f"<span class='muted'>{html.escape(k.formatted_change() or 'nothing to compare with')}</span>"
                    "</div>" for k in summary.kpis)
    word = overview.measure_label("revenue", kind)
    trend = charts.trend_figure(summary.trend, freq, measure, currency.label(code).strip(" ()"),
                                overview.measure_label(measure, kind))
    notes = [overview.incomplete_note(summary.trend, freq),
             overview.comparison_note(first_day, selection) if first_day is not None else ""]
    gross = "" if kind in overview.TOTALS or kind == "basket_list" else f"{'Gross' if selection.gross else 'Net'} sales; "
    text = (f"<h2>{word}, {selection.start:%d %b %Y} to {selection.end:%d %b %Y}</h2>"
            f"<p class='muted'>{gross}changes against {compared}.</p><div class='tiles'>{tiles}</div>"
            + figures(trend) + "".join(f"<p class='muted'>{html.escape(n)}</p>" for n in notes if n))
    shown = overview.tables_of(summary, kind)
    headers = {"revenue": word, "units": overview.measure_label("units", kind), "product": "Product",
               schema.STORE_ID: store.capitalize()}
    for name, title in (("top products", "Top products"), ("stores", f"Top {plural(store)}")):
        if name in shown:
            columns = [c for c in ("product", schema.STORE_ID, "revenue", "units") if c in shown[name]]
            text += f"<h3>{title}</h3>" + _table(shown[name][columns].head(10), headers, {"revenue"}, code)
    return text


def forecast_section(result: ForecastResult, figures: _Figures, code: str | None = None, top: int = 15,
                     store: str = "store") -> str:
    board = result.metrics[["model", "wape", "wape_vs_baseline", "bias"]].assign(
        model=result.metrics["model"].map(FORECASTERS.label))
    table = outlook(result)
    columns = outlook_columns(result, table)
    columns = [c for c in columns if c != SERIES_ID] if "name" in columns else columns  # the name says it
    amounts = {"forecast", "statistical", "low", "high"}
    money = {"value", "unit_price"} | (amounts if result.settings.target == "revenue" else set())
    series = series_by_volume(result)[0]
    names = dict(zip(result.series_info["series_id"], result.series_info["name"], strict=True))
    period = frequency.get(result.settings.freq).period
    unit = f"{TARGETS[result.settings.target].unit} per {period}"
    chart = forecast_charts.series_figure(result.series_view(series), f"{names[series]}: "
                                          f"{FORECASTERS.label(result.best)}", unit, result.settings.freq)
    ahead = f"next {count(result.settings.horizon, period)}"
    headers = {SERIES_ID: level_label(result.settings.level, store).capitalize(), "name": "Name",
               "forecast": f"{'Adjusted forecast' if result.is_adjusted else 'Forecast'}, {ahead}",
               "statistical": f"Statistical forecast, {ahead}", "low": "Low (80% range)",
               "high": "High (80% range)", "unit_price": "Average price", "value": "Value"}
    return (f"<h2>Forecast, {ahead}</h2><p>{html.escape(headline(result))}</p>"
            f"<p><b>{html.escape(result.planner_note())}</b></p>"
            + _table(board, {"model": "Model"}) + f"<h3>Outlook, the {top} biggest</h3>"
            + _table(table.head(top)[columns], headers, money, code) + figures(chart))


def stakeholder_html(title: str, sections: list[str]) -> str:
    """The whole report (``sections`` from :func:`overview_section` / :func:`forecast_section`)."""
    stamp = dt.datetime.now().strftime("%d %b %Y %H:%M")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='muted'>Made {stamp} with the retail analytics dashboard.</p>{''.join(sections)}</body></html>")


def figure_renderer() -> _Figures:
    """A renderer for one report (embeds plotly's script in the first figure only)."""
    return _Figures()


def attention_section(ranked: pd.DataFrame, headline_text: str, code: str | None, top: int = 20) -> str:
    """The week's exceptions, biggest first (:mod:`retail.planning.attention`)."""
    table = ranked.head(top)[["rank", "what", "name", "why", "at_stake"]].rename(
        columns={"what": "what", "name": "product", "at_stake": "at stake"})
    more = f"<p class='muted'>{len(ranked) - top:,} more in the workbook.</p>" if len(ranked) > top else ""
    return (f"<h2>What needs attention</h2><p>{html.escape(headline_text)}</p>"
            + (_table(table, {"at stake"}, code) if len(table) else "") + more)


def accuracy_section(by_week: pd.DataFrame, freq: str, figures: _Figures) -> str:
    """How the forecasts did, period by period, against their backtests' promise."""
    from retail.planning.tracking_charts import tracked_error_figure

    if by_week.empty:
        return "<h2>How our forecasts did</h2><p class='muted'>No saved forecast has met its actual sales yet.</p>"
    last = by_week.iloc[-1]
    text = (f"For the {frequency.get(freq).period} of {pd.Timestamp(last['date']):%d %b %Y} the latest forecast "
            f"was off by {last['wape']:.0%} of what sold (its backtest promised {last['promised_wape']:.0%}); "
            f"{last['coverage_80']:.0%} of the sales fell inside its 80% range, {last['coverage_95']:.0%} inside "
            "the 95% range.")
    return f"<h2>How our forecasts did</h2><p>{html.escape(text)}</p>" + figures(tracked_error_figure(by_week, freq))


def weekly_report_html(refreshed, summary: overview.Summary, selection: overview.Selection, measure: str,
                       code: str | None) -> str:
    """The weekly pack's stakeholder report: sales, what needs attention, how the forecasts did, the new
    forecast and the orders (``refreshed`` from :func:`retail.planning.refresh.prepare_refresh`)."""
    from retail.inventory.export import plan_table

    figures = figure_renderer()
    week, info = refreshed.week, refreshed.append.dataset
    store = schema.store_word(info.mapping)
    sections = [f"<p>{html.escape(refreshed.append.describe())}</p>",
                overview_section(summary, selection, "W", measure, code, figures, info.kind, store, info.date_min),
                attention_section(week.ranked, week.headline, code),
                accuracy_section(week.tracking.by_week, week.context.freq, figures)]
    if refreshed.forecast is not None:
        sections.append(forecast_section(refreshed.forecast, figures, code, store=store))
    if refreshed.plan is not None:
        orders = plan_table(refreshed.plan)
        orders = orders[orders["order quantity (units)"] > 0].head(15)
        sections.append("<h2>Orders for the next review</h2>"
                        + _table(orders[[c for c in orders.columns if c in ("product code", "product",
                                 "order quantity (units)", "order value", "why")]], {"order value"}, code))
    return stakeholder_html(f"{refreshed.dataset}: the week to {refreshed.data_through:%d %b %Y}", sections)
