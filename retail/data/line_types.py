"""Mark kept lines that are not demand in ``line_type``: returns, non-product lines, free items.

Such lines are kept for the record (returns analytics, the report) and left out of
forecasting and recommendations, which read only ``line_type == 'sale'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.parsing import TEXT, map_unique
from retail.data.returns import match_returns
from retail.data.rules import Rules, text_matches
from retail.data.settings import ValidationSettings

CANCELLED_ORDER_PATTERN = r"^[Cc]\d+$"


def non_product_mask(frame: pd.DataFrame, settings: ValidationSettings) -> pd.Series:
    """True for postage, fees, adjustments and other lines that are not merchandise,
    recognised by product code (exact codes, code patterns) or by the whole product name."""
    codes = {c.upper() for c in settings.non_product_codes}

    def matches_any(patterns: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
        return lambda values: _matches_any(values.str.strip(), patterns)

    def by_code(ids: pd.Series) -> pd.Series:
        return ids.str.strip().str.upper().isin(codes).fillna(False) | matches_any(settings.non_product_patterns)(ids)

    mask = map_unique(frame[schema.PRODUCT_ID], by_code, False).astype(bool)
    if frame[schema.PRODUCT_NAME].notna().any():
        mask |= map_unique(frame[schema.PRODUCT_NAME], matches_any(settings.non_product_names), False).astype(bool)
    return pd.Series(mask, index=frame.index)


def subtotal_mask(frame: pd.DataFrame, settings: ValidationSettings) -> np.ndarray:
    """True for total and subtotal lines: a whole product, store, customer or order value such as
    ``TOTAL``, ``Sub-total`` or ``Grand total:`` (``settings.subtotal_labels``)."""
    mask = np.zeros(len(frame), dtype=bool)
    for field in (schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.STORE_ID, schema.CUSTOMER_ID, schema.ORDER_ID):
        if frame[field].notna().any():
            mask |= map_unique(frame[field], lambda v: _matches_any(v, settings.subtotal_labels), False).astype(bool)
    return mask


def _matches_any(values: pd.Series, patterns: tuple[str, ...]) -> pd.Series:
    """Case-insensitive search of any of ``patterns``, as one regular expression (one pass)."""
    if not patterns:
        return pd.Series(False, index=values.index)
    combined = "|".join(f"(?:{pattern})" for pattern in patterns)
    return values.str.contains(combined, flags=re.IGNORECASE, regex=True).fillna(False).astype(bool)


def mark_line_types(clean: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Set ``line_type`` on the kept rows of ``clean`` and report each kind (``rules`` is over them).

    A line is ``subtotal`` (a TOTAL line of a report) or ``non_product`` (by code or name)
    before anything else; then ``implausible`` (see :func:`implausible_mask`), ``return``
    (negative quantity or cancelled order) and ``zero_price``; every other line is a ``sale``.
    """
    subtotal = subtotal_mask(clean, settings)
    non_product = non_product_mask(clean, settings).to_numpy() & ~subtotal
    cancelled_marker = text_matches(clean[schema.ORDER_ID], CANCELLED_ORDER_PATTERN)
    if cancelled_marker.size and cancelled_marker.mean() > 0.5:  # a prefix most orders share is not a cancellation mark
        cancelled_marker[:] = False
    returns = ((clean[schema.QUANTITY] < 0).to_numpy() | cancelled_marker) & ~non_product
    price = clean[schema.UNIT_PRICE].to_numpy()
    zero_price = (price <= 0) & ~returns & ~non_product
    returns &= ~subtotal
    zero_price &= ~subtotal
    sale = ~(subtotal | non_product | returns | zero_price)
    implausible, usual = implausible_mask(clean, settings, candidates=sale, eligible=~(non_product | subtotal))
    returns &= ~implausible
    zero_price &= ~implausible
    cancelled, matched = match_returns(clean, sale & ~implausible, returns, settings.return_window_days)
    line_type = np.full(len(clean), schema.SALE, dtype=object)
    for mask, kind in ((cancelled, schema.CANCELLED), (zero_price, schema.ZERO_PRICE), (returns, schema.RETURN),
                       (implausible, schema.IMPLAUSIBLE), (non_product, schema.NON_PRODUCT),
                       (subtotal, schema.SUBTOTAL)):
        line_type[mask] = kind
    clean[schema.LINE_TYPE] = pd.Series(line_type, index=clean.index, dtype=TEXT)
    show = {c: clean[c] for c in (schema.ORDER_ID, schema.PRODUCT_ID, schema.QUANTITY, schema.UNIT_PRICE)}
    rules.add("returns", "Cancellations and returns (negative quantity or cancelled order)", returns,
              "kept, marked as a return: left out of demand and recommendations", show)
    rules.add("cancelled_sales", f"Sales cancelled or returned in full later ({matched:,} of the "
              f"{int(returns.sum()):,} returns matched by customer, product and units within "
              f"{settings.return_window_days} days)", cancelled,
              "kept, marked as cancelled later: out of net sales and demand (gross sales still count them)",
              {c: clean[c] for c in (schema.DATE, schema.CUSTOMER_ID, schema.PRODUCT_ID, schema.QUANTITY)})
    rules.add("non_product", "Non-product lines (postage, fees, adjustments, vouchers)", non_product,
              "kept, marked as not a product: left out of demand and recommendations", show)
    rules.add("subtotals", "Total and subtotal lines (TOTAL, Subtotal, Grand total)", subtotal,
              "kept, marked as a subtotal: left out of demand (counting them would double those days)",
              {c: clean[c] for c in (schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.QUANTITY)})
    rules.add("zero_or_negative_price", "Zero or negative prices", zero_price,
              "kept, marked as free or negative price: left out of demand and recommendations", show)
    rules.add("implausible", "Implausible quantities or prices (far beyond the product's usual values "
              f"or above {settings.max_quantity:,.0f} units / a price of {settings.max_unit_price:,.0f})",
              implausible, "kept, marked as implausible: left out of demand and recommendations; check the source",
              {schema.PRODUCT_ID: clean[schema.PRODUCT_ID], schema.QUANTITY: clean[schema.QUANTITY],
               "usual quantity": usual[schema.QUANTITY], schema.UNIT_PRICE: clean[schema.UNIT_PRICE],
               "usual price": usual[schema.UNIT_PRICE]})


