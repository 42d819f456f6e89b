"""Sales overview: KPIs with change against the previous period, trends and top lists.

All figures are over sale lines (``line_type == 'sale'``); returns are reported separately.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail import frequency
from retail.data import schema


@dataclass(frozen=True)
class Kpi:
    """One headline number and its relative change against the previous period (None if unknown)."""

    label: str
    value: float
    change: float | None
    unit: str = ""

    def formatted(self) -> str:
        if np.isnan(self.value):
            return "n/a"
        if abs(self.value) >= 1e6:  # keeps the card readable: 3.98M rather than 3,981,974.90
            return f"{self.value / 1e6:,.2f}M"
        if self.unit == "money":
            return f"{self.value:,.2f}"
        return f"{self.value:,.0f}"

    def formatted_change(self) -> str | None:
        return None if self.change is None else f"{self.change:+.1%}"


def default_period(first: pd.Timestamp, last: pd.Timestamp, months: int = 3) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period shown first: the last ``months`` months, from a Monday, within the data."""
    back = pd.Timestamp(last).normalize() - pd.DateOffset(months=months)
    return max(pd.Timestamp(first).normalize(), back - pd.Timedelta(days=back.weekday())), pd.Timestamp(last).normalize()


def measures(has: Callable[[str], bool]) -> list[str]:
    """What the overview can sum: revenue only when the data has amounts or prices (a basket list has neither)."""
    return ["revenue", "units"] if has(schema.REVENUE) or has(schema.UNIT_PRICE) else ["units"]


def filter_sales(frame: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                 stores: list[str] | None = None) -> pd.DataFrame:
    """Lines in [start, end] (whole days) for the given stores (all when None or empty)."""
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame[schema.DATE] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame[schema.DATE] < pd.Timestamp(end) + pd.Timedelta(days=1)
    if stores:
        mask &= frame[schema.STORE_ID].isin(stores)
    return frame[mask]


def _totals(lines: pd.DataFrame) -> dict[str, float]:
    sales = schema.sales_only(lines)
    if sales[schema.ORDER_ID].notna().any():
        orders = float(sales[schema.ORDER_ID].nunique())
    else:  # basket lists without order ids: a customer's purchases on one day are one order
        orders = float(len(sales[[schema.CUSTOMER_ID, schema.DATE]].assign(
            day=sales[schema.DATE].dt.normalize()).drop_duplicates([schema.CUSTOMER_ID, "day"])))
    revenue = float(sales[schema.REVENUE].sum(min_count=1)) if sales[schema.REVENUE].notna().any() else np.nan
    return {
        "revenue": revenue,
        "units": float(sales[schema.QUANTITY].sum()),
        "orders": orders,
        "customers": float(sales[schema.CUSTOMER_ID].nunique()),
        "aov": revenue / orders if orders else np.nan,
    }


def kpis(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
         stores: list[str] | None = None) -> list[Kpi]:
    """Revenue, units, orders, customers and average order value for [start, end], each with
    its change against the period of the same length just before ``start``."""
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    length = end - start + pd.Timedelta(days=1)
    current = _totals(filter_sales(frame, start, end, stores))
    previous_start = start - length
    has_previous = frame[schema.DATE].min() <= previous_start
    previous = _totals(filter_sales(frame, previous_start, start - pd.Timedelta(days=1), stores))
    labels = [("revenue", "Revenue", "money"), ("units", "Units sold", ""), ("orders", "Orders", ""),
              ("customers", "Customers", ""), ("aov", "Average order value", "money")]
    result = []
    for key, label, unit in labels:
        before = previous[key]
        change = (current[key] / before - 1) if has_previous and before and not np.isnan(before) else None
        result.append(Kpi(label, current[key], change, unit))
    return result


