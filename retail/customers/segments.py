"""RFM scores and named segments, their sizes and revenue, and how customers moved between them.

Scores are quantiles among the customers of the date: 5 for the best fifth (most recent, most
orders, most money), 1 for the worst. Equal values get equal scores (the lowest score of their
group), so two customers with one order each are never told apart by chance. Segments come from
the rule table :data:`~retail.customers.registry.SEGMENTS` (recency and frequency scores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.customers.history import History, summary
from retail.customers.registry import SEGMENT_LABELS, SEGMENTS

SCORES = 5
NEW_SINCE = "(not a customer yet)"


def quantile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1..5 by quantile: ``1 + floor(5 x (rank - 1) / n)`` with the lowest rank for ties."""
    if values.empty:
        return values.astype(np.int64)
    ranks = (values if higher_is_better else -values).rank(method="min", na_option="bottom")
    return (1 + np.floor(SCORES * (ranks - 1) / len(values))).astype(np.int64)


def segment_of(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """The first matching rule's name for each (recency score, frequency score) pair."""
    names = np.empty(len(recency), dtype=object)
    lookup = {(r, f): next(rule.name for rule in SEGMENTS if rule.matches(r, f))
              for r in range(1, SCORES + 1) for f in range(1, SCORES + 1)}
    for i, pair in enumerate(zip(recency, frequency, strict=True)):
        names[i] = lookup[(int(pair[0]), int(pair[1]))]
    return names


def rfm(history: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """The summary of :func:`~retail.customers.history.summary` with ``r_score``, ``f_score``,
    ``m_score``, ``rfm_score`` (e.g. "545") and ``segment`` (a rule name)."""
    table = summary(history, as_of)
    table["r_score"] = quantile_scores(table["recency_days"], higher_is_better=False)
    table["f_score"] = quantile_scores(table["orders"])
    money = table["monetary"] if history.has_money else table["purchase_days"]
    table["m_score"] = quantile_scores(money)
    table["rfm_score"] = (table["r_score"].astype(str) + table["f_score"].astype(str) + table["m_score"].astype(str))
    table["segment"] = segment_of(table["r_score"].to_numpy(), table["f_score"].to_numpy())
    return table


def overview(current: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per segment (rule-table order): customers, revenue and its share, average recency,
    and the change in customers against ``previous`` (the RFM table of an earlier date)."""
    money = current["monetary"].fillna(0.0)
    grouped = current.assign(monetary=money).groupby("segment")
    table = pd.DataFrame({
        "customers": grouped.size(), "revenue": grouped["monetary"].sum(),
        "average_recency_days": grouped["recency_days"].mean(),
    }).reindex([rule.name for rule in SEGMENTS]).fillna({"customers": 0, "revenue": 0.0})
    total = money.clip(lower=0).sum()
    table["revenue_share"] = table["revenue"].clip(lower=0) / total if total > 0 else np.nan
    table["customer_share"] = table["customers"] / max(len(current), 1)
    if previous is not None:
        before = previous.groupby("segment").size().reindex(table.index).fillna(0)
        table["previous_customers"] = before.astype(np.int64)
        table["change"] = table["customers"] - table["previous_customers"]
    table["customers"] = table["customers"].astype(np.int64)
    table.insert(0, "label", [SEGMENT_LABELS[name] for name in table.index])
    return table.rename_axis("segment").reset_index()


def movement(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Customers by segment then (rows, plus "not a customer yet") and now (columns), as labels."""
    before = previous["segment"].reindex(current.index).map(SEGMENT_LABELS).fillna(NEW_SINCE)
    now = current["segment"].map(SEGMENT_LABELS)
    order = [rule.label for rule in SEGMENTS]
    table = pd.crosstab(before.rename("before"), now.rename("now"))
    return table.reindex(index=[*order, NEW_SINCE], columns=order, fill_value=0).fillna(0).astype(np.int64)
