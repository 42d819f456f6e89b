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
from retail.data import currency, kinds, schema
from retail.formatting import compact, percent, points


@dataclass(frozen=True)
class Kpi:
    """One headline number and its relative change against the previous period (None if unknown)."""

    label: str
    value: float
    change: float | None
    unit: str = ""

    def formatted(self, currency_code: str | None = None) -> str:
        """The tile's text, short enough for a tile: money with the currency, shares as percentages,
        from 10,000 on in thousands or millions ("£79.2k", "1.12M"); :meth:`exact` has every digit."""
        if np.isnan(self.value):
            return "n/a"
        if self.unit == "share":
            return percent(self.value)
        if abs(self.value) >= 1e4:
            return compact(self.value, self._symbol(currency_code))
        if self.unit == "money":
            return currency.money(self.value, currency_code)
        return f"{self.value:,.1f}" if self.unit == "decimal" else f"{self.value:,.0f}"

    def exact(self, currency_code: str | None = None) -> str:
        """The value with every digit (the tile's tooltip)."""
        if np.isnan(self.value) or self.unit == "share":
            return self.formatted(currency_code)
        if self.unit == "money":
            return f"{self._symbol(currency_code)}{self.value:,.2f}"
        return f"{self.value:,.1f}" if self.unit == "decimal" else f"{self.value:,.0f}"

    def _symbol(self, currency_code: str | None) -> str:
        return currency.CURRENCIES[currency_code].symbol if self.unit == "money" and currency_code in \
            currency.CURRENCIES else ""

    def formatted_change(self) -> str | None:
        """The change as a percentage, or for a share in percentage points ("+4.2 points", not "+13.7%")."""
        if self.change is None:
            return None
        if self.unchanged:
            return "no change"
        return points(self.change) if self.unit == "share" else f"{self.change:+.1%}"

    @property
    def unchanged(self) -> bool:
        """True when the change rounds to nothing as shown (45 stores then and now)."""
        return self.change is not None and round(self.change * 1000) == 0  # "+0.0%" or "+0.0 points"


def default_period(first: pd.Timestamp, last: pd.Timestamp, months: int = 3) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period shown first: the last ``months`` months, from a Monday, within the data."""
    back = pd.Timestamp(last).normalize() - pd.DateOffset(months=months)
    return max(pd.Timestamp(first).normalize(), back - pd.Timedelta(days=back.weekday())), pd.Timestamp(last).normalize()


def measures(has: Callable[[str], bool], kind: str = "line_items") -> list[str]:
    """What the overview can sum: revenue when the data has amounts or prices (a basket list has
    neither); units when it has quantities or its rows are items (a store total's row is not a unit)."""
    found = ["revenue"] if has(schema.REVENUE) or has(schema.UNIT_PRICE) else []
    if has(schema.QUANTITY) or kind in ("line_items", "basket_list"):
        found.append("units")
    return found or ["units"]


COMPARISONS: dict[str, str] = {"previous": "the period before", "last_year": "the same period last year"}
TOTALS = ("store_totals", "product_totals")


def measure_label(measure: str, kind: str = "line_items") -> str:
    """What a summed measure is called for ``kind`` of rows, the tiles' word on every chart and table:
    "Sales" for files of sales totals, "Revenue" for order lines; "Items sold" for a basket list."""
    if measure == "revenue":
        return "Sales" if kind in TOTALS else "Revenue"
    return "Items sold" if kind == "basket_list" else "Units sold"


def comparison_note(first_day: pd.Timestamp, selection: Selection) -> str:
    """A sentence when the data does not reach back to the period the tiles compare with (empty otherwise)."""
    earlier = selection.earlier()
    if pd.Timestamp(first_day).normalize() <= earlier.start:
        return ""
    what = COMPARISONS[selection.compare]
    return (f"The data starts on {pd.Timestamp(first_day):%d %b %Y}, so there is nothing to compare with for "
            f"{what} ({earlier.start:%d %b %Y} to {earlier.end:%d %b %Y}): the tiles show no change."
            + (" Compare with the period before instead." if selection.compare == "last_year" else ""))


@dataclass(frozen=True)
class Selection:
    """What the overview looks at: days [start, end], optional stores / categories / products
    (empty: all), what the KPIs compare with (a key of :data:`COMPARISONS`), and whether sales
    cancelled or returned later still count (``gross``; default net)."""

    start: pd.Timestamp
    end: pd.Timestamp
    stores: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    compare: str = "previous"
    gross: bool = False  # count sales that were cancelled or returned later (default: net sales)

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


ORDER = "_order"


def with_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """``lines`` with an ``_order`` key: the order id, or, for a basket list without one, the
    customer and the day (a customer's purchases on one day are one visit)."""
    orders = lines[schema.ORDER_ID].astype(object)
    missing = orders.isna()
    if missing.any():  # only the lines without an order id pay for building the fallback key
        gaps = lines[missing]
        customers = gaps[schema.CUSTOMER_ID].astype(str).where(gaps[schema.CUSTOMER_ID].notna(), "")
        orders = orders.where(~missing, customers + " " + gaps[schema.DATE].dt.normalize().astype(str))
    return lines.assign(**{ORDER: orders})


def _sales(frame: pd.DataFrame, gross: bool = False) -> pd.DataFrame:
    return with_orders(schema.sales_only(frame, gross))


TILES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "line_items": (("revenue", "Revenue", "money"), ("units", "Units sold", ""), ("orders", "Orders", ""),
                   ("customers", "Customers", ""), ("aov", "Average order value", "money")),
    "basket_list": (("units", "Items sold", ""), ("orders", "Baskets", ""), ("customers", "Customers", ""),
                    ("per_order", "Items per basket", "decimal")),
    "product_totals": (("revenue", "Sales", "money"), ("units", "Units sold", ""), ("products", "Products", ""),
                       ("per_product", "Sales per product", "money")),
    "store_totals": (("revenue", "Sales", "money"), ("stores", "Stores", ""),
                     ("per_row", "Sales per store-{period}", "money"), ("promo", "Promotion share", "share")),
}