def trend(frame: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """Revenue, units and orders per period, gaps as 0 (periods as in :mod:`retail.frequency`:
    weeks labelled by their Monday, months by their first day)."""
    period = frequency.get(freq)
    sales = schema.sales_only(frame)
    labels = frequency.period_start(sales[schema.DATE], freq).to_numpy()
    result = sales.assign(period=labels).groupby("period").agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"), orders=(schema.ORDER_ID, "nunique"))
    if len(result):
        result = result.reindex(pd.date_range(result.index.min(), result.index.max(), freq=period.offset),
                                fill_value=0)
    return result.rename_axis("period").reset_index()


def product_names(frame: pd.DataFrame) -> pd.Series:
    """The most frequent name of each product id (a code often has several descriptions)."""
    named = frame[[schema.PRODUCT_ID, schema.PRODUCT_NAME]].dropna()
    if named.empty:
        ids = frame[schema.PRODUCT_ID].dropna().unique()
        return pd.Series(ids, index=ids, name=schema.PRODUCT_NAME)
    counts = named.value_counts().reset_index(name="n")
    first = counts.sort_values(["n", schema.PRODUCT_NAME], ascending=[False, True]).drop_duplicates(schema.PRODUCT_ID)
    return first.set_index(schema.PRODUCT_ID)[schema.PRODUCT_NAME]


def top_products(frame: pd.DataFrame, n: int = 10, by: str = "revenue") -> pd.DataFrame:
    """The ``n`` best-selling products by ``revenue`` or ``units``, with their names."""
    sales = schema.sales_only(frame)
    table = sales.groupby(schema.PRODUCT_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"),
        orders=(schema.ORDER_ID, "nunique"), customers=(schema.CUSTOMER_ID, "nunique"))
    table = table.sort_values([by, "units"], ascending=False).head(n).reset_index()
    table.insert(1, "product", table[schema.PRODUCT_ID].map(product_names(sales)).fillna(table[schema.PRODUCT_ID]))
    return table


def top_customers(frame: pd.DataFrame, n: int | None = 10, by: str = "revenue") -> pd.DataFrame:
    """The ``n`` (all when None) best customers by ``revenue`` or ``units``; lines without a
    customer left out."""
    sales = schema.sales_only(frame).dropna(subset=[schema.CUSTOMER_ID])
    table = sales.groupby(schema.CUSTOMER_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"),
        orders=(schema.ORDER_ID, "nunique"), last_purchase=(schema.DATE, "max"))
    table = table.sort_values([by, "units" if by == "revenue" else "revenue"], ascending=False)
    return (table if n is None else table.head(n)).reset_index()


def customer_history(frame: pd.DataFrame, customer: str) -> pd.DataFrame:
    """A customer's purchases (sale lines), newest first, with product names."""
    sales = schema.sales_only(frame)
    lines = sales[sales[schema.CUSTOMER_ID] == customer]
    columns = [schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.QUANTITY, schema.REVENUE, schema.ORDER_ID]
    return lines[columns].sort_values(schema.DATE, ascending=False).reset_index(drop=True)


def by_store(frame: pd.DataFrame) -> pd.DataFrame:
    """Revenue, units and orders per store / country, largest first."""
    sales = schema.sales_only(frame).dropna(subset=[schema.STORE_ID])
    table = sales.groupby(schema.STORE_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"), orders=(schema.ORDER_ID, "nunique"))
    return table.sort_values(["revenue", "units"], ascending=False).reset_index()


def returns_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Returned units and value (positive numbers) in ``frame``."""
    returns = frame[frame[schema.LINE_TYPE] == schema.RETURN]
    return {"lines": float(len(returns)), "units": float(-returns[schema.QUANTITY].clip(upper=0).sum()),
            "value": float(-returns[schema.REVENUE].clip(upper=0).sum())}


@dataclass(frozen=True)
class Summary:
    """Everything the overview shows for one period and store selection."""

    kpis: list[Kpi]
    trend: pd.DataFrame
    products: pd.DataFrame
    customers: pd.DataFrame
    stores: pd.DataFrame
    returns: dict[str, float]


def summarise(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, stores: list[str] | None = None,
              freq: str = "W", by: str = "revenue", top: int = 10) -> Summary:
    """KPIs against the previous period, the trend, top products and customers, stores and returns."""
    selected = filter_sales(frame, start, end, stores)
    return Summary(kpis=kpis(frame, start, end, stores), trend=trend(selected, freq),
                   products=top_products(selected, n=top, by=by), customers=top_customers(selected, n=top, by=by),
                   stores=by_store(selected), returns=returns_summary(selected))
