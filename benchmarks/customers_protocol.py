"""The customer benchmarks' protocol on the UCI Online Retail file in ../shared/data (issue 10).

Lines with a customer id; a purchase line is an invoice not starting with "C" with quantity > 0 and
price > 0 (every stock code, postage included: that is how the issue's reference figures were
measured, 3,370 customers and 4,450 purchase days after 2011-09-10); "C" invoices with a negative
quantity are returns (they reduce money, never purchases).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.data import schema  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.parquet"
AS_OF = pd.Timestamp("2011-09-10")
HORIZON = 90


def customer_frame(path: Path = DATA) -> pd.DataFrame:
    """Canonical lines of the protocol: sale lines and returns of customers."""
    raw = pd.read_parquet(path)
    raw = raw[raw["CustomerID"].notna()]
    cancelled = raw["InvoiceNo"].astype(str).str.startswith("C")
    sale = ~cancelled & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)
    kept = sale | (cancelled & (raw["Quantity"] < 0))
    lines = raw[kept]
    return pd.DataFrame({
        schema.DATE: lines["InvoiceDate"].astype("datetime64[ns]"),
        schema.PRODUCT_ID: lines["StockCode"].astype(str).str.upper(),
        schema.PRODUCT_NAME: lines["Description"], schema.CATEGORY: None,
        schema.QUANTITY: lines["Quantity"].astype(float), schema.UNIT_PRICE: lines["UnitPrice"].astype(float),
        schema.REVENUE: lines["Quantity"] * lines["UnitPrice"],
        schema.CUSTOMER_ID: lines["CustomerID"].astype("int64").astype(str),
        schema.STORE_ID: lines["Country"], schema.ORDER_ID: lines["InvoiceNo"].astype(str),
        schema.LINE_TYPE: np.where(sale[kept], schema.SALE, schema.RETURN),
    }).reset_index(drop=True)


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table (numbers right-aligned, floats with ``digits`` decimals)."""
    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:,.{digits}f}"
        if isinstance(value, int | np.integer):
            return f"{value:,}"
        return str(value)

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
