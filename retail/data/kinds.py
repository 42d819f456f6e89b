"""What a row of a file means, decided once from the mapping and the data.

* ``line_items``: one line of an order or receipt (a product bought, with a quantity or price);
* ``basket_list``: one item in a basket, with neither quantity nor price (each row is one unit);
* ``product_totals``: one product's sales total for a day or week (no orders, no customers);
* ``store_totals``: one store's sales total for a day or week (no products);
* ``messages``: one customer review or service message (:mod:`retail.data.messages`).

Every page and the command line read it: the Overview picks its tiles, the Forecast page its
default level and target, and Recommendations say what they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.data import schema

TOTALS_UNIQUE_SHARE = 0.95  # rows unique per key x day: a totals file, not a scan log


@dataclass(frozen=True)
class FileKind:
    name: str
    label: str
    row: str  # "one row = ..." (completed with the period for totals)


KINDS: dict[str, FileKind] = {kind.name: kind for kind in (
    FileKind("line_items", "order lines", "one line of an order or receipt: a product, its quantity and price"),
    FileKind("basket_list", "basket list", "one item in a basket (no quantities or prices: each row is one unit)"),
    FileKind("product_totals", "sales totals per product", "one product's sales total for one {period}"),
    FileKind("store_totals", "sales totals per store", "one store's sales total for one {period}"),
    FileKind("messages", "customer messages", "one customer review or service message"),
)}


def detect(frame: pd.DataFrame, mapping: Mapping[str, str]) -> str:
    """The kind of rows (a key of :data:`KINDS`) of canonical ``frame`` read with ``mapping``."""

    def has(field: str) -> bool:
        return schema.mapping_has(mapping, field)

    kind = _by_fields(has)
    if kind == "line_items" and not has(schema.ORDER_ID) and not has(schema.CUSTOMER_ID) and _unique_per_day(frame):
        return "product_totals"
    return kind


def _by_fields(has: Callable[[str], bool]) -> str:
    if has(schema.TEXT):
        return "messages"
    if not has(schema.PRODUCT_ID):
        return "store_totals"
    if not (has(schema.QUANTITY) or has(schema.UNIT_PRICE) or has(schema.REVENUE)):
        return "basket_list"
    return "line_items"


def _unique_per_day(frame: pd.DataFrame) -> bool:
    keys = [schema.PRODUCT_ID] + ([schema.STORE_ID] if frame[schema.STORE_ID].notna().any() else [])
    rows = frame[keys].assign(day=frame[schema.DATE].dt.normalize())
    return len(rows) > 0 and 1 - rows.duplicated().mean() >= TOTALS_UNIQUE_SHARE


def row_period(frame: pd.DataFrame, kind: str) -> str:
    """'day', 'week' or 'month': the usual gap between one store's (or product's) dated rows."""
    key = schema.STORE_ID if kind == "store_totals" else schema.PRODUCT_ID
    dated = frame[[key, schema.DATE]].dropna().drop_duplicates().sort_values([key, schema.DATE])
    gaps = dated.groupby(key)[schema.DATE].diff().dropna().dt.days
    typical = float(np.median(gaps)) if len(gaps) else 1.0
    return "day" if typical < 4 else "week" if typical < 20 else "month"


def describe(frame: pd.DataFrame, kind: str) -> str:
    """The report's sentence, e.g. "Sales totals per store: one row = one store's sales total for one week"."""
    file_kind = KINDS[kind]
    row = file_kind.row.format(period=row_period(frame, kind)) if "{period}" in file_kind.row else file_kind.row
    return f"{file_kind.label[:1].upper()}{file_kind.label[1:]}: one row = {row}."


def kind_of(has: Callable[[str], bool], stored: str | None) -> str:
    """The stored kind of a dataset, or (saved before kinds existed) what its fields say."""
    return stored if stored in KINDS else _by_fields(has)
