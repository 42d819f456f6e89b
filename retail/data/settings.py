"""How validation reads and cleans a file: one frozen dataclass with documented defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

DEFAULT_NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST", "DOT", "C2", "CRUK", "BANK CHARGES", "AMAZONFEE", "ADJUST", "ADJUST2", "SHIPPING",
    "DELIVERY", "FEE", "DISCOUNT", "SAMPLES", "TEST001", "TEST002",
)
# Patterns over product codes (gift vouchers) ...
DEFAULT_NON_PRODUCT_PATTERNS: tuple[str, ...] = (r"^gift_",)
# ... and over whole product names: one-letter codes such as M or D are only safe to call
# non-product when the name says what they are ("Manual", "Discount").
DEFAULT_NON_PRODUCT_NAMES: tuple[str, ...] = (
    r"^(?:dotcom )?postage$", r"^carriage$", r"^manual$", r"^discount$", r"^samples?$", r"^bank charges$",
    r"^amazon fee$", r"commission$", r"^adjust bad debt$", r"gift voucher", r"^shipping(?: fee| cost)?$",
)


@dataclass(frozen=True)
class ValidationSettings:
    """How to read and clean a file. Every field has a sensible default.

    Parameters
    ----------
    dayfirst : bool, optional
        Read ``03/04/2011`` as 3 April (True) or 4 March (False); by default from the data.
    date_format : str, optional
        An explicit strftime format for the date column (skips detection).
    non_product_codes, non_product_patterns, non_product_names : tuple of str
        Product codes (exact, case-insensitive), code patterns and whole-name patterns of
        lines that are not merchandise (postage, fees, vouchers): kept, marked ``non_product``.
    drop_duplicates : bool
        Drop exact duplicate rows (the first copy is kept).
    latest_allowed_date : Timestamp, optional
        Dates after this are "in the future" and dropped (default: the end of tomorrow).
    max_quantity, max_unit_price : float
        Absolute bounds: a line with more units (or returned units) than ``max_quantity``
        (default one million) or a unit price above ``max_unit_price`` (default ten million,
        in any currency, yen included) is implausible whatever the product.
    outlier_min_count, outlier_min_ratio, outlier_mad_multiplier : int, float, float
        The per-product rule for sale lines. For each product with at least
        ``outlier_min_count`` sale lines (default 20), quantities and prices are compared on
        a log scale with the product's own median: a line is implausible when it is more than
        ``outlier_min_ratio`` times (default 1000) above or below the median *and* more than
        ``outlier_mad_multiplier`` (default 6) robust standard deviations (1.4826 x the
        median absolute deviation of the logs) away. Online Retail has one such line: 74,215
        storage jars on a product usually sold by 8 (cancelled the same day).

    Implausible lines are kept and marked ``implausible``: left out of demand like returns.
    """

    dayfirst: bool | None = None
    date_format: str | None = None
    non_product_codes: tuple[str, ...] = DEFAULT_NON_PRODUCT_CODES
    non_product_patterns: tuple[str, ...] = DEFAULT_NON_PRODUCT_PATTERNS
    non_product_names: tuple[str, ...] = DEFAULT_NON_PRODUCT_NAMES
    drop_duplicates: bool = True
    latest_allowed_date: pd.Timestamp | None = None
    max_quantity: float = 1_000_000.0
    max_unit_price: float = 10_000_000.0
    outlier_min_count: int = 20
    outlier_min_ratio: float = 1000.0
    outlier_mad_multiplier: float = 6.0

    def __post_init__(self) -> None:
        positive = {"max_quantity": self.max_quantity, "max_unit_price": self.max_unit_price,
                    "outlier_mad_multiplier": self.outlier_mad_multiplier}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be a positive number; got {value!r}.")
        if not self.outlier_min_ratio > 1:
            raise ValueError(f"outlier_min_ratio must be above 1 (how many times the usual value); "
                             f"got {self.outlier_min_ratio!r}.")
        if self.outlier_min_count < 3:
            raise ValueError(f"outlier_min_count must be at least 3 lines; got {self.outlier_min_count!r}.")
        for pattern in self.non_product_patterns + self.non_product_names:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"Non-product pattern {pattern!r} is not a valid regular expression: {exc}") from exc

    def cutoff(self) -> pd.Timestamp:
        """Dates after this are 'in the future' (default: the end of tomorrow, for time zones)."""
        if self.latest_allowed_date is not None:
            return pd.Timestamp(self.latest_allowed_date)
        return pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