def promo_column(frame: pd.DataFrame) -> str | None:
    """An extra column that flags promotions (named like ``Promo``), if the file has one."""
    return next((c for c in frame.columns if c not in schema.CANONICAL_COLUMNS and "promo" in c.lower()
                 and pd.api.types.is_numeric_dtype(frame[c])), None)


def _totals(lines: pd.DataFrame, gross: bool = False) -> dict[str, float]:
    sales = _sales(lines, gross)
    orders = float(sales[ORDER].nunique())
    revenue = float(sales[schema.REVENUE].sum(min_count=1)) if sales[schema.REVENUE].notna().any() else np.nan
    products = float(sales[schema.PRODUCT_ID].nunique())
    promo = promo_column(sales)
    return {
        "revenue": revenue, "units": float(sales[schema.QUANTITY].sum()), "orders": orders,
        "customers": float(sales[schema.CUSTOMER_ID].nunique()) if sales[schema.CUSTOMER_ID].notna().any() else np.nan,
        "aov": revenue / orders if orders else np.nan,
        "per_order": float(sales[schema.QUANTITY].sum()) / orders if orders else np.nan,
        "products": products, "per_product": revenue / products if products else np.nan,
        "stores": float(sales[schema.STORE_ID].nunique()),
        "per_row": revenue / len(sales) if len(sales) else np.nan,
        "promo": float((sales[promo] > 0).mean()) if promo and len(sales) else np.nan,
    }


def kpis(frame: pd.DataFrame, selection: Selection, kind: str = "line_items") -> list[Kpi]:
    """The headline tiles that make sense for ``kind`` of rows (:mod:`retail.data.kinds`), each with
    its change against :meth:`Selection.earlier` (None when the data does not reach back that far).
    A tile the data cannot fill (no prices, no customers, no promotion column) is left out."""
    current = _totals(filter_sales(frame, selection), selection.gross)
    earlier = selection.earlier()
    has_earlier = frame[schema.DATE].min() <= earlier.start
    previous = _totals(filter_sales(frame, earlier), selection.gross)
    period = kinds.row_period(frame, kind) if kind in ("store_totals", "product_totals") else "day"
    result = []
    for key, label, unit in TILES[kind]:
        if np.isnan(current[key]):
            continue
        before = previous[key]
        known = has_earlier and before == before and (before or unit == "share")
        change = None if not known else (current[key] - before) if unit == "share" else current[key] / before - 1
        result.append(Kpi(label.format(period=period), current[key], change, unit))
    return result


def trend(frame: pd.DataFrame, freq: str = "W", start: pd.Timestamp | None = None,
          end: pd.Timestamp | None = None, gross: bool = False) -> pd.DataFrame:
    """Revenue, units and orders per period, gaps as 0 (periods as in :mod:`retail.frequency`:
    weeks labelled by their Monday, months by their first day).

    ``complete`` is False for a first or last period that [start, end] (default: the data's
    first and last day) does not cover entirely: a week of three days is not a collapse.
    """
    period = frequency.get(freq)
    sales = _sales(frame, gross)
    labels = frequency.period_start(sales[schema.DATE], freq).to_numpy()
    result = sales.assign(period=labels).groupby("period").agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"), orders=(ORDER, "nunique"))
    if len(result):
        result = result.reindex(pd.date_range(result.index.min(), result.index.max(), freq=period.offset),
                                fill_value=0)
    result = result.rename_axis("period").reset_index()
    first_day = pd.Timestamp(start).normalize() if start is not None else sales[schema.DATE].min().normalize()
    last_day = pd.Timestamp(end).normalize() if end is not None else sales[schema.DATE].max().normalize()
    if len(sales):  # rows that are weekly or monthly totals cover their whole week or month
        covered = frequency.covered_days(sales[schema.DATE])
        first_day, last_day = min(first_day, covered[0]), max(last_day, covered[1])
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


