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

PRODUCT, STORE, DAY, UNITS, PRICE, PROMO, REGULAR, OBSERVED, EVENT = (
    "product", "store", "day", "units", "price", "promo", "regular_price", "observed", "event")
WEEKLY_SHARE = 0.95  # this share of sale days on one weekday: a weekly file (no day-of-week pattern to fit)


@dataclass
class PricePanel:
    """The zero-filled panel and its products.

    ``rows``: ``product`` (position in ``products``), ``store`` (code within the product, 0..),
    ``day`` (periods since ``start``), ``date``, ``units``, ``price``, ``promo`` (0/1),
    ``regular_price`` (the last price outside a promotion), ``observed`` (a sale row existed),
    ``absent`` (inside a long break: left out of the fit), ``event`` (the promotion event: a run of
    promotion days of the product in any store, numbered across the shop; -1 outside promotions);
    sorted by product, store, day.
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
    rows = _encode(rows, products, keys, 7 if freq == "W" else 1)
    products = identify(rows, products, min_sale_days, price_step)
    start = rows[DATE].min()
    rows = rows[~np.isin(rows[PRODUCT].to_numpy(), np.flatnonzero(products["reason"] == "few_sales"))]
    if rows.empty:
        raise ValueError(f"No product sold on {min_sale_days:,} days or more, so no price effect can be measured: "
                         "lower the minimum days with sales, or use a longer history.")
    notes = _notes(promo, freq, dropped, report.absences, chain_wide)
    return PricePanel(rows.reset_index(drop=True), products, start, freq, promo, notes)


def _carry_forward(rows: pd.DataFrame, promo: str | None, keys: list[str]) -> tuple[pd.DataFrame, int]:
    """Price, promotion and regular price on days without sales (see :func:`_chain_fill`), else the
    last ones seen in that store. Returns the rows and the number of products priced chain-wide."""
    rows = rows.sort_values([SERIES_ID, DATE], kind="stable").reset_index(drop=True)
    observed = rows[PRICE].notna().to_numpy() & (rows[Y].to_numpy() > 0)
    flag = (rows[promo].to_numpy() > 0) if promo else np.zeros(len(rows), dtype=bool)
    price = rows[PRICE].where(observed)
    state = pd.Series(flag.astype(np.float64), index=rows.index).where(observed)
    chain_wide = 0
    if len(keys) > 1:
        chain_price, chain_state, chain_wide = _chain_fill(rows, observed, flag, keys)
        fill = ~observed & np.isfinite(chain_price)
        price[fill], state[fill] = chain_price[fill], chain_state[fill]
    groups = rows[SERIES_ID]
    state = state.groupby(groups).ffill().fillna(0.0)
    regular = price.where(state == 0).groupby(groups).ffill().groupby(groups).bfill()
    price = price.groupby(groups).ffill().groupby(groups).bfill()
    rows = rows.assign(**{PRICE: price, PROMO: state.to_numpy(), REGULAR: regular.fillna(price), OBSERVED: observed})
    return rows, chain_wide


def _chain_fill(rows: pd.DataFrame, observed: np.ndarray, flag: np.ndarray,
                keys: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Price and promotion state of every row from the whole chain, for the products whose stores
    move their prices together (NaN for the others).

    A slow mover sells in one store or another on a few days a week: the day a price changes,
    the first store to sell shows the new price, and the others' days without sales have it
    too. Each store's price is read as the chain's price times a fixed ratio (a price zone; 1
    when the stores charge the same). The chain's price and promotion state on a day is the one
    seen in the stores that sold, else the one of the nearest day on which any store sold: a
    change between two sales is as likely in the first half of the gap as in the second, and
    carrying the old price over the whole gap would date every change late.
    """
    product, store = keys
    log_price = np.log(rows[PRICE].to_numpy(dtype=np.float64))
    seen = pd.DataFrame({"product": rows[product].to_numpy(), "store": rows[store].to_numpy(),
                         DATE: rows[DATE].to_numpy(), "log_price": log_price, "promo": flag.astype(np.float64)})[observed]
    zone = _price_zones(seen)
    if zone.empty:
        return np.full(len(rows), np.nan), np.full(len(rows), np.nan), 0
    seen = seen.join(zone, on=["product", "store"], how="inner")
    day = seen.assign(log_price=seen["log_price"] - seen["zone"]).groupby(["product", DATE], sort=True).agg(
        log_price=("log_price", "median"), promo=("promo", "max"))
    every = rows[[product, DATE]].drop_duplicates().rename(columns={product: "product"})
    every = every[every["product"].isin(zone.index.get_level_values("product"))].sort_values(["product", DATE])
    chain = _nearest_seen(day.reindex(pd.MultiIndex.from_frame(every)))
    at = pd.MultiIndex.from_arrays([rows[product].to_numpy(), rows[DATE].to_numpy()])
    ratio = zone["zone"].reindex(pd.MultiIndex.from_arrays([rows[product].to_numpy(), rows[store].to_numpy()]))
    chain = chain.reindex(at)
    price = np.exp(chain["log_price"].to_numpy() + ratio.to_numpy())
    return price, chain["promo"].to_numpy(), int(zone.index.get_level_values("product").nunique())


