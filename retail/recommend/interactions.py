"""Customer x product interaction matrix (``scipy.sparse`` CSR) from a canonical frame.

Only sale lines (``line_type == 'sale'``) are purchases. Rows without a customer cannot
be used for personal recommendations: they are excluded and counted
(:attr:`Interactions.rows_without_customer`) so that the UI can say how many. Products
bought only by anonymous customers stay in the catalogue (popularity and content-based
recommendations can still use them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.data import schema
from retail.recommend.baskets import Baskets, build_baskets

logger = logging.getLogger(__name__)

WEIGHTINGS: dict[str, str] = {"count": "orders with the product", "binary": "bought or not",
                              "spend": "money spent"}


def why_not(kind: str, has_customers: bool) -> str | None:
    """Why per-customer recommendations cannot be made for a dataset (None when they can)."""
    if kind in ("store_totals", "product_totals"):
        return ("Recommendations learn from who bought what: they need order lines with customer ids. This "
                "dataset holds sales totals, with no customers or baskets. Upload a till or web-shop export "
                "with a customer column to use this page.")
    if not has_customers:
        return ("Recommendations learn from who bought what, and this dataset has no customer column. If the "
                "file has one (customer, member or loyalty number), map it on the Data page.")
    return None


def baskets_only(kind: str, has_customers: bool, has_orders: bool) -> bool:
    """True when a dataset has baskets (order ids) but no customers: only "bought together" applies."""
    return kind not in ("store_totals", "product_totals") and not has_customers and has_orders


@dataclass(frozen=True)
class InteractionSettings:
    """How purchases become matrix entries.

    Parameters
    ----------
    weighting
        ``"count"``: number of distinct orders with the product (rows when there is no
        order id); ``"binary"``: 1 when bought; ``"spend"``: summed revenue.
    cutoff
        Only purchases strictly before this timestamp are used (``None``: all).
    """

    weighting: str = "count"
    cutoff: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(
                f"Unknown weighting {self.weighting!r}; use one of {', '.join(WEIGHTINGS)}."
            )
        if self.cutoff is not None:
            object.__setattr__(self, "cutoff", pd.Timestamp(self.cutoff))


@dataclass
class Interactions:
    """A fitted customer x product matrix with its id maps and purchase details.

    Attributes
    ----------
    matrix
        CSR (customers x products), weighted as ``weighting`` says, no explicit zeros.
    counts
        CSR with the same sparsity: number of distinct orders (rows without order id).
    age_days
        CSR with the same sparsity: days from the last purchase to ``reference_date``
        (stored as ``age + 1`` so that a purchase on the reference day is not a zero).
    customer_ids, product_ids
        Index -> id arrays. Customers include everyone seen in the frame (any line type, any
        date), so a known customer may have an empty row ("no history").
    catalogue
        One row per product (index order): ``product_id``, ``product_name`` (most frequent
        name), ``category``, ``buyers`` (distinct customers in the matrix).
    baskets
        The same purchases as baskets (orders) in time order, anonymous ones included
        (:class:`~retail.recommend.baskets.Baskets`); None when built without them.
    """

    matrix: sp.csr_matrix
    counts: sp.csr_matrix
    age_days: sp.csr_matrix
    customer_ids: np.ndarray
    product_ids: np.ndarray
    catalogue: pd.DataFrame
    reference_date: pd.Timestamp
    weighting: str = "count"
    rows_without_customer: int = 0
    rows_after_cutoff: int = 0
    baskets: Baskets | None = None
    customer_index: dict[str, int] = field(init=False, repr=False)
    product_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.customer_index = {c: i for i, c in enumerate(self.customer_ids)}
        self.product_index = {p: i for i, p in enumerate(self.product_ids)}

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def binary(self) -> sp.csr_matrix:
        """The matrix with every stored entry set to 1."""
        out = self.matrix.copy()
        out.data = np.ones_like(out.data)
        return out

    def customer_position(self, customer: str) -> int:
        """Row index of ``customer``; raises a ``ValueError`` that says what to do when unknown."""
        return _position(self.customer_index, self.customer_ids, customer,
                         "customer id", "does not appear in this dataset", "customers", "a customer")

    def product_position(self, product: str) -> int:
        """Column index of ``product``; raises a ``ValueError`` when it is not in the catalogue."""
        return _position(self.product_index, self.product_ids, product,
                         "product id", "is not in the catalogue", "products", "a product")

    def history(self, customer_row: int) -> np.ndarray:
        """Product indices the customer bought (sorted)."""
        start, end = self.matrix.indptr[customer_row], self.matrix.indptr[customer_row + 1]
        return self.matrix.indices[start:end]

    def popularity(self) -> np.ndarray:
        """Distinct buyers per product."""
        return np.asarray(self.catalogue["buyers"].to_numpy(), dtype=np.float64)


def _position(index: dict[str, int], ids: np.ndarray, key: object, what: str, where: str, plural: str,
              pick: str) -> int:
    key = str(key)
    if key not in index:
        examples = ", ".join(map(str, ids[:5]))
        raise ValueError(f"Unknown {what} {key!r}: it {where} ({len(ids):,} {plural}, e.g. {examples}). "
                         f"Pick {pick} from the data.")
    return index[key]


def _purchases(frame: pd.DataFrame, cutoff: pd.Timestamp | None) -> tuple[pd.DataFrame, int, int]:
    sales = schema.sales_only(frame)
    sales = sales[sales[schema.PRODUCT_ID].notna()]
    after = 0
    if cutoff is not None:
        keep = sales[schema.DATE] < cutoff
        after = int((~keep).sum())
        sales = sales[keep]
    no_customer = sales[schema.CUSTOMER_ID].isna()
    return sales, int(no_customer.sum()), after


def _catalogue(sales: pd.DataFrame) -> pd.DataFrame:
    """Products in first-seen order with their most frequent name and category."""
    ids = sales[schema.PRODUCT_ID].astype(str)
    products = pd.Index(pd.unique(ids), name=schema.PRODUCT_ID)
    catalogue = pd.DataFrame(index=products)
    for column in (schema.PRODUCT_NAME, schema.CATEGORY):
        values = sales[column] if column in sales else pd.Series(None, index=sales.index, dtype=object)
        pairs = pd.DataFrame({"pid": ids.to_numpy(), "v": values.to_numpy()}).dropna()
        if pairs.empty:
            catalogue[column] = None
            continue
        top = pairs.groupby(["pid", "v"], sort=True).size().reset_index(name="n")
        top = top.sort_values(["pid", "n"], ascending=[True, False], kind="stable").drop_duplicates("pid")
        catalogue[column] = top.set_index("pid")["v"].reindex(products)
    catalogue[schema.PRODUCT_NAME] = catalogue[schema.PRODUCT_NAME].fillna(pd.Series(products, index=products))
    return catalogue.reset_index()


def _line_weights(sales: pd.DataFrame, weighting: str) -> pd.Series:
    if weighting != "spend":
        return pd.Series(1.0, index=sales.index)
    revenue = sales[schema.REVENUE]
    if revenue.isna().all():
        raise ValueError(
            "Spend weighting needs revenue (or quantity and unit price), and this dataset has none; "
            "use weighting='count' or 'binary'."
        )
    missing = int(revenue.isna().sum())
    if missing:
        logger.info("spend weighting: %d purchase lines without revenue count as 0", missing)
    return revenue.fillna(0.0).clip(lower=0.0)


def build_interactions(frame: pd.DataFrame, settings: InteractionSettings | None = None) -> Interactions:
    """Build the customer x product matrix of a canonical frame.

    Parameters
    ----------
    frame
        Canonical rows (see :mod:`retail.data.schema`); only sale lines are used.
    settings
        Weighting and time cutoff; defaults to distinct-order counts over all dates.

    Returns
    -------
    Interactions
        Matrix, id maps, catalogue and the count of rows excluded for a missing customer.
    """
    settings = settings or InteractionSettings()
    sales, without_customer, after = _purchases(frame, settings.cutoff)
    if sales.empty:
        raise ValueError(
            "No purchases to learn from: the data has no sale lines"
            + (f" before {settings.cutoff:%Y-%m-%d}" if settings.cutoff is not None else "")
            + ". Check the date cutoff and that the file has products and positive quantities."
        )
    catalogue = _catalogue(sales)
    product_codes = pd.Index(catalogue[schema.PRODUCT_ID]).get_indexer(sales[schema.PRODUCT_ID].astype(str))
    all_customers = frame[schema.CUSTOMER_ID].dropna().astype(str)
    customer_ids = np.asarray(pd.unique(all_customers), dtype=object)
    named = sales[schema.CUSTOMER_ID].notna().to_numpy()
    lines = pd.DataFrame({
        "c": pd.Index(customer_ids).get_indexer(sales.loc[named, schema.CUSTOMER_ID].astype(str)),
        "p": product_codes[named],
        "order": sales.loc[named, schema.ORDER_ID].to_numpy(),
        "date": sales.loc[named, schema.DATE].to_numpy(),
        "w": _line_weights(sales, settings.weighting)[named].to_numpy(),
    })
    reference = settings.cutoff if settings.cutoff is not None else sales[schema.DATE].max()
    matrices = _aggregate(lines, (len(customer_ids), len(catalogue)), settings.weighting, reference)
    catalogue["buyers"] = np.diff(matrices[0].tocsc().indptr).astype(np.int64)
    baskets = _baskets(sales, product_codes, customer_ids, (len(customer_ids), len(catalogue)))
    if without_customer:
        logger.info("%d purchase lines without a customer id are excluded from recommendations", without_customer)
    return Interactions(
        matrix=matrices[0], counts=matrices[1], age_days=matrices[2], customer_ids=customer_ids,
        product_ids=catalogue[schema.PRODUCT_ID].to_numpy(dtype=object), catalogue=catalogue,
        reference_date=pd.Timestamp(reference), weighting=settings.weighting,
        rows_without_customer=without_customer, rows_after_cutoff=after, baskets=baskets,
    )


def _baskets(sales: pd.DataFrame, products: np.ndarray, customer_ids: np.ndarray,
             shape: tuple[int, int]) -> Baskets:
    """Every sale line (anonymous ones too: they are baskets for "bought together") as baskets."""
    named = sales[schema.CUSTOMER_ID].notna().to_numpy()
    customers = np.full(len(sales), -1, dtype=np.int64)
    customers[named] = pd.Index(customer_ids).get_indexer(sales.loc[named, schema.CUSTOMER_ID].astype(str))
    return build_baskets(products, customers, sales[schema.ORDER_ID], sales[schema.DATE], shape)


def _aggregate(lines: pd.DataFrame, shape: tuple[int, int], weighting: str,
               reference: pd.Timestamp) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """(weighted, distinct-order counts, age + 1 in days) with one shared sparsity pattern."""
    has_order = lines["order"].notna()
    # A line without order id is its own order; lines of one order count once.
    order_key = lines["order"].astype(object).where(has_order, pd.Series(-1 - np.arange(len(lines)), index=lines.index))
    orders = lines.assign(order=order_key.astype(str)).drop_duplicates(["c", "p", "order"])
    grouped = lines.groupby(["c", "p"], sort=True)
    pairs = grouped.agg(w=("w", "sum"), last=("date", "max"))
    n_orders = orders.groupby(["c", "p"], sort=True).size().reindex(pairs.index)
    rows = pairs.index.get_level_values(0).to_numpy()
    cols = pairs.index.get_level_values(1).to_numpy()
    counts = n_orders.to_numpy(dtype=np.float64)
    values = {"count": counts, "binary": np.ones(len(pairs)), "spend": pairs["w"].to_numpy(dtype=np.float64)}
    weighted = values[weighting]
    if weighting == "spend":  # a spend of 0 must still be a purchase in the pattern
        weighted = np.maximum(weighted, 1e-9)
    age = (pd.Timestamp(reference) - pd.to_datetime(pairs["last"])).dt.days.clip(lower=0).to_numpy() + 1.0

    def csr(data: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((data, (rows, cols)), shape=shape)

    return csr(weighted), csr(counts), csr(age)
