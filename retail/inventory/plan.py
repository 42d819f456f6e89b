"""The order plan for the next review: for each item, S, the stock position and what to order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.analytics.aggregate import SERIES_ID
from retail.data import schema
from retail.inventory.demand import DemandHistory
from retail.inventory.policies import OrderPolicy, Reviews
from retail.inventory.simulate import order_quantity
from retail.inventory.terms import Terms
from retail.progress import Progress, quiet

NO_STOCK = " (no stock given: none assumed on hand or on order)"  # ends the reason of an item without stock
PLAN_COLUMNS = [SERIES_ID, schema.PRODUCT_ID, schema.STORE_ID, "name", "review_date", "cover_days", "forecast",
                "low", "high", "order_up_to", "on_hand", "on_order", "order_quantity", "unit_cost", "order_value",
                "reason"]


def order_plan(history: DemandHistory, policy: OrderPolicy, terms: Terms, history_days: int,
               progress: Progress = quiet) -> pd.DataFrame:
    """What to order on the day after the data, per item, biggest order first.

    Stock on hand and on order come from ``terms`` (the stock file); where it says nothing the
    plan assumes none, and the reason says so.
    """
    n, day = len(history.ids), history.n_days
    levels = policy.levels(history, Reviews(np.full(n, day), np.ones(n, dtype=np.int64)), terms,
                           terms.target[None, :], progress)
    level = levels.order_up_to[0, :, 0]
    on_hand, on_order = np.nan_to_num(terms.on_hand), np.nan_to_num(terms.on_order)
    quantity = order_quantity(level - on_hand - on_order, terms.pack, terms.min_order)
    info = history.info.set_index(SERIES_ID).reindex(history.ids)
    plan = pd.DataFrame({
        SERIES_ID: history.ids, schema.PRODUCT_ID: _column(info, schema.PRODUCT_ID),
        schema.STORE_ID: _column(info, schema.STORE_ID), "name": info["name"].to_numpy(),
        "review_date": history.dates[-1] + pd.Timedelta(days=1), "cover_days": terms.protection,
        "forecast": levels.forecast[:, 0], "low": levels.low[:, 0], "high": levels.high[:, 0],
        "order_up_to": level, "on_hand": on_hand, "on_order": on_order, "order_quantity": quantity,
        "unit_cost": terms.unit_cost, "order_value": quantity * terms.unit_cost,
        "reason": reasons(level, on_hand + on_order, quantity, levels.forecast[:, 0], terms, history_days),
    })
    return plan.sort_values(["order_quantity", "forecast"], ascending=False, kind="stable").reset_index(drop=True)


def _column(info: pd.DataFrame, name: str) -> np.ndarray:
    return info[name].to_numpy(dtype=object) if name in info else np.full(len(info), None, dtype=object)


def reasons(level: np.ndarray, position: np.ndarray, quantity: np.ndarray, forecast: np.ndarray, terms: Terms,
            history_days: int) -> np.ndarray:
    """One plain sentence per item: why it is ordered, or why not."""
    unknown = np.isnan(terms.on_hand) & np.isnan(terms.on_order)
    text = np.where(
        quantity > 0,
        np.char.add(np.char.add("stock plus orders is ", _units(np.maximum(level - position, 0))),
                    " below the order-up-to level"),
        np.where((level <= 0) & (forecast <= 0), f"no sales in the last {history_days} days",
                 "stock on hand and on order already reach the order-up-to level"))
    rounded = (quantity > 0) & ((terms.pack > 1) | (terms.min_order > 0)) & (quantity != level - position)
    text = np.where(rounded, np.char.add(text, "; rounded up to whole packs / the minimum order"), text)
    return np.where(unknown, np.char.add(text, NO_STOCK), text)


def stock_known(plan: pd.DataFrame) -> pd.Series:
    """Items of a plan whose stock on hand or on order was given (a stock file or the page's table)."""
    return ~plan["reason"].astype(str).str.endswith(NO_STOCK)


def _units(values: np.ndarray) -> np.ndarray:
    return np.array([f"{v:,.0f} units" for v in values], dtype=str)
