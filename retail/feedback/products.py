"""What is said about each product and product class, and the products whose complaints rise while
their sales fall (messages joined with a sales dataset on the product code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema

UNHAPPY_AT = 0.5  # a message counts as unhappy from this probability on


def _top_topics(scored: pd.DataFrame, key: str, n: int = 2) -> pd.Series:
    named = scored[scored["topic"] >= 0]
    counts = named.groupby([key, "topic_name"]).size().rename("n").reset_index()
    counts = counts.sort_values([key, "n", "topic_name"], ascending=[True, False, True])
    return counts.groupby(key)["topic_name"].agg(lambda names: ", ".join(names.head(n)))


def summary_by(scored: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per product (``key`` = product_id) or class (category): messages, average rating,
    share of unhappy messages and their top topics; most unhappy messages first."""
    present = scored[scored[key].notna()]
    if present.empty:
        return pd.DataFrame(columns=[key, "messages", "average_rating", "unhappy_share", "unhappy_messages",
                                     "top_topics"])
    unhappy = present["unhappy_probability"] >= UNHAPPY_AT
    table = present.assign(unhappy=unhappy).groupby(key).agg(
        messages=("unhappy", "size"), average_rating=(schema.RATING, "mean"), unhappy_share=("unhappy", "mean"),
        unhappy_messages=("unhappy", "sum"))
    table["top_topics"] = _top_topics(present, key).reindex(table.index).fillna("")
    if key == schema.PRODUCT_ID and schema.PRODUCT_NAME in present:
        names = present.dropna(subset=[schema.PRODUCT_NAME]).drop_duplicates(key).set_index(key)[schema.PRODUCT_NAME]
        table.insert(0, schema.PRODUCT_NAME, names.reindex(table.index))
    table = table.sort_values(["unhappy_messages", "messages"], ascending=False).reset_index()
    return table.astype({"unhappy_messages": int, "messages": int})


def complaints_vs_sales(scored: pd.DataFrame, sales: pd.DataFrame, window_days: int = 28) -> pd.DataFrame:
    """Per product sold and talked about: unhappy messages and units sold in the latest ``window_days``
    against the window before; ``flagged`` where complaints rose and sales fell.

    Windows end at the later of the last message and the last sale, so both sides are compared
    over the same days.
    """
    columns = [schema.PRODUCT_ID, "complaints_before", "complaints_recent", "units_before", "units_recent",
               "units_change", "flagged"]
    dated = scored[scored[schema.DATE].notna() & scored[schema.PRODUCT_ID].notna()]
    sold = schema.sales_only(sales)
    if dated.empty or sold.empty:
        return pd.DataFrame(columns=columns)
    end = max(dated[schema.DATE].max(), sold[schema.DATE].max()).normalize() + pd.Timedelta(days=1)
    edges = [end - pd.Timedelta(days=2 * window_days), end - pd.Timedelta(days=window_days), end]
    complaints = dated[dated["unhappy_probability"] >= UNHAPPY_AT]
    both = {"complaints": _by_window(complaints, edges, None), "units": _by_window(sold, edges, schema.QUANTITY)}
    table = pd.concat([frame.add_prefix(f"{name}_") for name, frame in both.items()], axis=1)
    table = table[table.index.isin(set(dated[schema.PRODUCT_ID].astype(str)) & set(sold[schema.PRODUCT_ID].astype(str)))]
    table = table.fillna(0.0)
    table["units_change"] = np.where(table["units_before"] > 0,
                                     table["units_recent"] / table["units_before"].where(table["units_before"] > 0) - 1,
                                     np.nan)
    table["flagged"] = (table["complaints_recent"] > table["complaints_before"]) & (
        table["units_recent"] < table["units_before"])
    table = table.rename_axis(schema.PRODUCT_ID).reset_index()
    return table[columns].sort_values(["flagged", "complaints_recent"], ascending=False).reset_index(drop=True)


def _by_window(frame: pd.DataFrame, edges: list[pd.Timestamp], measure: str | None) -> pd.DataFrame:
    """Count (or sum ``measure``) per product in the windows [edges[0], edges[1]) and [edges[1], edges[2])."""
    window = pd.cut(frame[schema.DATE], edges, right=False, labels=["before", "recent"])
    values = frame[measure] if measure else pd.Series(1.0, index=frame.index)
    grouped = values.groupby([frame[schema.PRODUCT_ID].astype(str), window], observed=False).sum()
    return grouped.unstack(fill_value=0.0).reindex(columns=["before", "recent"], fill_value=0.0)
