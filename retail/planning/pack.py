"""The weekly pack's workbook: what the refresh did, the exceptions, the orders, the forecast and how the
earlier forecasts did, one sheet each, in a merchandiser's words (glossary headers), safe against
spreadsheet formulas. The stakeholder report beside it is built by :mod:`retail.reports`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from retail.analytics.aggregate import SERIES_ID
from retail.data import currency as money
from retail.data.files import OWNER_ONLY_FOLDER, write_owner_only
from retail.data.safety import neutralise_frame
from retail.forecast.export import forecast_table
from retail.forecast.export import summary_table as outlook_table
from retail.forecast.registry import FORECASTERS
from retail.glossary import label
from retail.inventory.export import plan_table
from retail.planning.tracking import MADE, RUN, Tracking

MONEY_HEADERS = ("order value", "unit cost", "value", label("at_stake"))


def exceptions_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked exceptions with plain headers."""
    columns = ["rank", "what", "name", SERIES_ID, "why", "period", "actual", "expected", "at_stake"]
    table = ranked[[c for c in columns if c in ranked]].rename(columns={"actual": "sold"})
    return table.rename(columns={c: label(c) if c != "name" else "product" for c in table.columns})


def accuracy_table(tracked: Tracking) -> pd.DataFrame:
    """Per forecast run: its recommended model's real error and range coverage next to its promise."""
    table = tracked.by_run.sort_values(RUN, ascending=False)
    table = table.assign(model=table["model"].map(FORECASTERS.label), **{MADE: pd.to_datetime(table[MADE])})
    keep = [RUN, MADE, "model", "steps_scored", "n", "wape", "promised_wape", "bias", "promised_bias",
            "coverage_80", "coverage_95"]
    table = table[keep].rename(columns={"n": "checked"})
    return table.rename(columns={c: label(c) for c in table.columns if c != "model"})


def refresh_table(refreshed: Any) -> pd.DataFrame:
    """What the refresh did, line by line (the workbook's first sheet)."""
    info = refreshed.summary_dict()
    tracked = info["tracking"]
    rows = [("dataset", refreshed.dataset), ("sales through", info["data_through"]),
            ("new sales", refreshed.append.describe()), ("needs attention", refreshed.week.headline)]
    if refreshed.forecast is not None:
        rows.append(("forecast", f"{FORECASTERS.label(refreshed.forecast.best)}, promised error "
                                 f"{info['forecast']['promised_wape']:.0%} (run {info['run_id']})"))
    if tracked["wape"] is not None:
        rows.append(("earlier forecasts, checked", f"error {tracked['wape']:.0%} over {tracked['periods_scored']} "
                     f"periods (promised {tracked['promised_wape'] or float('nan'):.0%}); inside the 80% range "
                     f"{tracked['coverage_80']:.0%}, the 95% range {tracked['coverage_95']:.0%}"))
    if info["orders"]:
        rows.append(("orders", f"{info['orders']['items_to_order']:,} items, {info['orders']['units']:,.0f} units "
                               f"for the review on {info['orders']['review_date']}"))
    rows += [("note", note) for note in refreshed.notes]
    return pd.DataFrame(rows, columns=["", "this week"])


def _sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, code: str | None) -> None:
    """One sheet: formulas neutralised, numbers with separators, money in the dataset's currency."""
    safe = neutralise_frame(frame).astype({c: object for c in frame.columns if frame[c].dtype == bool})
    safe.replace({np.nan: None}).to_excel(writer, sheet_name=name, index=False)
    book, sheet = writer.book, writer.sheets[name]
    formats = {"money": book.add_format({"num_format": money.excel_format(code)}),
               "number": book.add_format({"num_format": "#,##0.##"})}
    for i, column in enumerate(frame.columns):
        kind = "money" if str(column).startswith(MONEY_HEADERS) else "number"
        numeric = frame[column].dtype.kind in "fi"
        sheet.set_column(i, i, min(max(len(str(column)), 10) + 2, 70), formats[kind] if numeric else None)


def workbook_bytes(refreshed: Any, code: str | None) -> bytes:
    """The pack's .xlsx: this week, exceptions, orders, outlook, forecast, accuracy."""
    sheets = [(refresh_table(refreshed), "this week"), (exceptions_table(refreshed.week.ranked), "exceptions")]
    if refreshed.plan is not None:
        sheets.append((plan_table(refreshed.plan), "orders"))
    if refreshed.forecast is not None:
        table = forecast_table(refreshed.forecast)
        sheets += [(outlook_table(refreshed.forecast), "outlook"),
                   (table.assign(model=table["model"].map(FORECASTERS.label)), "forecast")]
    sheets.append((accuracy_table(refreshed.week.tracking), "accuracy"))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        for frame, name in sheets:
            _sheet(writer, frame, name, code)
    return buffer.getvalue()


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (name -> bytes) into ``folder``, each atomically (a reader never sees half a file)
    and readable by its owner only (:func:`~retail.data.files.write_owner_only`)."""
    if not folder.exists():  # made for the pack: its owner's only; an existing folder is left as it is
        folder.mkdir(parents=True, mode=OWNER_ONLY_FOLDER)
    return [write_owner_only(folder / name, data) for name, data in files.items()]
