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
from retail.data.rules import Rules, text_matches
from retail.data.settings import ValidationSettings

CANCELLED_ORDER_PATTERN = r"^[Cc]\d+$"


def non_product_mask(frame: pd.DataFrame, settings: ValidationSettings) -> pd.Series:
    """True for postage, fees, adjustments and other lines that are not merchandise,
    recognised by product code (exact codes, code patterns) or by the whole product name."""
    codes = {c.upper() for c in settings.non_product_codes}

    def matches_any(patterns: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
        def check(values: pd.Series) -> pd.Series:
            mask = pd.Series(False, index=values.index)
            for pattern in patterns:
                mask |= values.str.strip().str.contains(pattern, flags=re.IGNORECASE, regex=True)
            return mask.fillna(False).astype(bool)
        return check

    def by_code(ids: pd.Series) -> pd.Series:
        return ids.str.strip().str.upper().isin(codes).fillna(False) | matches_any(settings.non_product_patterns)(ids)

    mask = map_unique(frame[schema.PRODUCT_ID], by_code, False).astype(bool)
    if frame[schema.PRODUCT_NAME].notna().any():
        mask |= map_unique(frame[schema.PRODUCT_NAME], matches_any(settings.non_product_names), False).astype(bool)
    return pd.Series(mask, index=frame.index)


def mark_line_types(clean: pd.DataFrame, settings: ValidationSettings, rules: Rules) -> None:
    """Set ``line_type`` on the kept rows of ``clean`` and report each kind (``rules`` is over them)."""
    non_product = non_product_mask(clean, settings).to_numpy()
    cancelled_marker = text_matches(clean[schema.ORDER_ID], CANCELLED_ORDER_PATTERN)
    if cancelled_marker.size and cancelled_marker.mean() > 0.5:  # a prefix most orders share is not a cancellation mark
        cancelled_marker[:] = False
    returns = ((clean[schema.QUANTITY] < 0).to_numpy() | cancelled_marker) & ~non_product
    price = clean[schema.UNIT_PRICE].to_numpy()
    zero_price = (price <= 0) & ~returns & ~non_product
    line_type = np.full(len(clean), schema.SALE, dtype=object)
    line_type[zero_price] = schema.ZERO_PRICE
    line_type[returns] = schema.RETURN
    line_type[non_product] = schema.NON_PRODUCT
    clean[schema.LINE_TYPE] = pd.Series(line_type, index=clean.index, dtype=TEXT)
    show = {c: clean[c] for c in (schema.ORDER_ID, schema.PRODUCT_ID, schema.QUANTITY, schema.UNIT_PRICE)}
    rules.add("returns", "Cancellations and returns (negative quantity or cancelled order)", returns,
              "kept, marked 'return': left out of demand and recommendations", show)
    rules.add("non_product", "Non-product lines (postage, fees, adjustments, vouchers)", non_product,
              "kept, marked 'non_product': left out of demand and recommendations", show)
    rules.add("zero_or_negative_price", "Zero or negative prices", zero_price,
              "kept, marked 'zero_price': left out of demand and recommendations", show)
