"""Customers' purchase histories: one row per customer and day, and what is known at a date.

A *purchase* is a day on which the customer bought something (net sale lines, see
:func:`retail.data.schema.sales_only`): the unit the models count and the evaluation scores,
because an order id is not always there (a basket list keys orders by customer and day) and
two invoices on one day are one visit. *Money* is what the customer paid and kept: sale lines,
including sales cancelled later, minus every return (a returned sale cancels out, a partial
return reduces the total). *Orders* are distinct order ids (customer x day without one).

Everything is computed "as of" a date: only lines strictly before it count, so a score at
``as_of`` can never see a purchase made on or after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.analytics.overview import ORDER, with_orders
from retail.data import kinds, schema

CUSTOMER = schema.CUSTOMER_ID
DAY = "day"
MONEY_TYPES = (schema.SALE, schema.CANCELLED, schema.RETURN)
RECENT_WINDOWS = (30, 90, 180, 365)  # days: the "purchases in the last N days" features


def why_not(kind: str, has_customers: bool, command_line: bool = False) -> str | None:
    """Why customer analytics cannot run on a dataset (None when it can), and what to do about it."""
    if kind in ("store_totals", "product_totals"):
        label = kinds.KINDS[kind].label
        return (f"Customer analytics needs a customer column, and this dataset holds {label}: no customers, no "
                "orders. Upload a till or web-shop export with a customer (member, loyalty) number.")
    if not has_customers:
        where = "with --map customer_id=COLUMN" if command_line else "on the Data page"
        return ("Customer analytics needs a customer column (customer, member or loyalty number), and this dataset "
                f"has none. If the file has one, map it {where}.")
    return None


@dataclass(frozen=True)
class History:
    """Per customer and day: ``purchased`` (a net sale that day), ``orders``, ``sales`` (net sale
    value), ``money`` (sales less returns, see the module) and ``units``; sorted by customer and day.

    ``has_money`` is False for data without prices or amounts (then money-based figures are NaN).
    """

    days: pd.DataFrame
    has_money: bool
    first_day: pd.Timestamp
    last_day: pd.Timestamp

    def before(self, as_of: pd.Timestamp) -> History:
        """The history known on ``as_of`` (days strictly before it)."""
        as_of = pd.Timestamp(as_of).normalize()
        return History(self.days[self.days[DAY] < as_of], self.has_money, self.first_day,
                       min(self.last_day, as_of - pd.Timedelta(days=1)))

    def window(self, start: pd.Timestamp, days: int) -> pd.DataFrame:
        """Purchase days in [start, start + days)."""
        start = pd.Timestamp(start).normalize()
        chosen = self.days[(self.days[DAY] >= start) & (self.days[DAY] < start + pd.Timedelta(days=days))]
        return chosen[chosen["purchased"]]

    @property
    def customers(self) -> np.ndarray:
        return self.days.loc[self.days["purchased"], CUSTOMER].unique()


def build_history(frame: pd.DataFrame) -> History:
    """The customer x day table of a canonical frame (lines without a customer are left out).

    Raises
    ------
    ValueError
        No line has a customer id, or no customer ever bought anything.
    """
    lines = frame[frame[CUSTOMER].notna() & frame[schema.LINE_TYPE].isin(MONEY_TYPES)]
    if lines.empty:
        raise ValueError("Customer analytics needs a customer column (customer, member or loyalty number); no "
                         "sale line of this dataset has one.")
    lines = lines.assign(**{CUSTOMER: lines[CUSTOMER].astype(str), DAY: lines[schema.DATE].dt.normalize()})
    sale = (lines[schema.LINE_TYPE] == schema.SALE).to_numpy()
    revenue = lines[schema.REVENUE].astype(np.float64)
    has_money = bool(revenue[sale].notna().any())
    per_line = pd.DataFrame({
        CUSTOMER: lines[CUSTOMER].to_numpy(), DAY: lines[DAY].to_numpy(), "purchased": sale,
        "sales": np.where(sale, revenue.fillna(0.0), 0.0), "money": revenue.fillna(0.0).to_numpy(),
        "units": np.where(sale, lines[schema.QUANTITY].fillna(1.0), 0.0),
    })
    days = per_line.groupby([CUSTOMER, DAY], sort=True).agg(
        purchased=("purchased", "any"), sales=("sales", "sum"), money=("money", "sum"), units=("units", "sum"))
    orders = with_orders(lines[sale]).groupby([CUSTOMER, DAY])[ORDER].nunique()
    days["orders"] = orders.reindex(days.index).fillna(0).astype(np.int64)
    days = days.reset_index()
    if not days["purchased"].any():
        raise ValueError("No customer bought anything: the dataset has no sale lines with a customer id.")
    return History(days, has_money, days[DAY].min(), days[DAY].max())


def default_as_of(history: History) -> pd.Timestamp:
    """The day after the last purchase day: "now" for scoring the future."""
    return history.last_day + pd.Timedelta(days=1)


def summary(history: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """RFM and repeat-buying figures per customer with a purchase before ``as_of``.

    Columns: ``recency_days`` (since the last purchase), ``orders``, ``purchase_days``, ``monetary``
    (money kept, returns deducted), ``tenure_days`` (since the first purchase), ``average_order_value``,
    ``first_purchase``, ``last_purchase`` and the BG/NBD summary ``repeat_purchases`` (purchase days
    after the first), ``active_span_days`` (first to last purchase) - indexed by customer id.
    """
    as_of = pd.Timestamp(as_of).normalize()
    known = history.before(as_of).days
    bought = known[known["purchased"]]
    if bought.empty:
        raise ValueError(f"No customer bought anything before {as_of:%d %b %Y}; choose a later date.")
    per = bought.groupby(CUSTOMER).agg(first_purchase=(DAY, "min"), last_purchase=(DAY, "max"),
                                       purchase_days=(DAY, "size"), orders=("orders", "sum"))
    money = known.groupby(CUSTOMER)["money"].sum().reindex(per.index)
    table = pd.DataFrame({
        "recency_days": (as_of - per["last_purchase"]).dt.days,
        "orders": per["orders"].clip(lower=1),
        "purchase_days": per["purchase_days"],
        "monetary": money if history.has_money else np.nan,
        "tenure_days": (as_of - per["first_purchase"]).dt.days,
        "first_purchase": per["first_purchase"], "last_purchase": per["last_purchase"],
        "repeat_purchases": per["purchase_days"] - 1,
        "active_span_days": (per["last_purchase"] - per["first_purchase"]).dt.days,
    })
    table.insert(4, "average_order_value", table["monetary"] / table["orders"])
    return table.rename_axis(CUSTOMER)


def features(history: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """Numeric features per customer at ``as_of`` for the learned models (RFM and recent activity).

    Recent windows count purchase days and sales in the last 30, 90, 180 and 365 days;
    ``active_months`` is the share of the last twelve 30-day periods with a purchase (regularity);
    the value features are logs (spend is heavy-tailed: wholesalers beside households).
    """
    as_of = pd.Timestamp(as_of).normalize()
    base = summary(history, as_of)
    bought = history.before(as_of).days
    bought = bought[bought["purchased"]]
    age = (as_of - bought[DAY]).dt.days.to_numpy()
    out = pd.DataFrame(index=base.index)
    out["recency_days"] = base["recency_days"]
    out["tenure_days"] = base["tenure_days"]
    out["purchase_days"] = base["purchase_days"]
    out["orders"] = base["orders"]
    out["active_span_days"] = base["active_span_days"]
    out["days_per_purchase"] = base["tenure_days"] / base["purchase_days"]
    gaps = base["active_span_days"] / base["repeat_purchases"].where(base["repeat_purchases"] > 0)
    out["overdue"] = base["recency_days"] / gaps  # > 1: later than the customer's usual gap (NaN: one purchase)
    for window in RECENT_WINDOWS:
        recent = bought[age <= window]
        out[f"purchase_days_{window}"] = recent.groupby(CUSTOMER).size().reindex(out.index).fillna(0)
        out[f"log_sales_{window}"] = np.log1p(recent.groupby(CUSTOMER)["sales"].sum().reindex(out.index)
                                              .fillna(0).clip(lower=0))
    sales = bought.groupby(CUSTOMER)["sales"].sum().reindex(out.index).clip(lower=0)
    out["log_sales"] = np.log1p(sales)
    out["log_average_day_value"] = np.log1p(sales / base["purchase_days"])
    out["log_monetary"] = np.log1p(base["monetary"].clip(lower=0)) if history.has_money else 0.0
    out["log_units"] = np.log1p(bought.groupby(CUSTOMER)["units"].sum().reindex(out.index).clip(lower=0))
    months = pd.Series(age // 30, index=bought.index)
    recent_months = months[months < 12].groupby(bought[CUSTOMER]).nunique()
    out["active_months"] = recent_months.reindex(out.index).fillna(0) / 12.0  # regularity: months with a purchase
    return out.astype(np.float64).fillna({"overdue": -1.0}).fillna(0.0)


def outcome(history: History, customers: pd.Index, start: pd.Timestamp, days: int) -> pd.DataFrame:
    """What each customer did in [start, start + days): ``purchases`` (purchase days), ``bought``
    (at least one) and ``spend`` (net sale value); zeros for customers who did nothing."""
    window = history.window(start, days)
    window = window[window[CUSTOMER].isin(customers)]
    grouped = window.groupby(CUSTOMER)
    purchases = grouped.size().reindex(customers).fillna(0).astype(np.int64)
    spend = grouped["sales"].sum().reindex(customers).fillna(0.0)
    return pd.DataFrame({"purchases": purchases, "bought": purchases > 0, "spend": spend}, index=customers)
