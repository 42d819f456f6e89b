"""CSV and Excel exports of a customer analysis and of a campaign list, safe against formula injection.

Every text cell goes through :func:`retail.data.safety.neutralise_frame` (the one rule validation
counts too), numbers stay numbers with thousands separators, money carries the dataset's
currency (:func:`retail.data.currency.excel_format`), and column headers are plain words. An
export holds what the user asked for: the chosen customers and their scores, no other personal data.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from retail.customers.analysis import CustomerResult
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS
from retail.data import currency
from retail.data.safety import neutralise_frame

HEADERS: dict[str, str] = {
    "customer_id": "customer", "segment": "segment", "rfm_score": "RFM score", "recency_days": "days since last purchase",
    "orders": "orders", "purchase_days": "purchase days", "monetary": "money spent (net of returns)",
    "tenure_days": "days since first purchase", "average_order_value": "average order value",
    "first_purchase": "first purchase", "last_purchase": "last purchase", "r_score": "recency score",
    "f_score": "frequency score", "m_score": "money score", "propensity": "probability of buying",
    "probability_active": "probability still a customer", "expected_purchases": "expected purchases",
    "expected_spend": "expected spend", "cluster": "group", "actual_purchases": "actual purchases",
    "actual_spend": "actual spend",
}
MONEY = {"monetary", "average_order_value", "expected_spend", "actual_spend", "revenue"}
def settings_table(result: CustomerResult) -> pd.DataFrame:
    s = result.settings
    rows: list[tuple[str, Any]] = [
        ("as of", str(result.as_of.date())), ("horizon (days)", s.horizon_days),
        ("repeat-purchase model", VALUE_MODELS.label(s.value_model)),
        ("propensity model", PROPENSITY_MODELS.label(s.propensity_model)), ("customers", len(result.customers)),
    ]
    rows += [(f"{VALUE_MODELS.label(s.value_model)}: {k}", v) for k, v in s.value_params.items()]
    rows += [(f"{PROPENSITY_MODELS.label(s.propensity_model)}: {k}", v) for k, v in s.propensity_params.items()]
    rows += [(f"note {i + 1}", w) for i, w in enumerate(result.warnings)]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def header(column: str) -> str:
    """The plain-word header of a column (``product_name_2`` -> ``product 2``, ``why_2`` -> ``why product 2``)."""
    stem, _, number = column.rpartition("_")
    if number.isdigit() and stem in ("product", "product_name", "why"):
        return {"product": f"product code {number}", "product_name": f"product {number}",
                "why": f"why product {number}"}[stem]
    return HEADERS.get(column, column.replace("_", " "))


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with plain-word headers (:func:`header`)."""
    return frame.rename(columns={c: header(c) for c in frame.columns})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with plain headers and ISO dates, formula-injection safe."""
    return neutralise_frame(readable(frame)).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def _write_sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, currency_code: str | None) -> None:
    safe = neutralise_frame(readable(frame)).replace({np.nan: None})
    safe.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    money = writer.book.add_format({"num_format": currency.excel_format(currency_code)})
    number = writer.book.add_format({"num_format": "#,##0.00"})
    for i, column in enumerate(frame.columns):
        kind = frame[column].dtype.kind
        style = money if column in MONEY else number if kind == "f" else None
        width = max(len(str(safe.columns[i])), *(len(str(v)) for v in safe.iloc[:200, i])) if len(safe) else 12
        sheet.set_column(i, i, min(width + 2, 60), style)


def to_excel_bytes(sheets: dict[str, pd.DataFrame], currency_code: str | None) -> bytes:
    """An .xlsx workbook, one sheet per entry (first sheet first)."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        for name, frame in sheets.items():
            _write_sheet(writer, frame, name, currency_code)
    return buffer.getvalue()


def analysis_workbook(result: CustomerResult, currency_code: str | None,
                      customers: pd.DataFrame | None = None) -> bytes:
    """Sheets ``customers`` (``customers``, e.g. pseudonymised, or ``result.table()``), ``segments`` (and
    ``evaluation`` when there was one) and ``settings``."""
    segments = result.segments.drop(columns=["segment"]).rename(columns={"label": "segment"})
    sheets = {"customers": result.table() if customers is None else customers, "segments": segments}
    if result.value_evaluation is not None:
        sheets["evaluation"] = evaluation_table(result)
    sheets["settings"] = settings_table(result)
    return to_excel_bytes(sheets, currency_code)


def evaluation_table(result: CustomerResult) -> pd.DataFrame:
    """Both evaluations in one long table: model, measure, value."""
    rows = []
    for registry, table in ((PROPENSITY_MODELS, result.propensity_evaluation), (VALUE_MODELS, result.value_evaluation)):
        for record in table.to_dict("records"):
            rows += [{"model": registry.label(record["model"]), "measure": k, "value": v}
                     for k, v in record.items() if k != "model"]
    return pd.DataFrame(rows)


def campaign_workbook(table: pd.DataFrame, settings: dict[str, Any], summary: dict[str, Any],
                      currency_code: str | None) -> bytes:
    """Sheets ``campaign`` (the list) and ``settings`` (who was chosen, how, and the headline)."""
    rows = [(k, ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v) if isinstance(v, dict) else v)
            for k, v in {**settings, **summary}.items()]
    about = pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})
    return to_excel_bytes({"campaign": table, "settings": about}, currency_code)
