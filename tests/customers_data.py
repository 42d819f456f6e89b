"""Seeded customer purchase data for the customer tests: buyers at their own pace who may leave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import schema


def shop_lines(customers: int = 300, days: int = 400, seed: int = 0, start: str = "2023-01-02",
               returns: bool = True) -> pd.DataFrame:
    """Canonical order lines: each customer arrives on a random day, buys every few weeks (their own
    rate) and stops after a random number of purchases; one to three products per order; a few
    returns (a C-order with a negative quantity) when ``returns``."""
    rng = np.random.default_rng(seed)
    rows = []
    origin = pd.Timestamp(start)
    for c in range(customers):
        day = float(rng.uniform(0, days * 0.6))
        rate = rng.gamma(1.5, 1 / 30)  # purchases per day
        keep = rng.beta(1.0, 6.0)  # chance of leaving after each purchase
        order = 0
        while day < days:
            for _ in range(int(rng.integers(1, 4))):
                product = f"P{int(rng.integers(0, 25)):02d}"
                units = float(rng.integers(1, 5))
                rows.append((origin + pd.Timedelta(days=day), product, units, 2.0 + int(product[1:]) % 7, f"C{c:04d}",
                             f"O{c:04d}-{order}"))
            order += 1
            if rng.random() < keep:
                break
            day += rng.exponential(1 / rate)
    frame = pd.DataFrame(rows, columns=["date", "product", "units", "price", "customer", "order"])
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    lines = pd.DataFrame({
        schema.DATE: frame["date"].astype("datetime64[ns]"), schema.PRODUCT_ID: frame["product"],
        schema.PRODUCT_NAME: "product " + frame["product"], schema.CATEGORY: None,
        schema.QUANTITY: frame["units"], schema.UNIT_PRICE: frame["price"],
        schema.REVENUE: frame["units"] * frame["price"], schema.CUSTOMER_ID: frame["customer"].astype(object),
        schema.STORE_ID: "s1", schema.ORDER_ID: frame["order"].astype(object), schema.LINE_TYPE: schema.SALE,
    })
    if returns:
        picked = lines.sample(frac=0.02, random_state=seed)
        back = picked.assign(**{schema.QUANTITY: -1.0, schema.REVENUE: -picked[schema.UNIT_PRICE],
                                schema.ORDER_ID: "C" + picked[schema.ORDER_ID].astype(str),
                                schema.DATE: picked[schema.DATE] + pd.Timedelta(days=3),
                                schema.LINE_TYPE: schema.RETURN})
        lines = pd.concat([lines, back], ignore_index=True).sort_values(schema.DATE, kind="stable")
    return lines.reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path) -> None:
    """The lines as a shop export would write them (the CLI and page tests read it back)."""
    out = pd.DataFrame({"InvoiceDate": frame[schema.DATE].dt.strftime("%Y-%m-%d %H:%M"),
                        "StockCode": frame[schema.PRODUCT_ID], "Description": frame[schema.PRODUCT_NAME],
                        "Quantity": frame[schema.QUANTITY], "UnitPrice": frame[schema.UNIT_PRICE],
                        "CustomerID": frame[schema.CUSTOMER_ID], "InvoiceNo": frame[schema.ORDER_ID],
                        "Country": "United Kingdom"})
    out.to_csv(path, index=False)
