"""CSV and Excel exports of a pricing run, safe against formula injection.

Text cells a spreadsheet would run as a formula are neutralised (:mod:`retail.data.safety`);
numbers stay numbers, with thousands separators, and money carries the dataset's currency.
The CSV holds the elasticity table of one level (products or categories), with the command
line's column names; the workbook has the sheets ``elasticity``, ``categories``, ``promotions``,
``promotion per product`` and ``settings``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from retail.data import currency, schema
from retail.data.safety import neutralise_frame
from retail.pricing.registry import ESTIMATORS
from retail.pricing.result import PricingResult

LEVELS = {"product": "products", "category": "categories"}
PRODUCT_COLUMNS = ["product_id", "product_name", "category", "elasticity", "ci_low", "ci_high", "identifiable",
                   "verdict", "reason", "price_levels", "price_changes", "p_elastic", "own_estimate", "own_ci_low",
                   "own_ci_high", "own_weight", "category_elasticity", "sale_days", "units", "revenue", "promo_days",
                   "current_price", "lowest_price", "highest_price", "baseline_units"]
MONEY = ("revenue", "current_price", "lowest_price", "highest_price", "actual_value")


def elasticity_table(result: PricingResult, level: str = "product") -> pd.DataFrame:
    """The products' or categories' elasticity table (the CSV, the command line's rows)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}.")
    if level == "category":
        return result.categories.copy()
    return result.products[[c for c in PRODUCT_COLUMNS if c in result.products]].copy()


def settings_table(result: PricingResult) -> pd.DataFrame:
    rows = [("model", ESTIMATORS.label(result.settings.model))]
    rows += [(k, json.dumps(v) if isinstance(v, dict | list) else v) for k, v in result.settings.to_dict().items()]
    rows += [("headline", result.headline())] + [(f"note_{i + 1}", n) for i, n in enumerate(result.notes)]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def to_csv_bytes(result: PricingResult, level: str = "product") -> bytes:
    """The elasticity table of ``level`` as UTF-8 CSV, formula-injection safe."""
    return neutralise_frame(elasticity_table(result, level)).to_csv(index=False, date_format="%Y-%m-%d").encode()


def _write_sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, money_format: str) -> None:
    safe = neutralise_frame(frame)
    for col in safe.columns:
        if safe[col].dtype == bool:
            safe[col] = safe[col].map({True: "yes", False: "no"})
    safe.replace({np.nan: None}).to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    number = writer.book.add_format({"num_format": "#,##0.00"})
    money = writer.book.add_format({"num_format": money_format})
    for i, col in enumerate(frame.columns):
        kind = frame[col].dtype.kind
        style = money if col in MONEY else number if kind == "f" else None
        width = min(max([len(str(col)), *(len(str(v)) for v in safe[col].head(200))]) + 2, 40)
        sheet.set_column(i, i, min(width, 16) if kind in "fiu" else width, style)


def to_excel_bytes(result: PricingResult, currency_code: str | None = None) -> bytes:
    """An .xlsx workbook (sheets in the module's order), money in ``currency_code``."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    money = currency.excel_format(currency_code)
    sheets = {"elasticity": elasticity_table(result), "categories": result.categories,
              "promotions": result.events, "promotion per product": result.lifts,
              "settings": settings_table(result)}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        for name, frame in sheets.items():
            _write_sheet(writer, frame if schema.PRODUCT_ID not in frame else frame.astype(
                {schema.PRODUCT_ID: str}), name, money)
    return buffer.getvalue()
