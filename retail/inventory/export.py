"""CSV and Excel exports of a replenishment run, in the page's words, safe against formula injection.

Every table goes through :mod:`retail.exports` (plain headers, units and days as whole numbers, service
as percentages, money in the dataset's currency, text neutralised against spreadsheet formulas). The
workbook's sheets: ``orders`` (the plan), ``simulation`` (both policies' totals), ``items`` (per item),
``curve`` (the trade-off curve) and ``settings``.
"""

from __future__ import annotations

import pandas as pd

from retail import exports
from retail.analytics.aggregate import LEVELS, SERIES_ID
from retail.data import schema
from retail.inventory.registry import POLICIES, TERMS
from retail.inventory.result import ReplenishmentResult
from retail.inventory.tables import ITEM_METRICS

PLAN_HEADERS: dict[str, str] = {
    schema.PRODUCT_ID: "product code", schema.STORE_ID: "store", "name": "product",
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
    plan = plan.assign(**{column: plan[column].round() for column in ("forecast", "low", "high", "statistical_forecast",
                                                                     "planner_change", "cover_days") if column in plan})
    table = plan.rename(columns=PLAN_HEADERS)
    table["review date"] = pd.to_datetime(table["review date"])
    # what to order comes right after what the item is: the rest explains it
    first = [c for c in ("product code", "store", "product", "order quantity (units)", "order value")
             if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]]


def item_summary(result: ReplenishmentResult, series_id: str) -> pd.DataFrame:
    """One row per policy: how one item fared in the replay (service, stock, what ran out)."""
    row = result.items[result.items[SERIES_ID] == series_id]
    keys = [key for key in ITEM_METRICS if f"{key}_{next(iter(result.simulation))}" in row]
    return pd.DataFrame([{"policy": POLICIES.label(name), **{SIMULATION_HEADERS[key]: row[f"{key}_{name}"].iat[0]
                                                            for key in keys}} for name in result.simulation])


def simulation_table(result: ReplenishmentResult) -> pd.DataFrame:
    """One row per policy (by its label), one column per measure (so each column has one number format)."""
    rows = [{"policy": POLICIES.label(name)} | {SIMULATION_HEADERS[k]: v for k, v in numbers.items()
                                               if k in SIMULATION_HEADERS} for name, numbers in result.simulation.items()]
    table = pd.DataFrame(rows).dropna(axis=1, how="all")  # money measures are empty without a unit cost
    return table.astype({c: float for c in table.columns if c != "policy"})


def items_table(result: ReplenishmentResult) -> pd.DataFrame:
    columns = {SERIES_ID: LEVELS[result.settings.level].label, "name": "name", "unit_price": "average price",
               "unit_cost": "unit cost"}
    table = result.items.rename(columns=columns)
    for name in result.simulation:
        table = table.rename(columns={f"{key}_{name}": f"{SIMULATION_HEADERS[key]}: {POLICIES.label(name)}"
                                      for key in SIMULATION_HEADERS})
    return table.drop(columns=[c for c in (schema.PRODUCT_ID, schema.STORE_ID) if c in table])


def settings_rows(result: ReplenishmentResult) -> list[tuple[str, object]]:
    """The run's settings in words: the ordering terms, each policy's own settings, the replayed weeks."""
    s = result.settings
    rows: list[tuple[str, object]] = [("Plan per", LEVELS[s.level].label), ("Largest items kept", s.top_n or "all"),
                                      ("Weeks replayed", s.simulate_weeks)]
    rows += [(param.label, f"{value:.1%}" if param.share else param.label_of(value))
             for param in TERMS if (value := s.terms.get(param.name)) is not None]
    for name, values in s.policy_params.items():
        spec = POLICIES.get(name)
        rows += [(f"{spec.label}: {spec.param(key).label}", spec.param(key).label_of(value))
                 for key, value in values.items() if key in spec.param_names()]
    rows += [("Simulated from", result.simulate_from), ("Simulated to", result.simulate_to),
             ("Currency", result.currency or "none")]
    return rows + [(f"Note {i + 1}", text) for i, text in enumerate(result.warnings)]


SHARES = ("cycle service achieved", "fill rate achieved", "target service")
WHOLE = ("forecast demand over those days (units)", "low (80% range)", "high (80% range)", "order-up-to level (units)",
         "on hand", "on order", "order quantity (units)", "days to cover (review + lead)", "units lost",
         "units demanded")


def _sheet(frame: pd.DataFrame) -> exports.Sheet:
    money = [c for c in frame.columns if any(str(c).startswith(m) for m in MONEY)]
    shares = [c for c in frame.columns if any(str(c).startswith(m) for m in SHARES)]
    return exports.Sheet(frame, money=money, shares=shares, whole=[c for c in frame.columns if c in WHOLE])


def to_csv_bytes(result: ReplenishmentResult) -> bytes:
    """The order plan as UTF-8 CSV (ISO dates, plain headers), formula-injection safe."""
    return exports.csv_bytes(_sheet(plan_table(result)))


def to_excel_bytes(result: ReplenishmentResult) -> bytes:
    """An .xlsx workbook: orders, simulation, items, curve and settings."""
    curve = result.curve.assign(policy=result.curve["policy"].map(POLICIES.label)).rename(columns={
        "target": "target service", **{k: v for k, v in SIMULATION_HEADERS.items() if k in result.curve}})
    sheets = {"orders": _sheet(plan_table(result)), "simulation": _sheet(simulation_table(result)),
              "items": _sheet(items_table(result)), "curve": _sheet(curve),
              "settings": exports.settings_sheet(settings_rows(result))}
    return exports.workbook(sheets, result.currency)
