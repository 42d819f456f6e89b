"""A synthetic till export with *known* price elasticities (issue 11's benchmark file).

What a till system exports: one row per product x store x day **with sales** (a day without
sales has no row), the shelf price paid that day, the units, the sales value and a promotion
flag. Behind it: 200 products in 10 categories, 3 stores, two years of days; each product has
its own elasticity (category mean plus a product deviation), list-price changes on a few dates
(chain-wide), promotions of varying depth that carry an extra display lift on top of the
discount, weekly and yearly seasonality, a trend, store sizes, and over-dispersed (negative
binomial) daily demand. About 15% of the products never change their list price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

START = pd.Timestamp("2022-01-03")
DEPTHS = np.array([0.10, 0.15, 0.20, 0.25, 0.30, 0.40])


@dataclass(frozen=True)
class Design:
    """The knobs of the synthetic shop (defaults: the issue's benchmark file)."""

    products: int = 200
    stores: int = 3
    days: int = 730
    categories: int = 10
    never_repriced: float = 0.15  # share of products whose list price never changes
    product_sd: float = 0.4  # spread of product elasticities around their category's
    volume_median: float = 6.0  # units per store-day at the base price
    volume_sd: float = 1.0  # log-normal spread of volumes between products
    dispersion: float = 0.3  # negative binomial alpha: variance = mean + alpha mean^2
    promos_per_year: float = 2.5
    extra_changes: float = 2.0  # list-price changes of a repriced product: 1 + Poisson(this), at most 4
    step: tuple[float, float] = (0.05, 0.25)  # size of a list-price change (log), 70% of them up


def _products(rng: np.random.Generator, d: Design) -> pd.DataFrame:
    category = np.arange(d.products) % d.categories
    cat_mean = rng.uniform(-2.6, -0.6, d.categories)
    beta = np.clip(cat_mean[category] + rng.normal(0, d.product_sd, d.products), -4.0, -0.1)
    price = np.round(np.exp(rng.uniform(np.log(0.8), np.log(25), d.products))) - 0.01
    price = np.where(price < 0.5, 0.49, price)
    return pd.DataFrame({
        "product": [f"P{i:03d}" for i in range(d.products)], "category": [f"C{c:02d}" for c in category],
        "elasticity": beta, "base_price": price,
        "volume": np.exp(rng.normal(np.log(d.volume_median), d.volume_sd, d.products)),
        "display_lift": rng.uniform(0.1, 0.7, d.products), "season_amp": rng.uniform(0.0, 0.35, d.products),
        "season_phase": rng.uniform(0, 365, d.categories)[category], "trend": rng.normal(0, 0.15, d.products),
        "repriced": rng.random(d.products) >= d.never_repriced,
    })


def _list_prices(rng: np.random.Generator, info: pd.DataFrame, d: Design) -> np.ndarray:
    """products x days list prices: steps (mostly up) on 1-4 random dates."""
    days = d.days
    prices = np.repeat(info["base_price"].to_numpy()[:, None], days, axis=1)
    for i in np.flatnonzero(info["repriced"].to_numpy()):
        for day in np.sort(rng.integers(30, days - 30, 1 + min(rng.poisson(d.extra_changes), 3))):
            step = rng.uniform(*d.step) * (1 if rng.random() < 0.7 else -1)
            new = max(np.round(prices[i, day] * np.exp(step), 1) - 0.01, 0.19)
            prices[i, day:] = new
    return prices


def _promotions(rng: np.random.Generator, n: int, days: int, per_year: float) -> tuple[np.ndarray, np.ndarray]:
    """products x days promotion depth (0 outside) and an event-level lift jitter."""
    depth, jitter = np.zeros((n, days)), np.zeros((n, days))
    for i in range(n):
        for _ in range(rng.poisson(per_year * days / 365)):
            start, length = rng.integers(0, days - 14), int(rng.choice([7, 14]))
            if depth[i, start:start + length].any():
                continue
            depth[i, start:start + length] = rng.choice(DEPTHS)
            jitter[i, start:start + length] = rng.normal(0, 0.1)
    return depth, jitter


def till_export(seed: int, design: Design = Design()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows of the till export, the truth per product) for one seed."""
    rng = np.random.default_rng(seed)
    info = _products(rng, design)
    n, days = design.products, design.days
    list_price = _list_prices(rng, info, design)
    depth, jitter = _promotions(rng, n, days, design.promos_per_year)
    price = np.round(list_price * (1 - depth), 2)
    dates = START + pd.to_timedelta(np.arange(days), unit="D")
    t = np.arange(days) / 365.0
    dow = np.array([0.85, 0.8, 0.85, 0.95, 1.15, 1.45, 0.95])[dates.dayofweek.to_numpy()]
    season = 1 + info["season_amp"].to_numpy()[:, None] * np.cos(
        2 * np.pi * (dates.dayofyear.to_numpy()[None, :] - info["season_phase"].to_numpy()[:, None]) / 365.25)
    beta = info["elasticity"].to_numpy()[:, None]
    level = (info["volume"].to_numpy()[:, None] * season * dow[None, :] * np.exp(info["trend"].to_numpy()[:, None] * t)
             * (price / info["base_price"].to_numpy()[:, None]) ** beta
             * np.exp((info["display_lift"].to_numpy()[:, None] + jitter) * (depth > 0)))
    store_size = np.array([1.0, 0.6, 1.5, 0.8, 1.2])[np.arange(design.stores) % 5]
    frames = []
    for s in range(design.stores):
        mean = level * store_size[s] * np.exp(rng.normal(0, 0.25, n))[:, None]
        shape = 1 / design.dispersion
        units = rng.poisson(mean * rng.gamma(shape, 1 / shape, mean.shape))
        i, d = np.nonzero(units)
        frames.append(pd.DataFrame({
            "Date": dates[d], "Store": f"Store {s + 1}", "SKU": info["product"].to_numpy()[i],
            "Description": [f"Item {p}" for p in info["product"].to_numpy()[i]],
            "Category": info["category"].to_numpy()[i], "Qty": units[i, d], "Price": price[i, d],
            "Sales": np.round(units[i, d] * price[i, d], 2), "Promo": (depth[i, d] > 0).astype(int)}))
    rows = pd.concat(frames, ignore_index=True).sort_values(["Date", "Store", "SKU"], kind="stable")
    return rows.reset_index(drop=True), info
