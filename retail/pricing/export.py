"""CSV and Excel exports of a pricing run, in the Pricing page's words, safe against formula injection.

Every table goes through :mod:`retail.exports`: plain headers from the glossary ("Price elasticity",
"Low (95%)"), yes / no for measurable, lifts and shares as percentages, money in the dataset's
currency, empty cells empty; text a spreadsheet would run as a formula is neutralised. The CSV holds
the elasticity table of one level (products or categories); the workbook has the sheets ``elasticity``,
``categories``, ``promotions``, ``promotion per product`` and ``settings``.
"""

from __future__ import annotations

import pandas as pd

from retail import exports
from retail.data import schema
from retail.pricing.registry import ESTIMATORS
from retail.pricing.result import PricingResult

LEVELS = {"product": "products", "category": "categories"}
PRODUCT_COLUMNS = ["product_id", "product_name", "category", "elasticity", "ci_low", "ci_high", "identifiable",
                   "verdict", "settled", "reason", "price_levels", "price_changes", "p_elastic", "own_estimate", "own_ci_low",
                   "own_ci_high", "own_weight", "category_elasticity", "sale_days", "units", "revenue", "promo_days",
                   "current_price", "lowest_price", "highest_price", "baseline_units"]
MONEY = ("revenue", "current_price", "lowest_price", "highest_price", "actual_value")
HEADERS = {"reason": "Why not measurable", "own_ci_low": "Own estimate, low (95%)",
           "own_ci_high": "Own estimate, high (95%)", "units": "Units sold", "revenue": "Sales value",
           "products": "Products", "category": "Category"}
WHOLE = ("units", "baseline_units", "units_sold", "units_at_regular_price", "units_from_discount",
         "units_from_promotion")


def elasticity_table(result: PricingResult, level: str = "product") -> pd.DataFrame:
    """The products' or categories' elasticity table (the CSV, the command line's rows)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}.")
    if level == "category":
        return result.categories.copy()
    return result.products[[c for c in PRODUCT_COLUMNS if c in result.products]].copy()


def settings_rows(result: PricingResult) -> list[tuple[str, object]]:
    """The run's settings in words, its headline and notes."""
    s, spec = result.settings, ESTIMATORS.get(result.settings.model)
    rows: list[tuple[str, object]] = [("Elasticity model", spec.label), ("Promotion column", s.promo_column or "none"),
                                      ("Minimum days with sales", s.min_sale_days),
                                      ("Smallest price move counted", f"{s.price_step:.0%}")]
    rows += [(spec.param(key).label, spec.param(key).label_of(value)) for key, value in s.model_params.items()]
    return rows + [("In words", result.headline())] + [(f"Note {i + 1}", n) for i, n in enumerate(result.notes)]


def _sheet(frame: pd.DataFrame) -> exports.Sheet:
    table = frame.astype({schema.PRODUCT_ID: str}) if schema.PRODUCT_ID in frame else frame
    return exports.Sheet(table, money=MONEY, headers=HEADERS, whole=WHOLE)


def to_csv_bytes(result: PricingResult, level: str = "product") -> bytes:
    """The elasticity table of ``level`` as UTF-8 CSV in plain words, formula-injection safe."""
    return exports.csv_bytes(_sheet(elasticity_table(result, level)))


def to_excel_bytes(result: PricingResult, currency_code: str | None = None) -> bytes:
    """An .xlsx workbook (sheets in the module's order), money in ``currency_code``."""
    sheets = {"elasticity": _sheet(elasticity_table(result)), "categories": _sheet(result.categories),
              "promotions": _sheet(result.events.drop(columns=["event"], errors="ignore")),
              "promotion per product": _sheet(result.lifts), "settings": exports.settings_sheet(settings_rows(result))}
    return exports.workbook(sheets, currency_code)
