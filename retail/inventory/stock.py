"""The stock file (on hand, on order, unit cost) and per-item ordering terms, mapped like sales files.

One table serves both: a row per product (or product and store, or store) with any of the
columns below, named the way people write them (``On hand``, ``SOH``, ``Qty on order``,
``Cost price``, ``Lead time``, ``Case pack``, ``MOQ`` ...). A column that is absent keeps the
run's value for every item; an empty cell keeps it for that item. Ids are cleaned exactly as the
sales import cleans them (``12345.0`` is ``12345``), so the codes of both files meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from retail.analytics.aggregate import LEVELS, SERIES_ID
from retail.data import schema
from retail.data.cleaning import clean_text
from retail.data.numeric import parse_numbers
from retail.data.readers import read_table
from retail.data.settings import DEFAULT_MISSING_VALUES
from retail.inventory.registry import TERMS

ON_HAND, ON_ORDER, UNIT_COST = "on_hand", "on_order", "unit_cost"
STOCK_FIELDS: tuple[str, ...] = (ON_HAND, ON_ORDER, UNIT_COST)
TABLE_FIELDS: tuple[str, ...] = STOCK_FIELDS + tuple(param.name for param in TERMS if param.kind is not str)
FIELD_LABELS: dict[str, str] = {ON_HAND: "on hand", ON_ORDER: "on order", UNIT_COST: "unit cost"} | {
    param.name: param.label for param in TERMS}
# Normalised names (lower case, letters and digits only): exact matches first, then contained ones.
SYNONYMS: dict[str, tuple[str, ...]] = {
    ON_HAND: ("onhand", "stockonhand", "soh", "qtyonhand", "quantityonhand", "onhandqty", "instock", "stock",
              "stocklevel", "inventory", "available", "availableqty", "freestock", "bestand", "lagerbestand",
              "existencias", "stockdisponible"),
    ON_ORDER: ("onorder", "qtyonorder", "quantityonorder", "onorderqty", "ordered", "openorders", "openorder",
               "intransit", "incoming", "inbound", "pipeline", "bestellt", "enpedido"),
    UNIT_COST: ("unitcost", "cost", "costprice", "purchaseprice", "buyprice", "landedcost", "costeach",
                "einkaufspreis", "ek", "coste", "prixachat"),
    "service_level": ("servicelevel", "targetservice", "service", "csl", "fillrate"),
    "review_days": ("reviewdays", "reviewperiod", "review", "orderevery", "orderfrequency", "orderdays"),
    "lead_days": ("leaddays", "leadtime", "leadtimedays", "lead", "deliverydays", "lieferzeit"),
    "lead_days_sd": ("leaddayssd", "leadtimesd", "leadtimestd", "leadsd", "leadtimevariability"),
    "pack_size": ("packsize", "pack", "casepack", "casesize", "caseqty", "innerpack", "ordermultiple", "vpe"),
    "min_order": ("minorder", "moq", "minimumorder", "minorderqty", "minimumorderquantity", "minqty"),
}


@dataclass
class StockTable:
    """Per item: the mapped numbers (NaN where the file says nothing), and how they were read."""

    values: pd.DataFrame  # index series_id, columns among TABLE_FIELDS
    mapping: dict[str, str]  # field -> source column (product / store keys included)
    rows: int = 0
    unmatched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        columns = ", ".join(f"{FIELD_LABELS.get(k, schema.FIELD_LABELS.get(k, k))} = '{v}'"
                            for k, v in self.mapping.items())
        text = f"{len(self.values):,} items from {self.rows:,} rows ({columns})"
        if self.unmatched:
            text += (f"; {len(self.unmatched):,} codes are not among the planned items "
                     f"(e.g. {', '.join(self.unmatched[:3])})")
        return text + "."


def infer_stock_mapping(frame: pd.DataFrame) -> dict[str, str]:
    """Field -> column for the stock fields and terms (by name), then product / store / name."""
    normalised = {column: schema.normalise_name(column) for column in frame.columns}
    mapping: dict[str, str] = {}
    for exact in (True, False):
        for name, synonyms in SYNONYMS.items():
            if name in mapping:
                continue
            taken = set(mapping.values())
            found = [column for synonym in synonyms for column, norm in normalised.items()
                     if column not in taken and (norm == synonym if exact else len(synonym) > 3 and synonym in norm)]
            if found:
                mapping[name] = found[0]
    rest = frame.drop(columns=list(mapping.values()))
    keys = schema.infer_mapping(rest).to_dict()
    return {k: keys[k] for k in (schema.PRODUCT_ID, schema.STORE_ID, schema.PRODUCT_NAME) if k in keys} | mapping


def _with_overrides(frame: pd.DataFrame, mapping: dict[str, str], overrides: dict[str, str | None]) -> dict[str, str]:
    known = set(TABLE_FIELDS) | {schema.PRODUCT_ID, schema.STORE_ID, schema.PRODUCT_NAME}
    for name, column in overrides.items():
        if name not in known:
            raise ValueError(f"the stock file has no field {name!r}; fields are {', '.join(sorted(known))}.")
        if column and column not in frame.columns:
            raise ValueError(f"the stock file has no column {column!r}; its columns are "
                             f"{', '.join(map(str, frame.columns[:12]))}.")
    kept = {k: v for k, v in mapping.items() if k not in overrides and v not in overrides.values()}
    return kept | {k: v for k, v in overrides.items() if v}


def item_keys(frame: pd.DataFrame, mapping: dict[str, str], level: str) -> pd.Series:
    """The planned item id of each row, built like :func:`retail.analytics.aggregate.build_panel`'s."""
    needed = LEVELS[level].keys
    if schema.PRODUCT_ID not in mapping and schema.PRODUCT_NAME in mapping:
        mapping[schema.PRODUCT_ID] = mapping.pop(schema.PRODUCT_NAME)
    missing = [key for key in needed if key not in mapping]
    if missing:
        words = " and ".join(schema.FIELD_LABELS[key] for key in missing)
        raise ValueError(f"the stock file has no {words} column: name it like the sales file does (for example "
                         f"'{'SKU' if schema.PRODUCT_ID in missing else 'Store'}') or map it.")
    parts = [clean_text(frame[mapping[key]], DEFAULT_MISSING_VALUES, is_id=True).values.astype(object)
             for key in needed]
    ids = pd.Series(parts[0], index=frame.index, dtype=object)
    for part in parts[1:]:
        ids = ids + " | " + pd.Series(part, index=frame.index, dtype=object).fillna("(none)")
    return ids


