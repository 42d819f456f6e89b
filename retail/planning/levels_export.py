"""Exports of forecasts that add up: one Excel sheet per level, or one CSV of every level.

Each level's sheet is named by the level (``total``, ``store``, ``category``, ``product``,
``product_store``) and has the columns ``series``, ``period`` (the period's first day, an Excel
date) and ``forecast`` (to the cent, so the rows of one level add up to the level above exactly);
a last sheet, ``accuracy``, says how the method was chosen. Text is neutralised against
spreadsheet formulas (:mod:`retail.data.safety`).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID
from retail.data.safety import neutralise_frame
from retail.forecast.registry import FORECASTERS
from retail.planning.levels_result import BASE, ReconciledResult
from retail.planning.registry import RECONCILERS

LEVEL_COLUMNS = ["series", "period", "forecast"]


def level_table(result: ReconciledResult, level: str) -> pd.DataFrame:
    """One level's forecasts: ``series``, ``period``, ``forecast``."""
    rows = result.level_forecast(level)
    return pd.DataFrame({"series": rows[SERIES_ID].astype(str), "period": pd.to_datetime(rows[DATE]),
                         "forecast": rows["forecast"].round(2)})[LEVEL_COLUMNS]


def accuracy_table(result: ReconciledResult) -> pd.DataFrame:
    """Per level: the best model, the backtest error on its own and after reconciliation, the ranges' coverage."""
    accuracy = result.accuracy.set_index(["level", "method"])["wape"]
    coverage = result.coverage[result.coverage["forecast"] == "reconciled"].set_index("level")
    models = result.models.set_index("level")["model"]
    return pd.DataFrame({
        "level": [LEVELS[level].label for level in result.levels],
        "sheet": list(result.levels),
        "model of the level's own forecast": [FORECASTERS.label(models.get(level, "")) for level in result.levels],
        "backtest error on its own (WAPE)": [accuracy.get((level, BASE), np.nan) for level in result.levels],
        f"backtest error, {RECONCILERS.label(result.method)} (WAPE)": [accuracy.get((level, result.method), np.nan)
                                                                       for level in result.levels],
        "inside the 80% range": [coverage["coverage_80"].get(level, np.nan) for level in result.levels],
        "inside the 95% range": [coverage["coverage_95"].get(level, np.nan) for level in result.levels],
    })


def method_errors(result: ReconciledResult) -> pd.DataFrame:
    """Every method's backtest error (WAPE) per level: levels down, methods across, by their labels."""
    table = result.accuracy.pivot(index="level", columns="method", values="wape").reindex(list(result.levels))
    table = table.rename(index=lambda level: LEVELS[level].label,
                         columns=lambda method: "on its own" if method == BASE else RECONCILERS.label(method))
    return table.rename_axis(index="level", columns=None).reset_index()


def to_excel_bytes(result: ReconciledResult) -> bytes:
    """An .xlsx workbook: one sheet per level (top to bottom), then ``accuracy``."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        money = writer.book.add_format({"num_format": "#,##0.00"})
        for level in result.levels:
            neutralise_frame(level_table(result, level)).to_excel(writer, sheet_name=level, index=False)
            sheet = writer.sheets[level]
            sheet.set_column(0, 0, 40)
            sheet.set_column(1, 1, 12)
            sheet.set_column(2, 2, 16, money)
        about = accuracy_table(result)
        neutralise_frame(about).replace({np.nan: None}).to_excel(writer, sheet_name="accuracy", index=False)
        writer.sheets["accuracy"].set_column(0, len(about.columns) - 1, 22)
    return buffer.getvalue()


def to_csv_bytes(result: ReconciledResult) -> bytes:
    """Every level in one CSV: ``level``, ``series``, ``period``, ``forecast``."""
    table = pd.concat([level_table(result, level).assign(level=level) for level in result.levels], ignore_index=True)
    table = neutralise_frame(table[["level", *LEVEL_COLUMNS]])
    return table.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