def _nearest_seen(days: pd.DataFrame) -> pd.DataFrame:
    """``days`` (indexed by product and date, sorted; NaN on days without a sale) with every day
    filled from the nearest day of the same product that has values (ties: the earlier day)."""
    seen = days["log_price"].notna().to_numpy()
    product = days.index.get_level_values(0)
    position = pd.Series(np.where(seen, np.arange(len(days)), np.nan))
    before = position.groupby(product).ffill().to_numpy()
    after = position.groupby(product).bfill().to_numpy()
    date = days.index.get_level_values(1).to_numpy().astype("datetime64[D]").astype(np.int64)

    def date_at(where: np.ndarray) -> np.ndarray:
        return date[np.nan_to_num(where).astype(np.int64)]

    use_after = np.isnan(before) | (~np.isnan(after) & (date_at(after) - date < date - date_at(before)))
    chosen = np.where(use_after, after, before)
    values = days.to_numpy()[np.nan_to_num(chosen).astype(np.int64)]
    values[np.isnan(chosen)] = np.nan
    return pd.DataFrame(values, index=days.index, columns=days.columns)


def _price_zones(seen: pd.DataFrame, agree: float = 0.9, tolerance: float = 0.01) -> pd.DataFrame:
    """Per (product, store) of the products priced chain-wide: the log ratio of the store's price to
    the product's main store (its store with most sale days). A product is priced chain-wide when
    on at least ``agree`` of the days both sold, each store's price is the main store's times its
    usual ratio (within ``tolerance``, about a cent in a euro)."""
    product, products = pd.factorize(seen["product"], sort=True)
    store, stores = pd.factorize(seen["store"], sort=True)
    day, _ = pd.factorize(seen[DATE])
    pair = product * len(stores) + store
    days = np.bincount(pair, minlength=len(products) * len(stores)).reshape(len(products), len(stores))
    main = days.argmax(axis=1)  # ties: the first store by name
    at_main = store == main[product]
    main_price = pd.Series(seen["log_price"].to_numpy()[at_main], index=product[at_main] * (day.max() + 1) + day[at_main])
    ratio = seen["log_price"].to_numpy() - main_price.reindex(product * (day.max() + 1) + day).to_numpy()
    usual = pd.Series(ratio).groupby(pair).median()
    shared = ~at_main & np.isfinite(ratio)
    close = np.abs(ratio - usual.reindex(pair).to_numpy()) <= tolerance
    same = pd.Series(close[shared]).groupby(product[shared]).mean()
    chain = usual[np.isin(usual.index.to_numpy() // len(stores), same.index[same >= agree])].dropna()
    index = pd.MultiIndex.from_arrays([products[chain.index.to_numpy() // len(stores)],
                                       stores[chain.index.to_numpy() % len(stores)]], names=["product", "store"])
    return pd.DataFrame({"zone": chain.to_numpy()}, index=index)


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


def _encode(rows: pd.DataFrame, products: pd.DataFrame, keys: list[str], period_days: int) -> pd.DataFrame:
    position = pd.Series(np.arange(len(products)), index=products[schema.PRODUCT_ID])
    code = position.reindex(rows[schema.PRODUCT_ID]).to_numpy()
    store_name = rows[keys[1]] if len(keys) > 1 else pd.Series("(all)", index=rows.index)
    start = rows[DATE].min()
    out = pd.DataFrame({
        PRODUCT: code.astype(np.int64), "store_name": store_name.to_numpy(), DATE: rows[DATE].to_numpy(),
        UNITS: rows[Y].to_numpy(dtype=np.float64), PRICE: rows[PRICE].to_numpy(dtype=np.float64),
        PROMO: rows[PROMO].to_numpy(), REGULAR: rows[REGULAR].to_numpy(dtype=np.float64),
        OBSERVED: rows[OBSERVED].to_numpy(), ABSENT: rows[ABSENT].to_numpy(dtype=bool)})
    out[DAY] = ((out[DATE] - start).dt.days // period_days).astype(np.int64)  # periods, not days, in weekly files
    out = out.sort_values([PRODUCT, "store_name", DAY], kind="stable").reset_index(drop=True)
    out[EVENT] = promotion_events(out)
    pair = out.groupby([PRODUCT, "store_name"], sort=False).ngroup().to_numpy()
    out[STORE] = (pair - pd.Series(pair).groupby(out[PRODUCT].to_numpy()).transform("min").to_numpy()).astype(np.int64)
    return out


def promotion_events(rows: pd.DataFrame) -> np.ndarray:
    """Each row's promotion event (-1 outside promotions): a run of promotion days of one product
    in any of its stores, a new event after a gap of more than one period; numbered by product and day."""
    promo = rows[PROMO].to_numpy() > 0
    out = np.full(len(rows), -1, dtype=np.int64)
    if not promo.any():
        return out
    days = rows.loc[promo, [PRODUCT, DAY]].drop_duplicates().sort_values([PRODUCT, DAY])
    product, day = days[PRODUCT].to_numpy(), days[DAY].to_numpy()
    new = np.r_[True, (product[1:] != product[:-1]) | (np.diff(day) > 1)]
    number = pd.Series(np.cumsum(new) - 1, index=pd.MultiIndex.from_arrays([product, day]))
    at = pd.MultiIndex.from_arrays([rows.loc[promo, PRODUCT].to_numpy(), rows.loc[promo, DAY].to_numpy()])
    out[promo] = number.reindex(at).to_numpy()
    return out


def _notes(promo: str | None, freq: str, dropped: int, absences: dict[str, int], chain_wide: int) -> list[str]:
    period = "week" if freq == "W" else "day"
    what = "price and promotion state" if promo else "price"
    notes = [f"A {period} without a sale row counts as a {period} with zero sales; its {what} is carried "
             "forward from the last sale."]
    if chain_wide:
        notes.append(f"{chain_wide:,} products change price together in every store (some stores may charge a "
                     f"fixed percentage more): a store's {period} without a sale takes the {what} the other stores "
                     f"showed that {period}, or the chain's last one.")
    notes.append(f"Promotions: the column {promo!r} (above 0 = on promotion)." if promo else
                 "No promotion column: a temporary discount cannot be told apart from a price change.")
    if freq == "W":
        notes.append("Every date falls on the same weekday, so the data is read as weekly.")
    if dropped:
        notes.append(f"{dropped:,} product-store pairs with very few sale days are left out of the estimates.")
    if absences:
        notes.append(f"{len(absences):,} product-store pairs had long breaks in sales, treated as missing, not zero.")
    return notes
