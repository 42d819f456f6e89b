"""CSV and Excel exports of a forecast run, safe against formula injection.

Text cells that a spreadsheet would evaluate (``=``, ``+``, ``@``, tab, carriage return, or
``-`` before anything but a plain number: the one rule of :mod:`retail.data.safety`, which
validation counts too) are prefixed with an apostrophe, so a product named
``=HYPERLINK(...)`` is shown as text and never evaluated. Dates are written as Excel dates
and numbers as numbers (never as text). The Excel file has the sheets ``summary``, ``forecast``,
``metrics`` and ``settings``; ``lo_80``/``hi_80`` are the P10/P90 bounds, ``lo_95``/``hi_95`` P2.5/P97.5.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID, TARGETS
from retail.data.safety import neutralise, neutralise_frame
from retail.forecast.explain import headline, outlook
from retail.forecast.metrics import MODEL, STEP, YHAT
from retail.forecast.registry import FORECASTERS
from retail.forecast.result import STATISTICAL, ForecastResult

__all__ = ["forecast_table", "metrics_table", "neutralise", "neutralise_frame", "settings_table", "to_csv_bytes",
           "to_excel_bytes"]


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
    if names is not None:
        frame = frame.merge(names, on=SERIES_ID, how="left")
    lows = sorted((c for c in frame.columns if c.startswith("lo_")), key=lambda c: -int(c[3:]))
    highs = sorted((c for c in frame.columns if c.startswith("hi_")), key=lambda c: int(c[3:]))
    adjusted = [STATISTICAL, "planner_change"] if result.is_adjusted else []
    if adjusted:  # the adjusted forecast is the one that counts; the statistical one stays beside it
        frame = frame.assign(planner_change=frame[YHAT] - frame[STATISTICAL])
    cols = [SERIES_ID, *(["name"] if "name" in frame else []), MODEL, DATE, STEP, *lows, YHAT, *highs, *adjusted]
    table = frame[cols].rename(columns={YHAT: "forecast", STATISTICAL: "statistical_forecast"})
    table = table.sort_values([SERIES_ID, MODEL, DATE])
    table[DATE] = pd.to_datetime(table[DATE])
    return table.reset_index(drop=True)


def metrics_table(result: ForecastResult) -> pd.DataFrame:
    """Pooled leaderboard rows (series_id '(all series)') followed by per-series rows."""
    pooled = result.metrics.assign(**{SERIES_ID: "(all series)"})
    series = result.series_metrics
    table = pd.concat([pooled, series], ignore_index=True)
    first = [
        c for c in ("rank", MODEL, SERIES_ID, "name", "wape", "mase", "rmse", "bias", "seconds") if c in table
    ]
    return table[first + [c for c in table.columns if c not in first]]


def settings_table(result: ForecastResult) -> pd.DataFrame:
    """Key / value rows: every setting, the best model, the data summary and warnings."""
    rows = [
        (k, json.dumps(v) if isinstance(v, list | tuple | dict) else v)
        for k, v in result.settings.to_dict().items()
    ]
    rows += [("best_model", result.best), ("headline", headline(result)), ("forecast", result.planner_note()),
             ("summary", result.summary)]
    rows += [(f"warning_{i + 1}", w) for i, w in enumerate(result.warnings)]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def to_csv_bytes(result: ForecastResult, model: str | None = None) -> bytes:
    """The forecast table as UTF-8 CSV (ISO dates), formula-injection safe."""
    table = neutralise_frame(forecast_table(result, model))
    return table.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def summary_table(result: ForecastResult) -> pd.DataFrame:
    """The outlook per series in plain words (the Excel file's first sheet)."""
    period = frequency.get(result.settings.freq)
    unit = TARGETS[result.settings.target].unit
    ahead = f"next {result.settings.horizon} {period.period}s"
    table = outlook(result)
    summary = pd.DataFrame({
        LEVELS[result.settings.level].label: table[SERIES_ID], "name": table["name"],
        f"forecast, {ahead} ({unit})": table["forecast"], "low (80% range)": table["low"],
        "high (80% range)": table["high"], "average price": table["unit_price"], "value": table["value"],
    })
    if "statistical" in table:
        summary.insert(3, f"statistical forecast, {ahead} ({unit})", table["statistical"])
    return summary


def _write_sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str) -> None:
    safe = neutralise_frame(frame)
    for col in safe.columns:  # numbers stored as objects (settings values) stay numbers
        if safe[col].dtype == bool:
            safe[col] = safe[col].astype(object)
    safe = safe.replace({np.nan: None})
    safe.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    number = writer.book.add_format({"num_format": "#,##0.00"})
    for i, col in enumerate(safe.columns):
        width = (
            min(max(len(str(col)), *(len(str(v)) for v in safe[col].head(200))) + 2, 60) if len(safe) else 12
        )
        sheet.set_column(i, i, min(width, 18) if frame[col].dtype.kind == "f" else width,
                         number if frame[col].dtype.kind == "f" else None)


def to_excel_bytes(result: ForecastResult, model: str | None = None) -> bytes:
    """An .xlsx workbook with sheets ``summary`` (per series, in words), ``forecast``, ``metrics``
    and ``settings``; numbers carry a thousands-separated number format, models their names."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        datetime_format="yyyy-mm-dd",
        date_format="yyyy-mm-dd",
        engine_kwargs={"options": options},
    ) as writer:
        _write_sheet(writer, summary_table(result), "summary")
        table = forecast_table(result, model)
        _write_sheet(writer, table.assign(**{MODEL: table[MODEL].map(FORECASTERS.label)}), "forecast")
        _write_sheet(writer, metrics_table(result), "metrics")
        _write_sheet(writer, settings_table(result), "settings")
    return buffer.getvalue()