def read_stock(source: str | Path | bytes, ids: np.ndarray, level: str = "product", name: str | None = None,
               overrides: dict[str, str | None] | None = None) -> StockTable:
    """Read a stock / item-terms file and keep its rows for the planned items ``ids``.

    Rows of one item are added up (on hand, on order) or averaged (cost and terms).

    Raises
    ------
    ValueError
        No product (or store) column, no number column, or no row matches a planned item.
    """
    raw = read_table(source, name)
    mapping = _with_overrides(raw.frame, infer_stock_mapping(raw.frame), overrides or {})
    keys = item_keys(raw.frame, mapping, level)
    fields = [field_name for field_name in TABLE_FIELDS if field_name in mapping]
    if not fields:
        raise ValueError("the stock file has no on-hand, on-order, cost or ordering-terms column (e.g. 'On hand', "
                         "'On order', 'Unit cost', 'Lead time', 'Pack size'); name one like that or map it.")
    numbers = pd.DataFrame({field_name: parse_numbers(raw.frame[mapping[field_name]], raw.decimal_comma)[0]
                            for field_name in fields}, index=raw.frame.index)
    numbers[SERIES_ID] = keys
    numbers = numbers[numbers[SERIES_ID].notna()]
    sums = {field_name: "sum" if field_name in (ON_HAND, ON_ORDER) else "mean" for field_name in fields}
    values = numbers.groupby(SERIES_ID, sort=False).agg(sums)
    planned = set(map(str, ids))
    matched = values.index.isin(planned)
    if not matched.any():
        seen = ", ".join(map(str, values.index[:3])) or "none"
        raise ValueError(f"the stock file matches none of the {len(planned):,} planned items (its codes: {seen}; "
                         f"planned: {', '.join(list(map(str, ids))[:3])}): check its product column.")
    return StockTable(values[matched], mapping, rows=len(raw.frame), unmatched=list(map(str, values.index[~matched])))


def editable_table(ids: np.ndarray, names: dict[str, str], stock: StockTable | None = None) -> pd.DataFrame:
    """One row per item for a table editor: its name and every overridable column (empty: the run's value),
    filled from the stock file where it gives one."""
    table = pd.DataFrame(np.nan, index=pd.Index(list(map(str, ids)), name=SERIES_ID), columns=list(TABLE_FIELDS))
    if stock is not None:
        given = stock.values.reindex(table.index)
        for column in given.columns:
            table[column] = given[column].to_numpy(dtype=float)
    table.insert(0, "name", [names.get(item, item) for item in table.index])
    return table


def table_from_editor(edited: pd.DataFrame, mapping: dict[str, str] | None = None) -> StockTable | None:
    """The per-item values a user left in the editor (None when every cell is empty)."""
    values = edited.drop(columns=["name"], errors="ignore").apply(pd.to_numeric, errors="coerce")
    values = values.dropna(how="all")
    values = values.loc[:, values.notna().any()]
    return StockTable(values, dict(mapping or {}), rows=len(values)) if len(values) else None
