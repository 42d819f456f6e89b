"""CSV and Excel exports of a customer analysis and of a campaign list, in the page's words.

Every table goes through :mod:`retail.exports`: plain headers, probabilities as percentages (rounded:
99.8, never 0.9978089717144496), money in the dataset's currency, text neutralised against spreadsheet
formulas. An export holds what the user asked for: the chosen customers and their scores, no other
personal data.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from retail import exports
from retail.customers.analysis import CustomerResult
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS
from retail.glossary import label

HEADERS: dict[str, str] = {
    "customer_id": "customer", "segment": "segment", "rfm_score": "scores (recency, frequency, money)", "recency_days": "days since last purchase",
    "orders": "orders", "purchase_days": "purchase days", "monetary": "money spent (net of returns)",
    "tenure_days": "days since first purchase", "average_order_value": "average order value",
    "first_purchase": "first purchase", "last_purchase": "last purchase", "r_score": "recency score",
    "f_score": "frequency score", "m_score": "money score", "propensity": "probability of buying",
    "probability_active": "probability still a customer", "expected_purchases": "expected purchases",
    "expected_spend": "expected spend", "cluster": "group", "actual_purchases": "actual purchases",
    "actual_spend": "actual spend",
}
MONEY = {"monetary", "average_order_value", "expected_spend", "actual_spend", "revenue"}
WHOLE = ("expected_purchases",)
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


def _sheet(frame: pd.DataFrame) -> exports.Sheet:
    return exports.Sheet(frame, money=[c for c in frame.columns if c in MONEY],
                         headers={c: header(c) for c in frame.columns}, whole=WHOLE)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with plain headers, rounded numbers (probabilities in percent) and ISO dates, formula-injection safe."""
    return exports.csv_bytes(_sheet(frame))


def to_excel_bytes(sheets: dict[str, pd.DataFrame], currency_code: str | None) -> bytes:
    """An .xlsx workbook, one sheet per entry (first sheet first); a "setting / value" frame reads as one."""
    return exports.workbook({name: exports.settings_sheet(frame.itertuples(index=False, name=None))
                             if list(frame.columns) == ["setting", "value"] else _sheet(frame)
                             for name, frame in sheets.items()}, currency_code)


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
            rows += [{"model": registry.label(record["model"]), "measure": label(k), "value": v}
                     for k, v in record.items() if k != "model"]
    return pd.DataFrame(rows)


def campaign_workbook(table: pd.DataFrame, settings: dict[str, Any], summary: dict[str, Any],
                      currency_code: str | None) -> bytes:
    """Sheets ``campaign`` (the list) and ``settings`` (who was chosen, how, and the headline, in words)."""
    about = exports.settings_sheet(campaign_rows({**settings, **summary}))
    return exports.workbook({"campaign": _sheet(table), "settings": about}, currency_code)


CAMPAIGN_WORDS: dict[str, str] = {
    "name": "Campaign", "segments": "Segments", "min_propensity": "Probability of buying, at least",
    "max_propensity": "Probability of buying, at most", "min_value": "Least expected spend",
    "max_customers": "At most (customers)", "products": "Products per customer", "algorithm": "Products from",
    "customers_from": "Only the customers of the list", "customers": "Customers", "share": "Share of all customers",
    "expected_buyers": "Expected buyers", "expected_purchases": "Expected purchases",
    "expected_revenue": "Their expected spend (with or without the campaign)", "horizon_days": "Days ahead",
    "as_of": "As of"}


def campaign_rows(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """A campaign's settings and headline in words (the ids of a customer filter are not repeated)."""
    from retail.recommend.registry import RECOMMENDERS

    shown = {"segments": lambda v: ", ".join(v) or "all", "max_customers": lambda v: v or "everyone",
             "algorithm": RECOMMENDERS.label, "share": lambda v: f"{v:.1%}", "customers_from": lambda v: v or "none",
             "min_propensity": lambda v: f"{v:.0%}", "max_propensity": lambda v: f"{v:.0%}",
             "expected_buyers": round, "expected_purchases": round}
    return [(CAMPAIGN_WORDS[key], shown.get(key, lambda v: v)(value)) for key, value in values.items()
            if key in CAMPAIGN_WORDS and not (key == "customers" and isinstance(value, list | tuple))]
