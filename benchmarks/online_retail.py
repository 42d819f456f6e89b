"""The benchmarks' shared protocol on the UCI Online Retail file in ../shared/data."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.data import schema  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.parquet"


def protocol_frame(path: Path = DATA, require_customer: bool = False) -> pd.DataFrame:
    """Lines whose invoice is not a cancellation (no leading C), quantity > 0, price > 0 and a
    StockCode of five digits with an optional letter (a variant, kept as its own product),
    renamed to canonical columns; with ``require_customer`` only lines with a customer id."""
    raw = pd.read_parquet(path)
    keep = (~raw["InvoiceNo"].astype(str).str.startswith("C") & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)
            & raw["StockCode"].astype(str).str.fullmatch(r"\d{5}[A-Za-z]?"))
    if require_customer:
        keep &= raw["CustomerID"].notna()
    lines = raw[keep]
    customers = lines["CustomerID"].astype("Int64").astype(str).where(lines["CustomerID"].notna(), None)
    return pd.DataFrame({
        schema.DATE: lines["InvoiceDate"].astype("datetime64[ns]"),
        schema.PRODUCT_ID: lines["StockCode"].astype(str).str.upper(),
        schema.PRODUCT_NAME: lines["Description"],
        schema.CATEGORY: None,
        schema.QUANTITY: lines["Quantity"].astype(float),
        schema.UNIT_PRICE: lines["UnitPrice"].astype(float),
        schema.REVENUE: lines["Quantity"] * lines["UnitPrice"],
        schema.CUSTOMER_ID: customers,
        schema.STORE_ID: lines["Country"],
        schema.ORDER_ID: lines["InvoiceNo"].astype(str),
        schema.LINE_TYPE: schema.SALE,
    }).reset_index(drop=True)
