"""Customer x product interaction matrix (``scipy.sparse`` CSR) from a canonical frame.

Only sale lines (``line_type == 'sale'``) are purchases. Rows without a customer cannot
be used for personal recommendations: they are excluded and counted
(:attr:`Interactions.rows_without_customer`) so that the UI can say how many. Products
bought only by anonymous customers stay in the catalogue (popularity and content-based
recommendations can still use them).
"""

from __future__ import annotations

import logging
import threading
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


@dataclass(frozen=True)
class Lines:
    """Sale lines as parallel arrays: customer, product and order codes (-1: none), dates, weights."""

    customer: np.ndarray
    product: np.ndarray
    order: np.ndarray
    date: np.ndarray
    weight: np.ndarray | None = None


_BASKETS_LOCK = threading.Lock()


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
    basket_lines
        What :attr:`baskets` is built from (every sale line, anonymous ones too); None: no baskets.
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
    basket_lines: Lines | None = field(default=None, repr=False)
    customer_index: dict[str, int] = field(init=False, repr=False)
    product_index: dict[str, int] = field(init=False, repr=False)
    _baskets: Baskets | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.customer_index = {c: i for i, c in enumerate(self.customer_ids)}
        self.product_index = {p: i for i, p in enumerate(self.product_ids)}

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def baskets(self) -> Baskets | None:
        """The same purchases as baskets (orders) in time order, anonymous ones included
        (:class:`~retail.recommend.baskets.Baskets`). Built on first use: only the sequence-aware
        and basket-rule recommenders read them, and on millions of lines they cost seconds."""
        if self._baskets is None and self.basket_lines is not None:
            with _BASKETS_LOCK:
                if self._baskets is None:
                    lines = self.basket_lines
                    orders = pd.Series(lines.order).where(lines.order >= 0)
                    self._baskets = build_baskets(lines.product, lines.customer, orders, pd.Series(lines.date),
                                                  self.shape)
        return self._baskets

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


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First-seen integer codes of ``values`` as text (-1 where missing) and the distinct texts.

    Factorising the raw values first and converting only the distinct ones to text keeps this
    linear in hashing, not in string building (millions of lines)."""
    raw_codes, raw_uniques = pd.factorize(values)
    if len(raw_uniques) == 0:
        return np.full(len(values), -1, dtype=np.int64), np.empty(0, dtype=object)
    text_codes, uniques = pd.factorize(np.asarray(pd.Index(raw_uniques).astype(str), dtype=object))
    codes = np.where(raw_codes >= 0, text_codes[np.maximum(raw_codes, 0)], -1)  # 1 and "1": one id
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _purchase_mask(frame: pd.DataFrame, cutoff: pd.Timestamp | None) -> tuple[np.ndarray, int, int]:
    """Net sale lines with a product before the cutoff, as a mask (no copy of the frame)."""
    keep = schema.sales_mask(frame).to_numpy() & frame[schema.PRODUCT_ID].notna().to_numpy()
    after = 0
    if cutoff is not None:
        before = (frame[schema.DATE] < cutoff).to_numpy()
        after = int((keep & ~before).sum())
        keep &= before
    without_customer = int((keep & frame[schema.CUSTOMER_ID].isna().to_numpy()).sum())
    return keep, without_customer, after


def _most_frequent(product_codes: np.ndarray, values: np.ndarray, n_products: int) -> np.ndarray:
    """Per product, its most frequent value (ties: the alphabetically first); None when it has none."""
    value_codes, uniques = pd.factorize(values)
    seen = value_codes >= 0
    out = np.full(n_products, None, dtype=object)
    if not seen.any():
        return out
    key = product_codes[seen] * len(uniques) + value_codes[seen]
    pairs, counts = np.unique(key, return_counts=True)
    product, value = np.divmod(pairs, len(uniques))
    text = np.asarray(uniques, dtype=object)[value]
    order = np.lexsort((text.astype(str), -counts, product))
    first = order[np.r_[True, product[order][1:] != product[order][:-1]]]
    out[product[first]] = text[first]
    return out


def _catalogue(frame: pd.DataFrame, keep: np.ndarray, product_codes: np.ndarray,
               product_ids: np.ndarray) -> pd.DataFrame:
    """Products in first-seen order with their most frequent name and category."""
    catalogue = pd.DataFrame({schema.PRODUCT_ID: product_ids})
    for column in (schema.PRODUCT_NAME, schema.CATEGORY):
        if column in frame:
            catalogue[column] = _most_frequent(product_codes, frame[column].to_numpy()[keep], len(product_ids))
        else:
            catalogue[column] = None
    catalogue[schema.PRODUCT_NAME] = catalogue[schema.PRODUCT_NAME].fillna(catalogue[schema.PRODUCT_ID])
    return catalogue


def _line_weights(revenue: pd.Series, weighting: str) -> np.ndarray:
    if weighting != "spend":
        return np.ones(len(revenue))
    if revenue.isna().all():
        raise ValueError(
            "Spend weighting needs revenue (or quantity and unit price), and this dataset has none; "
            "use weighting='count' or 'binary'."
        )
    missing = int(revenue.isna().sum())
    if missing:
        logger.info("spend weighting: %d purchase lines without revenue count as 0", missing)
    return revenue.fillna(0.0).clip(lower=0.0).to_numpy(dtype=np.float64)


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
    keep, without_customer, after = _purchase_mask(frame, settings.cutoff)
    if not keep.any():
        raise ValueError(
            "No purchases to learn from: the data has no sale lines"
            + (f" before {settings.cutoff:%Y-%m-%d}" if settings.cutoff is not None else "")
            + ". Check the date cutoff and that the file has products and positive quantities."
        )
    product_codes, product_ids = _codes(frame[schema.PRODUCT_ID].where(keep))
    product_codes = product_codes[keep]
    catalogue = _catalogue(frame, keep, product_codes, product_ids)
    customer_codes, customer_ids = _codes(frame[schema.CUSTOMER_ID])  # everyone seen, any line type
    customer_codes = customer_codes[keep]
    named = customer_codes >= 0
    every = Lines(customer=customer_codes, product=product_codes, date=frame[schema.DATE].to_numpy()[keep],
                  order=pd.factorize(frame[schema.ORDER_ID].to_numpy()[keep])[0])  # -1: no order id
    lines = Lines(customer=customer_codes[named], product=product_codes[named], order=every.order[named],
                  date=every.date[named], weight=_line_weights(frame[schema.REVENUE][keep], settings.weighting)[named])
    reference = settings.cutoff if settings.cutoff is not None else pd.Timestamp(every.date.max())
    matrices = _aggregate(lines, (len(customer_ids), len(catalogue)), settings.weighting, reference)
    catalogue["buyers"] = np.diff(matrices[0].tocsc().indptr).astype(np.int64)
    if without_customer:
        logger.info("%d purchase lines without a customer id are excluded from recommendations", without_customer)
    return Interactions(
        matrix=matrices[0], counts=matrices[1], age_days=matrices[2], customer_ids=customer_ids,
        product_ids=product_ids, catalogue=catalogue,
        reference_date=pd.Timestamp(reference), weighting=settings.weighting,
        rows_without_customer=without_customer, rows_after_cutoff=after, basket_lines=every,
    )


def _aggregate(lines: Lines, shape: tuple[int, int], weighting: str,
               reference: pd.Timestamp) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """(weighted, distinct-order counts, age + 1 in days) with one shared sparsity pattern."""
    pair_codes, pairs = pd.factorize(lines.customer * shape[1] + lines.product, sort=True)
    rows, cols = np.divmod(pairs, shape[1])
    alone = lines.order < 0  # a line without order id is its own order; lines of one order count once
    counts = np.bincount(pair_codes[alone], minlength=len(pairs)).astype(np.float64)
    known = int(lines.order.max(initial=-1)) + 1
    if known:
        distinct = pd.unique(pair_codes[~alone].astype(np.int64) * known + lines.order[~alone])
        counts += np.bincount(distinct // known, minlength=len(pairs))
    values = {"count": counts, "binary": np.ones(len(pairs)),
              "spend": np.bincount(pair_codes, weights=lines.weight, minlength=len(pairs))}
    weighted = values[weighting]
    if weighting == "spend":  # a spend of 0 must still be a purchase in the pattern
        weighted = np.maximum(weighted, 1e-9)
    last = np.full(len(pairs), np.iinfo(np.int64).min)
    np.maximum.at(last, pair_codes, lines.date.astype("datetime64[ns]").view(np.int64))
    age = ((pd.Timestamp(reference) - pd.DatetimeIndex(last.view("datetime64[ns]"))).days.to_numpy().clip(min=0)
           + 1.0)

    # pairs are unique and sorted by (customer, product): already CSR order, no COO conversion
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=shape[0]))]
    indices = cols.astype(np.int32)

    def csr(data: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((data, indices, indptr), shape=shape)

    return csr(weighted), csr(counts), csr(age)
