"""CSV and Excel exports of a replenishment run, safe against formula injection.

Text cells a spreadsheet would evaluate are neutralised by :func:`retail.data.safety.neutralise_frame`
(the one rule validation counts too); dates are Excel dates, numbers stay numbers with thousands
separators, money columns carry the dataset's currency. The workbook's sheets: ``orders`` (the
plan, in plain words), ``simulation`` (both policies' totals), ``items`` (per item), ``curve``
(the trade-off curve) and ``settings``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from retail.analytics.aggregate import LEVELS, SERIES_ID
from retail.data import currency as money
from retail.data import schema
from retail.data.safety import neutralise_frame
from retail.inventory.registry import MEASURES, POLICIES
from retail.inventory.result import ReplenishmentResult
from retail.inventory.tables import ITEM_METRICS

PLAN_HEADERS: dict[str, str] = {
    schema.PRODUCT_ID: "product code", schema.STORE_ID: "store / country", "name": "product",
    "review_date": "review date", "cover_days": "days to cover (review + lead)",
    "forecast": "forecast demand over those days (units)", "low": "low (80% range)", "high": "high (80% range)",
    "statistical_forecast": "statistical forecast over those days (units)",
    "planner_change": "planners' change (units)",
    "order_up_to": "order-up-to level (units)", "on_hand": "on hand", "on_order": "on order",
    "order_quantity": "order quantity (units)", "unit_cost": "unit cost", "order_value": "order value",
    "reason": "why",
}
SIMULATION_HEADERS: dict[str, str] = {
    "achieved_csl": "cycle service achieved", "fill_rate": "fill rate achieved", "days_of_cover": "days of cover",
    "stockout_cycles": "order cycles that ran out", "cycles": "order cycles", "stockout_days": "days that ran out",
    "lost_units": "units lost", "demand_units": "units demanded", "average_on_hand": "average stock on hand (units)",
    "average_stock_value": "average stock value", "holding_cost": "holding cost over the weeks",
}
MONEY = ("unit cost", "order value", "average stock value", "holding cost over the weeks")


def plan_table(result: ReplenishmentResult) -> pd.DataFrame:
    """The order plan with plain-word headers (columns that mean nothing at this level left out)."""
    plan = result.plan.drop(columns=[SERIES_ID])
    if result.settings.level == "store":
        plan = plan.drop(columns=[schema.PRODUCT_ID, "name"], errors="ignore")
    elif result.settings.level == "product":
        plan = plan.drop(columns=[schema.STORE_ID], errors="ignore")
    if plan["unit_cost"].isna().all():
        plan = plan.drop(columns=["unit_cost", "order_value"])
    plan = plan.assign(**{column: plan[column].round(1) for column in ("forecast", "low", "high", "statistical_forecast",
                                                                       "planner_change") if column in plan})
    table = plan.rename(columns=PLAN_HEADERS)
    table["review date"] = pd.to_datetime(table["review date"])
    # what to order comes right after what the item is: the rest explains it
    first = [c for c in ("product code", "store / country", "product", "order quantity (units)", "order value")
             if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]]


def item_summary(result: ReplenishmentResult, series_id: str) -> pd.DataFrame:
    """One row per policy: how one item fared in the replay (service, stock, what ran out)."""
    row = result.items[result.items[SERIES_ID] == series_id]
    keys = [key for key in ITEM_METRICS if f"{key}_{next(iter(result.simulation))}" in row]
    return pd.DataFrame([{"policy": POLICIES.label(name), **{SIMULATION_HEADERS[key]: row[f"{key}_{name}"].iat[0]
                                                            for key in keys}} for name in result.simulation])


def simulation_table(result: ReplenishmentResult) -> pd.DataFrame:
    """One row per measure, one column per policy (by its label)."""
    rows = {POLICIES.label(name): {SIMULATION_HEADERS[k]: v for k, v in numbers.items() if k in SIMULATION_HEADERS}
            for name, numbers in result.simulation.items()}
    table = pd.DataFrame(rows).rename_axis("measure").reset_index()
    return table.dropna(how="all", subset=list(rows)).astype({name: float for name in rows})


def items_table(result: ReplenishmentResult) -> pd.DataFrame:
    columns = {SERIES_ID: LEVELS[result.settings.level].label, "name": "name", "unit_price": "average price",
               "unit_cost": "unit cost"}
    table = result.items.rename(columns=columns)
    for name in result.simulation:
        table = table.rename(columns={f"{key}_{name}": f"{SIMULATION_HEADERS[key]}: {POLICIES.label(name)}"
                                      for key in SIMULATION_HEADERS})
    return table.drop(columns=[c for c in (schema.PRODUCT_ID, schema.STORE_ID) if c in table])


def settings_table(result: ReplenishmentResult) -> pd.DataFrame:
    rows = [(k, json.dumps(v) if isinstance(v, list | tuple | dict) else v) for k, v in result.settings.to_dict().items()]
    rows += [("service measured as", MEASURES[result.settings.terms["service_measure"]]),
             ("simulated from", result.simulate_from), ("simulated to", result.simulate_to),
             ("currency", result.currency or "")]
    rows += [(f"note {i + 1}", text) for i, text in enumerate(result.warnings)]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})


def to_csv_bytes(result: ReplenishmentResult) -> bytes:
    """The order plan as UTF-8 CSV (ISO dates), formula-injection safe."""
    return neutralise_frame(plan_table(result)).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def _write_sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, code: str | None) -> None:
    safe = neutralise_frame(frame)
    safe = safe.astype({c: object for c in safe.columns if safe[c].dtype == bool}).replace({np.nan: None})
    safe.to_excel(writer, sheet_name=name, index=False)
    sheet, book = writer.sheets[name], writer.book
    number, amount = book.add_format({"num_format": "#,##0.##"}), book.add_format({"num_format": money.excel_format(code)})
    for i, column in enumerate(frame.columns):
        is_money = any(str(column).startswith(m) for m in MONEY)
        numeric = frame[column].dtype.kind in "fi"
        width = min(max(len(str(column)), 10) + 2, 48)
        sheet.set_column(i, i, width, amount if is_money and numeric else number if numeric else None)


def to_excel_bytes(result: ReplenishmentResult) -> bytes:
    """An .xlsx workbook: orders, simulation, items, curve and settings."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    curve = result.curve.assign(policy=result.curve["policy"].map(POLICIES.label)).rename(columns={
        "target": "target service", **{k: v for k, v in SIMULATION_HEADERS.items() if k in result.curve}})
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        for frame, name in ((plan_table(result), "orders"), (simulation_table(result), "simulation"),
                            (items_table(result), "items"), (curve, "curve"), (settings_table(result), "settings")):
            _write_sheet(writer, frame, name, result.currency)
    return buffer.getvalue()
