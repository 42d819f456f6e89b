"""Unit costs for margins: a numeric column of the dataset, or an uploaded table (product, cost)."""

from __future__ import annotations

import pandas as pd

from retail.data import schema

COST_WORDS = ("cost", "cogs", "purchase", "einkauf", "coste", "cout", "kosten")


def cost_columns(frame: pd.DataFrame) -> list[str]:
    """Extra numeric columns that look like unit costs (named like "cost"), best guess first."""
    extra = [c for c in frame.columns if c not in schema.CANONICAL_COLUMNS and pd.api.types.is_numeric_dtype(frame[c])]
    return [c for c in extra if any(word in schema.normalise_name(c) for word in COST_WORDS)]


def costs_from_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """Each product's latest unit cost in ``column`` (product code -> cost)."""
    if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
        raise ValueError(f"The cost column {column!r} is not a numeric column of this data; "
                         f"columns that look like costs: {cost_columns(frame) or 'none'}.")
    lines = frame[[schema.PRODUCT_ID, schema.DATE, column]].dropna()
    lines = lines[lines[column] > 0].sort_values(schema.DATE, kind="stable")
    latest = lines.groupby(lines[schema.PRODUCT_ID].astype(str))[column].last()
    if latest.empty:
        raise ValueError(f"The cost column {column!r} has no positive values.")
    return latest.rename("cost")


def costs_from_table(table: pd.DataFrame) -> pd.Series:
    """Product code -> unit cost from a small table: a product column (named like a product code, else
    the first column) and a cost column (named like "cost", else the last numeric column)."""
    names = {schema.normalise_name(c): c for c in table.columns}
    product = next((names[n] for n in schema.SYNONYMS[schema.PRODUCT_ID] if n in names), table.columns[0])
    numeric = [c for c in table.columns if c != product and pd.api.types.is_numeric_dtype(
        pd.to_numeric(table[c], errors="coerce")) and pd.to_numeric(table[c], errors="coerce").notna().any()]
    named = [c for c in numeric if any(word in schema.normalise_name(c) for word in COST_WORDS)]
    if not (named or numeric):
        raise ValueError("The cost table needs two columns: the product code and its unit cost (a number).")
    cost = (named or numeric)[-1] if not named else named[0]
    values = pd.to_numeric(table[cost], errors="coerce")
    keys = table[product].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    out = pd.Series(values.to_numpy(), index=keys.to_numpy(), name="cost").dropna()
    return out[out > 0].groupby(level=0).last()
