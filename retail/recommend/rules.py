"""Frequently bought together: association rules between two products, counted on baskets.

For a rule "X -> Y" over ``N`` baskets:

- **support** = share of baskets holding both X and Y (``baskets`` is that count);
- **confidence** = share of the baskets holding X that also hold Y;
- **lift** (column ``rule_lift``) = confidence / share of all baskets holding Y (above 1: bought together more than
  chance would have it).

Counts come from one sparse product of the baskets x products matrix with itself, restricted
first to the products that reach the minimum support on their own (a pair can never be more
frequent than either of its products: the Apriori pruning), so no Python loop touches a basket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.data import schema
from retail.formatting import count
from retail.recommend.base import Recommender, Settings
from retail.recommend.baskets import Baskets
from retail.recommend.interactions import Interactions

RULE_COLUMNS: list[str] = ["antecedent_id", "antecedent_name", schema.PRODUCT_ID, schema.PRODUCT_NAME,
                           "baskets", "support", "confidence", "rule_lift"]


@dataclass
class PairCounts:
    """Baskets holding each product and each pair, above a minimum count.

    ``pairs[i, j]`` (CSR, products x products, diagonal removed) holds the baskets with both
    ``i`` and ``j`` when that count is at least ``min_baskets``; ``items`` the baskets with each
    product; ``n_baskets`` all baskets (with at least one product).
    """

    pairs: sp.csr_matrix
    items: np.ndarray
    n_baskets: int
    min_baskets: int

    def confidence(self) -> sp.csr_matrix:
        """``pairs[i, j] / items[i]``: share of the baskets with ``i`` that also hold ``j``."""
        scale = np.divide(1.0, self.items, out=np.zeros(len(self.items)), where=self.items > 0)
        return sp.csr_matrix(sp.diags(scale) @ self.pairs)


def count_pairs(matrix: sp.csr_matrix, min_baskets: int) -> PairCounts:
    """Pair and product counts of a binary baskets x products matrix.

    Parameters
    ----------
    matrix
        CSR (baskets x products), 1 where a basket holds a product.
    min_baskets
        Pairs bought together in fewer baskets are dropped (the minimum support as a count).
    """
    if min_baskets < 1:
        raise ValueError(f"The minimum number of baskets must be >= 1; got {min_baskets!r}.")
    binary = sp.csr_matrix(matrix, dtype=np.float64)
    binary.data[:] = 1.0
    items = np.asarray(binary.sum(axis=0)).ravel()
    frequent = np.flatnonzero(items >= min_baskets)
    sub = sp.csc_matrix(binary)[:, frequent]
    together = sp.coo_matrix(sub.T @ sub)
    keep = (together.row != together.col) & (together.data >= min_baskets)
    pairs = sp.csr_matrix((together.data[keep], (frequent[together.row[keep]], frequent[together.col[keep]])),
                          shape=(binary.shape[1], binary.shape[1]))
    n_baskets = int((np.diff(binary.indptr) > 0).sum())
    return PairCounts(pairs=pairs, items=items, n_baskets=n_baskets, min_baskets=int(min_baskets))


def rules_frame(counts: PairCounts, antecedents: np.ndarray, catalogue: pd.DataFrame, n: int | None = None,
                within: bool = False) -> pd.DataFrame:
    """Rules "X -> Y" for the products ``antecedents`` (one basket's products, or one product).

    For a basket, each consequent Y keeps its best rule (highest confidence, then lift) over the
    basket's products; products of the basket are consequents only when ``within``. Sorted by
    confidence, then lift; the ``n`` best (all when None).
    """
    antecedents = np.unique(np.asarray(antecedents, dtype=np.int64))
    block = sp.coo_matrix(counts.pairs[antecedents])
    frame = pd.DataFrame({"a": antecedents[block.row], "c": block.col, "baskets": block.data})
    if not within:
        frame = frame[~frame["c"].isin(antecedents)]
    total = max(counts.n_baskets, 1)
    frame["support"] = frame["baskets"] / total
    frame["confidence"] = frame["baskets"] / counts.items[frame["a"].to_numpy()]
    frame["rule_lift"] = frame["confidence"] / (counts.items[frame["c"].to_numpy()] / total)
    frame = frame.sort_values(["confidence", "rule_lift", "baskets", "c"], ascending=[False, False, False, True],
                              kind="stable").drop_duplicates("c")
    frame = frame.head(n) if n is not None else frame
    ids = catalogue[schema.PRODUCT_ID].to_numpy()
    names = catalogue[schema.PRODUCT_NAME].to_numpy()
    return pd.DataFrame({
        "antecedent_id": ids[frame["a"]], "antecedent_name": names[frame["a"]],
        schema.PRODUCT_ID: ids[frame["c"]], schema.PRODUCT_NAME: names[frame["c"]],
        "baskets": frame["baskets"].to_numpy(np.int64), "support": frame["support"].to_numpy(),
        "confidence": frame["confidence"].to_numpy(), "rule_lift": frame["rule_lift"].to_numpy(),
    }, columns=RULE_COLUMNS)


class BoughtTogether(Recommender):
    """Products bought in the same basket as the customer's latest basket (association rules).

    ``score(c, j)`` = the highest confidence of a rule "i -> j" over the products ``i`` of the
    customer's latest basket, among rules seen in at least ``min_support`` baskets.

    Parameters
    ----------
    min_support
        Minimum number of baskets a pair must share to make a rule.
    """

    def __init__(self, min_support: int = 20) -> None:
        self.min_support = min_support

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        if interactions.baskets is None:
            raise ValueError("Bought-together rules need the purchases as baskets: build the interactions with "
                             "retail.recommend.build_interactions(frame).")
        self.pair_counts(settings)

    @property
    def baskets_(self) -> Baskets:
        return self._check_fitted().baskets

    def pair_counts(self, settings: Settings | None = None) -> PairCounts:
        """Pair counts at the call's minimum support (cached per setting)."""
        support = int((settings or self.settings())["min_support"])
        return self._derived.get(("pairs", support), lambda: count_pairs(self.baskets_.matrix, support))

    def _last_basket(self, users: np.ndarray) -> sp.csr_matrix:
        """Customers x products: each customer's latest basket."""
        baskets = self.baskets_
        latest = baskets.customer_indptr[np.asarray(users) + 1] - 1
        return sp.csr_matrix(baskets.matrix[latest])

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        confidence = self._derived.get(("confidence", int(settings["min_support"])),
                                       lambda: self.pair_counts(settings).confidence())
        last = self._last_basket(users)
        stacked = sp.coo_matrix(confidence[last.indices])  # one row per (customer, product of the basket)
        owner = np.repeat(np.arange(len(users)), np.diff(last.indptr))[stacked.row]
        out = np.zeros((len(users), last.shape[1]))
        np.maximum.at(out, (owner, stacked.col), stacked.data)  # the best rule over the basket
        return out

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        counts = self.pair_counts(settings)
        basket = self._last_basket(np.array([user])).indices
        rules = rules_frame(counts, basket, self.interactions_.catalogue, within=True)
        best = rules.set_index(schema.PRODUCT_ID)
        ids = self.interactions_.product_ids
        reasons = []
        for item in items:
            if ids[item] in best.index:
                rule = best.loc[ids[item]]
                reasons.append(f"bought with {rule['antecedent_name']} in {count(int(rule['baskets']), 'basket')} "
                               f"({rule['confidence']:.0%} of its baskets, lift {rule['rule_lift']:.1f})")
            else:
                reasons.append(f"not bought with your latest basket often enough; popular with "
                               f"{count(int(self.popularity_[item]), 'customer')}")
        return reasons

    @property
    def n_baskets(self) -> int:
        """Baskets the rules are counted over."""
        return int((np.diff(self.baskets_.matrix.indptr) > 0).sum())

    def products_by_baskets(self) -> pd.DataFrame:
        """``product_id, product_name, baskets``: products by the number of baskets holding them, most first."""
        catalogue = self._check_fitted().catalogue
        counts = np.asarray(self.baskets_.matrix.sum(axis=0)).ravel().astype(np.int64)
        frame = pd.DataFrame({schema.PRODUCT_ID: catalogue[schema.PRODUCT_ID], schema.PRODUCT_NAME:
                              catalogue[schema.PRODUCT_NAME], "baskets": counts})
        return frame.sort_values("baskets", ascending=False, kind="stable").reset_index(drop=True)

    def rules(self, products: list[str] | tuple[str, ...], n: int | None = 20, **settings: Any) -> pd.DataFrame:
        """Rules from a product or a whole basket (product ids) to the products bought with them.

        Returns
        -------
        pandas.DataFrame
            ``antecedent_id, antecedent_name, product_id, product_name, baskets, support,
            confidence, rule_lift``: for each product bought with the basket, its best rule.
        """
        interactions = self._check_fitted()
        checked = self.settings(**settings)
        positions = np.array([interactions.product_position(p) for p in products], dtype=np.int64)
        return rules_frame(self.pair_counts(checked), positions, interactions.catalogue, n)
