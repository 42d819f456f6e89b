"""Small seeded sales files for the weekly-cycle tests: a shop's till export, week by week."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

HEADER = ["Date", "SKU", "Name", "Qty", "Price", "Customer", "Store", "Invoice"]


def sales_lines(start: str = "2024-01-01", weeks: int = 30, products: int = 8, seed: int = 0,
                shifts: dict[str, tuple[str, float]] | None = None, first_invoice: int = 1) -> pd.DataFrame:
    """One line per product and day with Poisson units (a day without a sale has no line). Product ``P<i>``
    sells about ``4 + 3 i`` units a day at ``1 + i`` pounds; ``shifts`` multiplies a product's rate from a day on."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=7 * weeks, freq="D")
    codes = [f"P{i}" for i in range(products)]
    rate = np.array([4.0 + 3.0 * i for i in range(products)])[None, :].repeat(len(days), axis=0)
    for code, (day, factor) in (shifts or {}).items():
        rate[days >= pd.Timestamp(day), codes.index(code)] *= factor
    units = rng.poisson(rate)
    day_index, product_index = np.nonzero(units)
    lines = pd.DataFrame({
        "Date": days[day_index].strftime("%Y-%m-%d"), "SKU": np.array(codes)[product_index],
        "Name": [f"Product {code}" for code in np.array(codes)[product_index]],
        "Qty": units[day_index, product_index], "Price": (1.0 + product_index).round(2),
        "Customer": [f"c{c}" for c in rng.integers(1, 40, len(day_index))], "Store": "London",
        "Invoice": [f"I{first_invoice + k}" for k in range(len(day_index))]})
    return lines[HEADER]


def csv_bytes(lines: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    lines.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def split_weeks(lines: pd.DataFrame, first: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The lines before ``first`` (a Monday) and each following week's lines."""
    dates = pd.to_datetime(lines["Date"])
    cut = pd.Timestamp(first)
    weeks = []
    start = cut
    while start <= dates.max():
        end = start + pd.Timedelta(days=7)
        weeks.append(lines[(dates >= start) & (dates < end)])
        start = end
    return lines[dates < cut], weeks
