"""Baskets: which products were bought together in one order, in time order per customer.

A basket is an order id when the file has one, else a customer's purchases on one day (the
rule of :func:`retail.analytics.overview.with_orders`). A line with neither an order id nor
a customer is a basket of its own: pooling every anonymous line of a day into one basket
would invent thousands of "bought together" pairs.

The baskets of named customers come first, sorted by customer and then by time, so a
customer's purchase sequence is one contiguous block of rows (:attr:`Baskets.customer_indptr`);
anonymous baskets follow. Sequence-aware recommenders read the blocks; basket rules read
every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass
class Baskets:
    """A binary baskets x products matrix with each basket's customer and time.

    Attributes
    ----------
    matrix
        CSR (baskets x products), 1 where the basket holds the product.
    customer
        Customer row of each basket (-1: anonymous).
    time
        Timestamp of each basket's first line (``datetime64[ns]``).
    customer_indptr
        Customer ``c``'s baskets are rows ``customer_indptr[c]:customer_indptr[c + 1]``, oldest first.
    """

    matrix: sp.csr_matrix
    customer: np.ndarray
    time: np.ndarray
    customer_indptr: np.ndarray

    @property
    def n_baskets(self) -> int:
        return self.matrix.shape[0]

    @property
    def named(self) -> int:
        """Number of baskets with a customer (the first rows)."""
        return int(self.customer_indptr[-1])

    def of_customer(self, row: int) -> np.ndarray:
        """Basket rows of customer ``row``, oldest first."""
        return np.arange(self.customer_indptr[row], self.customer_indptr[row + 1])

    def consecutive_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(earlier, next) basket rows of every pair of one customer's consecutive baskets."""
        named = self.customer[: self.named]
        earlier = np.flatnonzero(named[1:] == named[:-1])
        return earlier, earlier + 1


def build_baskets(products: np.ndarray, customers: np.ndarray, orders: pd.Series, dates: pd.Series,
                  shape: tuple[int, int]) -> Baskets:
    """Group sale lines into baskets.

    Parameters
    ----------
    products, customers
        Product column and customer row of each line (customer -1: anonymous).
    orders
        Order id of each line (missing: no order id).
    dates
        Timestamp of each line.
    shape
        (customers, products) of the interaction matrix the rows and columns refer to.

    Returns
    -------
    Baskets
    """
    customers = np.asarray(customers, dtype=np.int64)
    order_code = pd.factorize(orders.astype(object), use_na_sentinel=True)[0]
    day = dates.to_numpy("datetime64[D]").astype(np.int64)
    kind = np.where(order_code >= 0, 0, np.where(customers >= 0, 1, 2))
    first = np.where(kind == 0, order_code, np.where(kind == 1, customers, np.arange(len(customers))))
    second = np.where(kind == 1, day, 0)
    keys = pd.DataFrame({"kind": kind, "first": first, "second": second})
    basket = keys.groupby(["kind", "first", "second"], sort=False).ngroup().to_numpy()
    n = int(basket.max()) + 1 if len(basket) else 0
    # an order id with lines of two customers (rare) goes to the higher row; a named line beats anonymous ones
    per_basket = pd.DataFrame({"owner": customers, "start": dates.to_numpy("datetime64[ns]")}).groupby(
        basket, sort=True).agg(owner=("owner", "max"), start=("start", "min"))
    owner = per_basket["owner"].to_numpy(np.int64)
    start = per_basket["start"].to_numpy("datetime64[ns]")
    # named customers first (by customer, then time, then first appearance), anonymous last
    rank = np.where(owner >= 0, owner, np.iinfo(np.int64).max)
    order = np.lexsort((np.arange(n), start, rank))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    matrix = sp.csr_matrix((np.ones(len(basket)), (position[basket], np.asarray(products, dtype=np.int64))),
                           shape=(n, shape[1]))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    owner = owner[order]
    counts = np.bincount(owner[owner >= 0], minlength=shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return Baskets(matrix=matrix, customer=owner, time=start[order], customer_indptr=indptr)
