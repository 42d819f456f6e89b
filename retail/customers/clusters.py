"""Optional k-means groups of customers on scaled RFM, the number of groups chosen by silhouette.

The features are log recency, log orders and log money (spend is heavy-tailed), standardised.
Every k in ``k_range`` is fitted and the one with the best silhouette (on a seeded sample of
at most ``sample`` customers, for speed) is kept. Each group is described in words against the
customers' medians: "bought recently, buy often, spend a lot".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 0


def _features(table: pd.DataFrame) -> np.ndarray:
    money = table["monetary"] if table["monetary"].notna().any() else table["purchase_days"]
    raw = np.column_stack([np.log1p(table["recency_days"].clip(lower=0)), np.log1p(table["orders"].clip(lower=0)),
                           np.log1p(money.fillna(0).clip(lower=0))])
    spread = raw.std(axis=0)
    return (raw - raw.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def _words(group: pd.DataFrame, everyone: pd.DataFrame) -> str:
    """Plain words for one group's medians against everyone's (a factor of 1.5 counts as different)."""
    def compare(column: str, more: str, less: str, middle: str) -> str:
        ratio = (group[column].median() + 1) / (everyone[column].median() + 1)
        return more if ratio >= 1.5 else less if ratio <= 1 / 1.5 else middle

    recency = compare("recency_days", "last bought long ago", "bought recently", "bought a while ago")
    orders = compare("orders", "buy often", "buy rarely", "buy now and then")
    money = compare("monetary", "spend a lot", "spend little", "spend an average amount")
    return f"{recency}, {orders}, {money}"


def cluster(table: pd.DataFrame, k_range: tuple[int, int] = (2, 8), sample: int = 2000) -> tuple[pd.Series, pd.DataFrame]:
    """Group labels per customer (1 = the largest group) and a table describing each group.

    Parameters
    ----------
    table : the RFM table of :func:`retail.customers.segments.rfm` (needs recency_days, orders, monetary).
    k_range : the smallest and largest number of groups tried.
    sample : customers used to compute the silhouette.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # a few thousand rows: thread start-up costs more than it saves (10x here)
        return _cluster(table, k_range, sample)


def _cluster(table: pd.DataFrame, k_range: tuple[int, int], sample: int) -> tuple[pd.Series, pd.DataFrame]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = _features(table)
    low, high = k_range[0], min(k_range[1], len(table) - 1)
    if high < low:
        raise ValueError(f"Grouping customers needs at least {low + 1} customers; there are {len(table)}.")
    rng = np.random.default_rng(SEED)
    chosen = rng.choice(len(x), size=min(sample, len(x)), replace=False)
    best: tuple[float, np.ndarray, int] | None = None
    for k in range(low, high + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=SEED).fit_predict(x)
        if len(np.unique(labels[chosen])) < 2:
            continue
        score = float(silhouette_score(x[chosen], labels[chosen]))
        if best is None or score > best[0]:
            best = (score, labels, k)
    if best is None:
        raise ValueError("The customers are too alike to form groups.")
    score, labels, _ = best
    sizes = pd.Series(labels).value_counts()
    renumber = {old: new for new, old in enumerate(sizes.index, start=1)}
    groups = pd.Series([renumber[v] for v in labels], index=table.index, name="cluster")
    return groups, describe(table, groups).assign(silhouette=score)


def describe(table: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """One row per group: customers, medians of recency, orders and money, and the description."""
    rows = []
    for group, members in table.groupby(groups):
        rows.append({"cluster": int(group), "customers": len(members),
                     "median_recency_days": float(members["recency_days"].median()),
                     "median_orders": float(members["orders"].median()),
                     "median_monetary": float(members["monetary"].median()),
                     "description": _words(members, table)})
    return pd.DataFrame(rows)
