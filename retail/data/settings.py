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

# Read as missing in id and name columns (case-insensitive). Not "NA": it is a region (North
# America) or a country code (Namibia) too often; number columns read NA as missing anyway.
DEFAULT_MISSING_VALUES: tuple[str, ...] = ("NULL", "(null)", "N/A", "#N/A", "-", "--", "None", "nan", "nil")
# Whole-value patterns (case-insensitive) of total and subtotal lines: "TOTAL", "Sub-total",
# "Grand total:", "** Total for 2011-01-01 **", "Summe"; never "Total Wipeout" (a product).
DEFAULT_SUBTOTAL_LABELS: tuple[str, ...] = (
    r"^\W*(?:grand|sub|overall|daily|day|weekly|week|monthly|month|store|shop|page)?\s*-?\s*totals?"
    r"(?:\s+(?:sales|revenue|amount|units|qty|quantity))?\W*(?:(?:for|of)\b.*)?$",
    r"^\W*(?:zwischen|gesamt|end)?summe\W*$", r"^\W*gesamt(?:summe|betrag)?\W*$",
    r"^\W*total (?:général|general)\W*$", r"^\W*totale\W*$",
)
# Dates systems write when they have none (the Excel and Unix epochs).
DEFAULT_PLACEHOLDER_DATES: tuple[str, ...] = ("1899-12-30", "1899-12-31", "1900-01-01", "1970-01-01")


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
    drop_duplicates : bool, optional
        Drop exact duplicate rows (the first copy is kept). By default (None) only when the
        file has a quantity column: then each row states its units and an identical repeat
        is a double export. Without one each row is one unit, and identical rows are separate
        units (two of the same item in a basket), so they are kept and counted.
    missing_values : tuple of str
        Placeholders read as missing in id and name columns (``NULL``, ``N/A``, ``-`` ...).
    subtotal_labels : tuple of str
        Whole-value patterns of total / subtotal lines (in the product, store, customer or
        order column): kept, marked ``subtotal``, out of demand (they would count a day twice).
    placeholder_dates : tuple of str
        Dates a system writes when it has none; dropped when they lie before the bulk of the data.
    early_date_gap : float
        Other dates are dropped as far outliers when they lie before the bulk of the dates
        (the 5th percentile) by more than this many times the bulk's span (5th to 95th
        percentile), and by at least a year: a daily forecast must not span decades.
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
        ``outlier_mad_multiplier`` (default 5) robust standard deviations (1.4826 x the
        median absolute deviation of the logs) away. Online Retail has one such line: 74,215
        storage jars on a product usually sold by 8 (cancelled the same day).

    return_window_days : int
        A return is matched to the sale it undoes (same customer, product and units) when that
        sale is at most this many days older (default 90); the sale is then marked ``cancelled``.

    Implausible lines are kept and marked ``implausible``: left out of demand like returns.
    """

    dayfirst: bool | None = None
    date_format: str | None = None
    non_product_codes: tuple[str, ...] = DEFAULT_NON_PRODUCT_CODES
    non_product_patterns: tuple[str, ...] = DEFAULT_NON_PRODUCT_PATTERNS
    non_product_names: tuple[str, ...] = DEFAULT_NON_PRODUCT_NAMES
    drop_duplicates: bool | None = None
    latest_allowed_date: pd.Timestamp | None = None
    max_quantity: float = 1_000_000.0
    max_unit_price: float = 10_000_000.0
    outlier_min_count: int = 20
    outlier_min_ratio: float = 1000.0
    outlier_mad_multiplier: float = 5.0
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    subtotal_labels: tuple[str, ...] = DEFAULT_SUBTOTAL_LABELS
    placeholder_dates: tuple[str, ...] = DEFAULT_PLACEHOLDER_DATES
    early_date_gap: float = 1.0
    return_window_days: int = 90

    def __post_init__(self) -> None:
        positive = {"max_quantity": self.max_quantity, "max_unit_price": self.max_unit_price,
                    "outlier_mad_multiplier": self.outlier_mad_multiplier, "early_date_gap": self.early_date_gap}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be a positive number; got {value!r}.")
        if not self.outlier_min_ratio > 1:
            raise ValueError(f"outlier_min_ratio must be above 1 (how many times the usual value); "
                             f"got {self.outlier_min_ratio!r}.")
        if self.outlier_min_count < 3:
            raise ValueError(f"outlier_min_count must be at least 3 lines; got {self.outlier_min_count!r}.")
        for pattern in self.non_product_patterns + self.non_product_names + self.subtotal_labels:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"Pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        for day in self.placeholder_dates:
            try:
                pd.Timestamp(day)
            except ValueError as exc:
                raise ValueError(f"Placeholder date {day!r} is not a date (write it as 1900-01-01).") from exc

    def cutoff(self) -> pd.Timestamp:
        """Dates after this are 'in the future' (default: the end of tomorrow, for time zones)."""
        if self.latest_allowed_date is not None:
            return pd.Timestamp(self.latest_allowed_date)
        return pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
