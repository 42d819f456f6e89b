"""CSV and Excel exports of a forecast run, in the Forecast page's words, safe against formula injection.

Every table goes through :mod:`retail.exports`: plain headers from the glossary ("Low (95% range)",
"Error (WAPE)"), models by their names ("seasonal naive"), errors as percentages, units as whole numbers
and sales value with the currency, dates as Excel dates, and every text cell a spreadsheet would run as
a formula neutralised (``=``, ``+``, ``@``, tab, carriage return, or ``-`` before anything but a plain
number: the one rule of :mod:`retail.data.safety`). The workbook's sheets: ``summary`` (the outlook per
series), ``forecast``, ``accuracy`` (the models, then each series) and ``settings`` (in words).
"""

from __future__ import annotations

import pandas as pd

from retail import exports, frequency
from retail.analytics.aggregate import DATE, SERIES_ID, TARGETS, level_label
from retail.data.safety import neutralise, neutralise_frame
from retail.forecast.explain import headline, names_differ, outlook, outlook_columns
from retail.forecast.metrics import MODEL, STEP, YHAT
from retail.forecast.registry import FORECASTERS
from retail.forecast.result import STATISTICAL, ForecastResult
from retail.formatting import percent

__all__ = ["forecast_table", "metrics_table", "neutralise", "neutralise_frame", "settings_rows", "to_csv_bytes",
           "to_excel_bytes"]
BOUNDS = ("lo_95", "lo_80", "forecast", "hi_80", "hi_95")
HIDDEN = ("n", "scale")


def forecast_table(result: ForecastResult, model: str | None = None) -> pd.DataFrame:
    """The forecast of one model (default: the best; ``'all'`` for every model) with series names."""
    frame = result.forecasts
    if model != "all":
        chosen = model or result.best
        if chosen not in set(frame[MODEL]):
            raise ValueError(
                f"model {chosen!r} is not in this run; choose from {sorted(set(frame[MODEL]))} or 'all'."
            )
        frame = frame[frame[MODEL] == chosen]
    names = result.series_info[[SERIES_ID, "name"]] if "name" in result.series_info else None
    if names is not None and names_differ(names):
        frame = frame.merge(names, on=SERIES_ID, how="left")
    adjusted = ["statistical_forecast", "planner_change"] if result.is_adjusted else []
    if adjusted:  # the adjusted forecast is the one that counts; the statistical one stays beside it
        frame = frame.assign(planner_change=frame[YHAT] - frame[STATISTICAL])
    table = frame.rename(columns={YHAT: "forecast", STATISTICAL: "statistical_forecast"})
    cols = [SERIES_ID, *(["name"] if "name" in table else []), MODEL, DATE, STEP,
            *[c for c in BOUNDS if c in table], *adjusted]
    table = table[cols].sort_values([SERIES_ID, MODEL, DATE])
    table[DATE] = pd.to_datetime(table[DATE])
    return table.assign(**{MODEL: table[MODEL].map(FORECASTERS.label)}).reset_index(drop=True)


def _amounts(result: ForecastResult, columns: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Forecast amounts are whole units, or money in the currency for a sales-value forecast."""
    return {"money": columns} if result.settings.target == "revenue" else {"whole": columns}


def metrics_table(result: ForecastResult) -> pd.DataFrame:
    """Every model's pooled accuracy (series "all series") followed by each series' accuracy."""
    pooled = result.metrics.assign(**{SERIES_ID: "all series"})
    series = result.series_metrics
    table = pd.concat([pooled, series if names_differ(series) else series.drop(columns=["name"], errors="ignore")],
                      ignore_index=True)
    first = [c for c in ("rank", MODEL, SERIES_ID, "name", "wape", "wape_vs_baseline", "bias", "mase", "rmse",
                         "seconds") if c in table]
    table = table[first + [c for c in table.columns if c not in first and c not in HIDDEN]]
    return table.assign(**{MODEL: table[MODEL].map(FORECASTERS.label)})


def settings_rows(result: ForecastResult, store: str = "store") -> list[tuple[str, object]]:
    """The run's settings in words (what the page's widgets said), then its headline and notes."""
    s, period = result.settings, frequency.get(result.settings.freq)
    rows: list[tuple[str, object]] = [
        ("Forecast per", level_label(s.level, store)), ("Frequency", period.label),
        ("Target", TARGETS[s.target].label), (f"{period.period.capitalize()}s ahead", s.horizon),
        ("Models", [FORECASTERS.label(m) for m in s.models]), ("Backtest windows", s.windows),
        ("Largest series kept", s.top_n or "all"), ("Columns known in advance", list(s.future_known) or "none"),
        ("Ranges", [percent(c) for c in s.intervals])]
    for name, values in s.model_params.items():
        spec = FORECASTERS.get(name)
        rows += [(f"{spec.label}: {spec.param(key).label}", spec.param(key).label_of(value))
                 for key, value in values.items()]
    rows += [("Best model", FORECASTERS.label(result.best)), ("In words", headline(result)),
             ("Which forecast", result.planner_note()), ("Data", result.summary)]
    return rows + [(f"Note {i + 1}", warning) for i, warning in enumerate(result.warnings[1:])]


def summary_table(result: ForecastResult) -> pd.DataFrame:
    """The outlook per series: the columns that mean something for this run (as on the page)."""
    table = outlook(result)
    return table[outlook_columns(result, table)]


def _sheets(result: ForecastResult, model: str | None, store: str) -> dict[str, exports.Sheet]:
    period = frequency.get(result.settings.freq)
    unit = TARGETS[result.settings.target].unit
    series = {SERIES_ID: level_label(result.settings.level, store).capitalize(), "name": "Name"}
    ahead = f"next {result.settings.horizon} {period.period}s ({unit})"
    forecast = "Adjusted forecast" if result.is_adjusted else "Forecast"
    adjusted = {"statistical_forecast": "Statistical forecast", "planner_change": "Planner adjustment"}
    return {
        "summary": exports.Sheet(summary_table(result), headers=series | {
            "forecast": f"{forecast}, {ahead}", "statistical": f"Statistical forecast, {ahead}",
            "low": "Low (80% range)", "high": "High (80% range)", "unit_price": "Average price", "value": "Value"},
            **_merge(_amounts(result, ("forecast", "statistical", "low", "high")), {"money": ("unit_price", "value")})),
        "forecast": exports.Sheet(forecast_table(result, model), headers=series | adjusted | {
            DATE: f"{period.period.capitalize()} starting" if period.code != "D" else "Day"},
            **_amounts(result, (*BOUNDS, *adjusted))),
        "accuracy": exports.Sheet(metrics_table(result), headers=series | {"actual": f"Actual sales in the backtest "
                                  f"({unit})"}, **_amounts(result, ("rmse", "actual"))),
        "settings": exports.settings_sheet(settings_rows(result, store)),
    }


def _merge(first: dict[str, tuple[str, ...]], second: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {key: first.get(key, ()) + second.get(key, ()) for key in {*first, *second}}


def to_csv_bytes(result: ForecastResult, model: str | None = None, store: str = "store") -> bytes:
    """The forecast table as UTF-8 CSV (ISO dates, plain headers), formula-injection safe."""
    return exports.csv_bytes(_sheets(result, model, store)["forecast"])


def to_excel_bytes(result: ForecastResult, model: str | None = None, currency_code: str | None = None,
                   store: str = "store") -> bytes:
    """An .xlsx workbook with sheets ``summary``, ``forecast``, ``accuracy`` and ``settings``."""
    return exports.workbook(_sheets(result, model, store), currency_code)
