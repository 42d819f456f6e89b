"""A second source of development data for the customer models: a synthetic shop from another process.

Online Retail's customers follow whatever a gift wholesaler's customers do; the models' defaults
must not fit that one file. This population is drawn from the Pareto/NBD process (Schmittlein,
Morrison & Colombo 1987), *not* BG/NBD's: while alive a customer buys at a rate
``lambda ~ Gamma(0.7, mean 1/35 per day)``; each lives an exponential time with rate
``mu ~ Gamma(1, mean 1/400 per day)`` (dropping out at any moment, not only after a purchase).
Customers arrive over the whole period, more of them later (a growing shop), the shop's rate has a
yearly season (+/-30%, peak in early December) and a weekly dip at weekends, and the value of a
purchase is Gamma around each customer's own mean (Gamma-distributed across customers).

``shop(seed)`` returns canonical sale lines (one line per purchase, one order each) over 450 days.
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

START = pd.Timestamp("2022-01-03")
DAYS = 450


def _season(day: np.ndarray) -> np.ndarray:
    """The shop's rate multiplier on ``day`` (days since START): yearly +/-30%, weekends 0.7."""
    yearly = 1.0 + 0.3 * np.cos(2 * np.pi * (day - 335.0) / 365.0)
    weekend = np.where((np.floor(day) % 7) >= 5, 0.7, 1.0)
    return yearly * weekend


def shop(seed: int = 0, customers: int = 4000) -> pd.DataFrame:
    """Canonical sale lines of a synthetic shop (see the module)."""
    rng = np.random.default_rng(seed)
    arrival = DAYS * np.sqrt(rng.uniform(0.0, 1.0, customers))  # density rising over time
    rate = rng.gamma(0.7, (1 / 35) / 0.7, customers)
    lifetime = rng.exponential(1.0 / rng.gamma(1.0, 1 / 400, customers))
    end = np.minimum(arrival + lifetime, DAYS)
    peak = 1.3  # the season's maximum: thinning below it
    count = rng.poisson(rate * peak * (end - arrival))
    owner = np.repeat(np.arange(customers), count)
    day = arrival[owner] + rng.uniform(0.0, 1.0, len(owner)) * (end - arrival)[owner]
    keep = rng.uniform(0.0, peak, len(owner)) < _season(day)
    owner, day = np.concatenate([np.arange(customers), owner[keep]]), np.concatenate([arrival, day[keep]])
    mean_value = rng.gamma(3.0, 20.0, customers)
    value = rng.gamma(5.0, mean_value[owner] / 5.0)
    order = np.arange(len(owner))
    ids = pd.Series(owner).map("S{:05d}".format).to_numpy(dtype=object)
    return pd.DataFrame({
        schema.DATE: START + pd.to_timedelta(day, unit="D"), schema.PRODUCT_ID: "P1", schema.PRODUCT_NAME: "item",
        schema.CATEGORY: None, schema.QUANTITY: 1.0, schema.UNIT_PRICE: value, schema.REVENUE: value,
        schema.CUSTOMER_ID: ids, schema.STORE_ID: "web", schema.ORDER_ID: pd.Series(order).map("O{:07d}".format),
        schema.LINE_TYPE: schema.SALE,
    }).sort_values(schema.DATE, kind="stable").reset_index(drop=True)
