"""The price panel: every product (x store) and day from its first sale, zero-filled, with the
shelf price and the promotion state carried forward over days without sales.

A till export has rows only for days with sales. A day without a row is a day with zero sales
(:func:`retail.analytics.aggregate.build_panel` fills it, and marks long breaks as absences);
its price and promotion state are unknown, so the last ones seen in that store are carried
forward. The price of a day is the *median* unit price over its sale lines, not sales value /
units, so a bulk discount on one big order does not pass for a price cut.

:func:`build_price_panel` returns a :class:`PricePanel`: the long ``rows`` (one per product x
store x day) and one row per product in ``products`` with what an elasticity rests on
(:mod:`retail.pricing.identify`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import ABSENT, DATE, SERIES_ID, Y, build_panel
from retail.analytics.overview import promo_column as guess_promo_column
from retail.data import schema
from retail.pricing.identify import identify

logger = logging.getLogger(__name__)

PRODUCT, STORE, DAY, UNITS, PRICE, PROMO, REGULAR, OBSERVED = (
    "product", "store", "day", "units", "price", "promo", "regular_price", "observed")
WEEKLY_SHARE = 0.95  # this share of sale days on one weekday: a weekly file (no day-of-week pattern to fit)


@dataclass
class PricePanel:
    """The zero-filled panel and its products.

    ``rows``: ``product`` (position in ``products``), ``store`` (code within the product, 0..),
    ``day`` (periods since ``start``), ``date``, ``units``, ``price``, ``promo`` (0/1),
    ``regular_price`` (the last price outside a promotion), ``observed`` (a sale row existed),
    ``absent`` (inside a long break: left out of the fit); sorted by product, store, day.
    """

    rows: pd.DataFrame
    products: pd.DataFrame
    start: pd.Timestamp
    freq: str
    promo_column: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def n_products(self) -> int:
        return len(self.products)

    def offsets(self) -> np.ndarray:
        """Row offsets of each product in ``rows`` (length n_products + 1)."""
        return np.searchsorted(self.rows[PRODUCT].to_numpy(), np.arange(self.n_products + 1))


def why_not(has: Callable[[str], bool]) -> str | None:
    """Why a dataset cannot have price elasticities (``has(field)``: whether it maps a field), or None."""
    if not has(schema.PRODUCT_ID):
        return ("Pricing needs products and their prices: this data has sales totals per store, without products "
                "(and so without product prices).")
    if not (has(schema.UNIT_PRICE) or (has(schema.REVENUE) and has(schema.QUANTITY))):
        return ("Pricing needs prices: this data has no unit price column, and no sales value with units to derive "
                "one. Map a price column on the Data page.")
    return None


def line_prices(sales: pd.DataFrame) -> pd.Series:
    """The unit price of each sale line: the price column, else sales value / units."""
    price = pd.to_numeric(sales[schema.UNIT_PRICE], errors="coerce")
    derived = sales[schema.REVENUE] / sales[schema.QUANTITY].where(sales[schema.QUANTITY] > 0)
    return price.fillna(derived).where(lambda p: p > 0)


def check_prices(frame: pd.DataFrame) -> pd.DataFrame:
    """The net sale lines with a price; a ``ValueError`` in plain words when there are none."""
    if frame.empty:
        raise ValueError("This data has no sale lines, so no price effect can be measured.")
    if schema.PRODUCT_ID not in frame or frame[schema.PRODUCT_ID].isna().all():
        raise ValueError("Price elasticity needs a product column: this data has sales totals per store, "
                         "without products (and so without product prices).")
    sales = schema.sales_only(frame)
    prices = line_prices(sales)
    if prices.notna().sum() == 0:
        raise ValueError("This data has no product prices (no unit price column, and no sales value with units "
                         "to derive one), so price effects cannot be measured. Map a unit price column.")
    return sales.assign(**{PRICE: prices})[prices.notna()]


def _promo_column(frame: pd.DataFrame, requested: str | None) -> str | None:
    if requested is None:
        return guess_promo_column(frame)
    if requested not in frame.columns or not pd.api.types.is_numeric_dtype(frame[requested]):
        numeric = [c for c in frame.columns if c not in schema.CANONICAL_COLUMNS
                   and pd.api.types.is_numeric_dtype(frame[c])]
        raise ValueError(f"The promotion column {requested!r} is not a numeric column of this data; "
                         f"numeric extra columns: {numeric or 'none'}.")
    return requested


def _frequency(sales: pd.DataFrame) -> str:
    weekday_share = sales[schema.DATE].dt.dayofweek.value_counts(normalize=True).iloc[0]
    return "W" if weekday_share >= WEEKLY_SHARE and sales[schema.DATE].dt.normalize().nunique() > 1 else "D"


def _day_prices(sales: pd.DataFrame, keys: list[str], freq: str) -> pd.DataFrame:
    day = frequency.period_start(sales[schema.DATE], freq)
    frame = pd.DataFrame({key: sales[key].fillna("(none)").astype(str).to_numpy() for key in keys})
    frame[DATE], frame[PRICE] = day.to_numpy(), sales[PRICE].to_numpy(dtype=np.float64)
    return frame.groupby([*keys, DATE], sort=False)[PRICE].median().reset_index()


def build_price_panel(frame: pd.DataFrame, promo_column: str | None = None, min_sale_days: int = 30,
                      min_store_days: int = 8, price_step: float = 0.01) -> PricePanel:
    """The zero-filled panel with prices and promotions carried forward (see the module).

    Parameters
    ----------
    frame : canonical rows (net sale lines are used).
    promo_column : the extra column flagging promotions (> 0); None: a column named like "promo", if any.
    min_sale_days : products with fewer days with sales get no elasticity ("too few sales").
    min_store_days : a product's sales in a store where it sold on fewer days are left out of its panel.
    price_step : relative price moves smaller than this are not counted as price changes.
    """
    sales = check_prices(frame)
    promo = _promo_column(frame, promo_column)
    has_store = schema.STORE_ID in sales and sales[schema.STORE_ID].notna().any()
    keys = [schema.PRODUCT_ID, schema.STORE_ID] if has_store else [schema.PRODUCT_ID]
    freq = _frequency(sales)
    sales, dropped = _drop_thin_stores(sales, keys, min_store_days) if has_store else (sales, 0)
    panel, report = build_panel(sales.drop(columns=[PRICE]), "product_store" if has_store else "product", freq,
                                "units", exog=[promo] if promo else [], complete_periods_only=False)
    info = report.series_info.assign(**{k: report.series_info[k].fillna("(none)").astype(str) for k in keys})
    rows = panel.merge(info[[SERIES_ID, *keys]], on=SERIES_ID, how="left")
    rows = rows.merge(_day_prices(sales, keys, freq), on=[*keys, DATE], how="left")
    rows, chain_wide = _carry_forward(rows, promo, keys)
    products = _products(sales, rows)
    rows = _encode(rows, products, keys)
    products = identify(rows, products, min_sale_days, price_step)
    start = rows[DATE].min()
    rows = rows[~np.isin(rows[PRODUCT].to_numpy(), np.flatnonzero(products["reason"] == "few_sales"))]
    if rows.empty:
        raise ValueError(f"No product sold on {min_sale_days:,} days or more, so no price effect can be measured: "
                         "lower the minimum days with sales, or use a longer history.")
    notes = _notes(promo, freq, dropped, report.absences, chain_wide)
    return PricePanel(rows.reset_index(drop=True), products, start, freq, promo, notes)


def _carry_forward(rows: pd.DataFrame, promo: str | None, keys: list[str]) -> tuple[pd.DataFrame, int]:
    """Price, promotion and regular price on days without sales: the price seen that day in the
    product's other stores when its stores charge the same prices, else the last one seen in
    that store. Returns the rows and the number of products priced chain-wide."""
    rows = rows.sort_values([SERIES_ID, DATE], kind="stable").reset_index(drop=True)
    observed = rows[PRICE].notna().to_numpy() & (rows[Y].to_numpy() > 0)
    flag = (rows[promo].to_numpy() > 0) if promo else np.zeros(len(rows), dtype=bool)
    price = rows[PRICE].where(observed)
    state = pd.Series(flag.astype(np.float64), index=rows.index).where(observed)
    chain_wide = 0
    if len(keys) > 1:
        day = _chain_days(rows[observed], keys[0], flag[observed])
        chain_wide = int(day[keys[0]].nunique()) if len(day) else 0
        found = rows[[keys[0], DATE]].merge(day, on=[keys[0], DATE], how="left")
        fill = ~observed & found["chain_price"].notna().to_numpy()
        price[fill] = found["chain_price"].to_numpy()[fill]
        state[fill] = found["chain_promo"].to_numpy()[fill]
    groups = rows[SERIES_ID]
    state = state.groupby(groups).ffill().fillna(0.0)
    regular = price.where(state == 0).groupby(groups).ffill().groupby(groups).bfill()
    price = price.groupby(groups).ffill().groupby(groups).bfill()
    rows = rows.assign(**{PRICE: price, PROMO: state.to_numpy(), REGULAR: regular.fillna(price), OBSERVED: observed})
    return rows, chain_wide


def _chain_days(seen: pd.DataFrame, product: str, flag: np.ndarray, agree: float = 0.9) -> pd.DataFrame:
    """Product-days with the price and promotion state seen in the stores that sold, for the
    products whose stores charged the same price on at least ``agree`` of their shared days."""
    day = seen[[product, DATE]].assign(price=seen[PRICE].to_numpy(), promo=flag.astype(np.float64))
    stats = day.groupby([product, DATE]).agg(chain_price=("price", "median"), low=("price", "min"),
                                             high=("price", "max"), chain_promo=("promo", "max"),
                                             stores=("price", "size")).reset_index()
    shared = stats[stats["stores"] > 1]
    same = (shared["high"] - shared["low"] <= 0.005 * shared["chain_price"]).groupby(shared[product]).mean()
    chain = set(same.index[same >= agree])
    return stats.loc[stats[product].isin(chain), [product, DATE, "chain_price", "chain_promo"]]


def _drop_thin_stores(sales: pd.DataFrame, keys: list[str], min_store_days: int) -> tuple[pd.DataFrame, int]:
    """Sales of a product in a store where it sold on fewer than ``min_store_days`` days are left
    out (a product's best store always stays); returns the lines kept and the pairs left out."""
    pairs = pd.DataFrame({key: sales[key].fillna("(none)").astype(str).to_numpy() for key in keys})
    pairs["day"] = sales[schema.DATE].dt.normalize().to_numpy()
    days = pairs.groupby(keys, sort=False)["day"].transform("nunique")
    best = days.groupby(pairs[keys[0]]).transform("max")
    keep = ((days >= min_store_days) | (days == best)).to_numpy()
    return sales[keep], int(pairs.loc[~keep, keys].drop_duplicates().shape[0])


def _most_frequent(keys: pd.Series, values: pd.Series) -> pd.Series:
    """The most frequent non-missing value per key (ties: the first in sorted order)."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "value": values.to_numpy()}).dropna()
    counts = pairs.groupby(["key", "value"], sort=True).size().reset_index(name="n")
    return counts.sort_values(["key", "n"], ascending=[True, False], kind="stable").drop_duplicates("key").set_index(
        "key")["value"]


def _products(sales: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per product: code, name and category (the most frequent ones)."""
    ids = np.sort(rows[schema.PRODUCT_ID].unique())
    codes = sales[schema.PRODUCT_ID].astype(str)
    table = pd.DataFrame({schema.PRODUCT_ID: ids})
    for column in (schema.PRODUCT_NAME, schema.CATEGORY):
        known = column in sales and sales[column].notna().any()
        table[column] = table[schema.PRODUCT_ID].map(_most_frequent(codes, sales[column])) if known else None
    table[schema.PRODUCT_NAME] = table[schema.PRODUCT_NAME].fillna(table[schema.PRODUCT_ID]).astype(str)
    table[schema.CATEGORY] = table[schema.CATEGORY].astype(object).where(table[schema.CATEGORY].notna(), None)
    return table


def _encode(rows: pd.DataFrame, products: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    position = pd.Series(np.arange(len(products)), index=products[schema.PRODUCT_ID])
    code = position.reindex(rows[schema.PRODUCT_ID]).to_numpy()
    store_name = rows[keys[1]] if len(keys) > 1 else pd.Series("(all)", index=rows.index)
    start = rows[DATE].min()
    out = pd.DataFrame({
        PRODUCT: code.astype(np.int64), "store_name": store_name.to_numpy(), DATE: rows[DATE].to_numpy(),
        UNITS: rows[Y].to_numpy(dtype=np.float64), PRICE: rows[PRICE].to_numpy(dtype=np.float64),
        PROMO: rows[PROMO].to_numpy(), REGULAR: rows[REGULAR].to_numpy(dtype=np.float64),
        OBSERVED: rows[OBSERVED].to_numpy(), ABSENT: rows[ABSENT].to_numpy(dtype=bool)})
    out[DAY] = ((out[DATE] - start).dt.days).astype(np.int64)
    out = out.sort_values([PRODUCT, "store_name", DAY], kind="stable").reset_index(drop=True)
    pair = out.groupby([PRODUCT, "store_name"], sort=False).ngroup().to_numpy()
    out[STORE] = (pair - pd.Series(pair).groupby(out[PRODUCT].to_numpy()).transform("min").to_numpy()).astype(np.int64)
    return out


def _notes(promo: str | None, freq: str, dropped: int, absences: dict[str, int], chain_wide: int) -> list[str]:
    period = "week" if freq == "W" else "day"
    what = "price and promotion state" if promo else "price"
    notes = [f"A {period} without a sale row counts as a {period} with zero sales; its {what} is carried "
             "forward from the last sale in that store."]
    if chain_wide:
        notes.append(f"{chain_wide:,} products cost the same in every store on the {period}s several stores sold "
                     f"them: a store's {period} without a sale takes the {what} seen in the other stores that "
                     f"{period}, when there is one.")
    notes.append(f"Promotions: the column {promo!r} (above 0 = on promotion)." if promo else
                 "No promotion column: a temporary discount cannot be told apart from a price change.")
    if freq == "W":
        notes.append("Every date falls on the same weekday, so the data is read as weekly.")
    if dropped:
        notes.append(f"{dropped:,} product-store pairs with very few sale days are left out of the estimates.")
    if absences:
        notes.append(f"{len(absences):,} product-store pairs had long breaks in sales, treated as missing, not zero.")
    return notes