def implausible_mask(clean: pd.DataFrame, settings: ValidationSettings, candidates: np.ndarray,
                     eligible: np.ndarray) -> tuple[np.ndarray, dict[str, pd.Series]]:
    """Lines whose quantity or unit price cannot be right.

    Parameters
    ----------
    clean : DataFrame
        Canonical rows.
    settings : ValidationSettings
        ``max_quantity`` / ``max_unit_price`` (absolute, on every ``eligible`` line) and the
        per-product rule (``outlier_*``, on ``candidates``: the would-be sale lines).
    candidates, eligible : array of bool

    Returns
    -------
    mask : array of bool
    usual : dict
        Per field, the product's median value on each line (NaN where not computed), for the report.
    """
    quantity = clean[schema.QUANTITY].to_numpy(dtype=np.float64)
    price = clean[schema.UNIT_PRICE].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        mask = eligible & ((np.abs(quantity) > settings.max_quantity) | (np.abs(price) > settings.max_unit_price))
    keys = pd.factorize(clean[schema.PRODUCT_ID], use_na_sentinel=True)[0]
    usual = {}
    for field, values in ((schema.QUANTITY, quantity), (schema.UNIT_PRICE, price)):
        far, usual_values = _far_from_usual(values, keys, candidates, settings)
        mask |= far
        usual[field] = pd.Series(usual_values, index=clean.index)
    return mask, usual


def _far_from_usual(values: np.ndarray, keys: np.ndarray, candidates: np.ndarray,
                    settings: ValidationSettings) -> tuple[np.ndarray, np.ndarray]:
    """Robust per-product outliers on a log scale (see :class:`ValidationSettings`)."""
    far = np.zeros(len(values), dtype=bool)
    usual = np.full(len(values), np.nan)
    with np.errstate(invalid="ignore"):
        selected = candidates & (keys >= 0) & np.isfinite(values) & (values > 0)
    if not selected.any():
        return far, usual
    key = keys[selected]
    logs = np.log10(values[selected])
    groups = np.arange(keys.max() + 1)
    median = pd.Series(logs).groupby(key).median().reindex(groups).to_numpy()[key]
    deviation = np.abs(logs - median)
    mad = pd.Series(deviation).groupby(key).median().reindex(groups).to_numpy()[key]
    limit = np.maximum(settings.outlier_mad_multiplier * 1.4826 * mad, np.log10(settings.outlier_min_ratio))
    enough = np.bincount(key, minlength=len(groups))[key] >= settings.outlier_min_count
    far[selected] = enough & (deviation > limit)
    usual[selected] = np.where(enough, 10 ** median, np.nan)
    return far, usual
