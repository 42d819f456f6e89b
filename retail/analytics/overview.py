"""Sales overview: KPIs against an earlier period, trends and top lists, for one selection.

All figures are over sale lines (``line_type == 'sale'``); returns are reported separately.
A :class:`Selection` says which days, stores, categories and products count and what the
KPIs compare with: the period of the same length just before, or the same days a year
earlier (52 weeks back, so weekdays line up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

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


COMPARISONS: dict[str, str] = {"previous": "the period before", "last_year": "the same period last year"}


@dataclass(frozen=True)
class Selection:
    """What the overview looks at: days [start, end], optional stores / categories / products
    (empty: all), and what the KPIs compare with (a key of :data:`COMPARISONS`)."""

    start: pd.Timestamp
    end: pd.Timestamp
    stores: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    compare: str = "previous"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())
        object.__setattr__(self, "end", pd.Timestamp(self.end).normalize())
        if self.end < self.start:
            raise ValueError(f"The period ends ({self.end:%d %b %Y}) before it starts ({self.start:%d %b %Y}).")
        if self.compare not in COMPARISONS:
            raise ValueError(f"compare must be one of {list(COMPARISONS)}, got {self.compare!r}.")

    def earlier(self) -> Selection:
        """The period the KPIs compare with, with the same stores, categories and products."""
        if self.compare == "last_year":
            shift = pd.Timedelta(weeks=52)
            return replace(self, start=self.start - shift, end=self.end - shift)
        length = self.end - self.start + pd.Timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - pd.Timedelta(days=1))


def filter_sales(frame: pd.DataFrame, selection: Selection | None = None) -> pd.DataFrame:
    """Lines of ``selection``'s days (whole days), stores, categories and products."""
    if selection is None:
        return frame
    dates = frame[schema.DATE]
    mask = (dates >= selection.start) & (dates < selection.end + pd.Timedelta(days=1))
    for column, chosen in ((schema.STORE_ID, selection.stores), (schema.CATEGORY, selection.categories),
                           (schema.PRODUCT_ID, selection.products)):
        if chosen:
            mask &= frame[column].isin(chosen)
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


def kpis(frame: pd.DataFrame, selection: Selection) -> list[Kpi]:
    """Revenue, units, orders, customers and average order value of ``selection``, each with its
    change against :meth:`Selection.earlier` (None when the data does not reach back that far)."""
    current = _totals(filter_sales(frame, selection))
    earlier = selection.earlier()
    has_earlier = frame[schema.DATE].min() <= earlier.start
    previous = _totals(filter_sales(frame, earlier))
    labels = [("revenue", "Revenue", "money"), ("units", "Units sold", ""), ("orders", "Orders", ""),
              ("customers", "Customers", ""), ("aov", "Average order value", "money")]
    result = []
    for key, label, unit in labels:
        before = previous[key]
        change = (current[key] / before - 1) if has_earlier and before and not np.isnan(before) else None
        result.append(Kpi(label, current[key], change, unit))
    return result


def trend(frame: pd.DataFrame, freq: str = "W", start: pd.Timestamp | None = None,
          end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Revenue, units and orders per period, gaps as 0 (periods as in :mod:`retail.frequency`:
    weeks labelled by their Monday, months by their first day).

    ``complete`` is False for a first or last period that [start, end] (default: the data's
    first and last day) does not cover entirely: a week of three days is not a collapse.
    """
    period = frequency.get(freq)
    sales = schema.sales_only(frame)
    labels = frequency.period_start(sales[schema.DATE], freq).to_numpy()
    result = sales.assign(period=labels).groupby("period").agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"), orders=(schema.ORDER_ID, "nunique"))
    if len(result):
        result = result.reindex(pd.date_range(result.index.min(), result.index.max(), freq=period.offset),
                                fill_value=0)
    result = result.rename_axis("period").reset_index()
    first_day = pd.Timestamp(start).normalize() if start is not None else sales[schema.DATE].min().normalize()
    last_day = pd.Timestamp(end).normalize() if end is not None else sales[schema.DATE].max().normalize()
    ends = result["period"] + period.offset - pd.Timedelta(days=1)
    return result.assign(complete=(result["period"] >= first_day) & (ends <= last_day))


def incomplete_note(trend_table: pd.DataFrame, freq: str) -> str:
    """One sentence naming the partly covered periods of a trend (empty when there is none)."""
    period = frequency.get(freq)
    partial = trend_table.loc[~trend_table["complete"], "period"]
    if partial.empty or len(trend_table) == 0:
        return ""
    names = [f"the {'first' if label == trend_table['period'].iat[0] else 'last'} {period.period} "
             f"({label:%d %b %Y})" for label in partial]
    text = " and ".join(names)
    return (text[:1].upper() + text[1:] + f" {'is' if len(names) == 1 else 'are'} only partly in the period, "
            "so lower totals there are not a drop in sales (shown dashed).")


def product_names(frame: pd.DataFrame) -> pd.Series:
    """The most frequent name of each product id (a code often has several descriptions)."""
    named = frame[[schema.PRODUCT_ID, schema.PRODUCT_NAME]].dropna()
    if named.empty:
        ids = frame[schema.PRODUCT_ID].dropna().unique()
        return pd.Series(ids, index=ids, name=schema.PRODUCT_NAME)
    counts = named.value_counts().reset_index(name="n")
    first = counts.sort_values(["n", schema.PRODUCT_NAME], ascending=[False, True]).drop_duplicates(schema.PRODUCT_ID)
    return first.set_index(schema.PRODUCT_ID)[schema.PRODUCT_NAME]


def top_products(frame: pd.DataFrame, n: int | None = 10, by: str = "revenue") -> pd.DataFrame:
    """The ``n`` (all when None) best-selling products by ``revenue`` or ``units``, with their names."""
    sales = schema.sales_only(frame)
    table = sales.groupby(schema.PRODUCT_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"),
        orders=(schema.ORDER_ID, "nunique"), customers=(schema.CUSTOMER_ID, "nunique"))
    table = table.sort_values([by, "units"], ascending=False)
    table = (table if n is None else table.head(n)).reset_index()
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


def summarise(frame: pd.DataFrame, selection: Selection, freq: str = "W", by: str = "revenue",
              top: int = 10) -> Summary:
    """KPIs against the earlier period, the trend, top products and customers, stores and returns."""
    selected = filter_sales(frame, selection)
    return Summary(kpis=kpis(frame, selection), trend=trend(selected, freq, selection.start, selection.end),
                   products=top_products(selected, n=top, by=by), customers=top_customers(selected, n=top, by=by),
                   stores=by_store(selected), returns=returns_summary(selected))