def top_products(frame: pd.DataFrame, n: int | None = 10, by: str = "revenue", gross: bool = False) -> pd.DataFrame:
    """The ``n`` (all when None) best-selling products by ``revenue`` or ``units``, with their names."""
    sales = _sales(frame, gross)
    table = sales.groupby(schema.PRODUCT_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"),
        orders=(ORDER, "nunique"), customers=(schema.CUSTOMER_ID, "nunique"))
    table = table.sort_values([by, "units"], ascending=False)
    table = (table if n is None else table.head(n)).reset_index()
    table.insert(1, "product", table[schema.PRODUCT_ID].map(product_names(sales)).fillna(table[schema.PRODUCT_ID]))
    return table


def top_customers(frame: pd.DataFrame, n: int | None = 10, by: str = "revenue", gross: bool = False) -> pd.DataFrame:
    """The ``n`` (all when None) best customers by ``revenue`` or ``units``; lines without a
    customer left out."""
    sales = _sales(frame, gross).dropna(subset=[schema.CUSTOMER_ID])
    table = sales.groupby(schema.CUSTOMER_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"),
        orders=(ORDER, "nunique"), last_purchase=(schema.DATE, "max"))
    table = table.sort_values([by, "units" if by == "revenue" else "revenue"], ascending=False)
    return (table if n is None else table.head(n)).reset_index()


def customer_history(frame: pd.DataFrame, customer: str) -> pd.DataFrame:
    """A customer's purchases (sale lines), newest first, with product names."""
    sales = schema.sales_only(frame)
    lines = sales[sales[schema.CUSTOMER_ID] == customer]
    columns = [schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.QUANTITY, schema.REVENUE, schema.ORDER_ID]
    history = lines[columns].sort_values(schema.DATE, ascending=False).reset_index(drop=True)
    return history.dropna(axis=1, how="all")  # a basket list has no names, prices or orders to show


def by_store(frame: pd.DataFrame, gross: bool = False) -> pd.DataFrame:
    """Revenue, units and orders per store / country, largest first."""
    sales = _sales(frame, gross).dropna(subset=[schema.STORE_ID])
    table = sales.groupby(schema.STORE_ID).agg(
        revenue=(schema.REVENUE, "sum"), units=(schema.QUANTITY, "sum"), orders=(ORDER, "nunique"))
    return table.sort_values(["revenue", "units"], ascending=False).reset_index()


def returns_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Returned units and value (positive numbers) in ``frame``, and the sales they undid in full
    (``cancelled_lines`` / ``cancelled_value``: out of net sales, in gross sales)."""
    returns = frame[frame[schema.LINE_TYPE] == schema.RETURN]
    cancelled = frame[frame[schema.LINE_TYPE] == schema.CANCELLED]
    return {"lines": float(len(returns)), "units": float(-returns[schema.QUANTITY].clip(upper=0).sum()),
            "value": float(-returns[schema.REVENUE].clip(upper=0).sum()),
            "cancelled_lines": float(len(cancelled)), "cancelled_value": float(cancelled[schema.REVENUE].sum())}


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
              top: int = 10, kind: str = "line_items") -> Summary:
    """KPIs against the earlier period, the trend, top products and customers, stores and returns."""
    selected, gross = filter_sales(frame, selection), selection.gross
    return Summary(kpis=kpis(frame, selection, kind),
                   trend=trend(selected, freq, selection.start, selection.end, gross),
                   products=top_products(selected, n=top, by=by, gross=gross),
                   customers=top_customers(selected, n=top, by=by, gross=gross),
                   stores=by_store(selected, gross), returns=returns_summary(selected))


# Columns that mean nothing for a kind of rows: a store total's "units" count its rows, a basket list has no money.
MEANINGLESS: dict[str, tuple[str, ...]] = {"store_totals": ("units", "orders", "customers"),
                                           "product_totals": ("orders", "customers"), "basket_list": ("revenue",),
                                           "line_items": ()}


def tables_of(summary: Summary, kind: str = "line_items") -> dict[str, pd.DataFrame]:
    """The overview's tables that have rows ("top products", "top customers", "stores", "trend"), each
    without the columns that say nothing for ``kind`` of rows or are empty (no zero revenue columns)."""
    named = {"top products": summary.products, "top customers": summary.customers, "stores": summary.stores,
             "trend": summary.trend.drop(columns=["complete"], errors="ignore")}
    shown = {}
    for name, table in named.items():
        if table.empty:
            continue
        empty = [c for c in table.columns if table[c].dtype.kind in "fiu" and not table[c].fillna(0).any()]
        shown[name] = table.drop(columns=[c for c in table.columns if c in MEANINGLESS.get(kind, ()) or c in empty])
    return shown
