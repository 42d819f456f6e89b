"""A second synthetic till export with *known* elasticities, unlike the first on purpose (issue 26).

The first file (``pricing_synthetic.py``) has busy products (6 units per store-day at median),
elasticities close to their category's (sd 0.4) and chain-wide prices. This one is the shop the
held-out file of issue 26 describes, where the first defaults failed:

* **slow movers**: most products sell 0-3 units a day in a store (median 0.6 at the base price
  in the middle store), so most product-days have no row at all;
* **elasticities spread widely within categories**: category means between -2.2 and -1.0 and
  products around them with sd 0.8 (from -4.5 to -0.2), so a category says little about a product;
* **stores of different sizes** (0.4, 1 and 2.2 times the middle one) and a price zone: the big
  store charges 5% more, always;
* **promotions of varying depth** (5-45%, 3-21 days) with a **display lift** on most of them
  (log 0.1-1.0 per product, jittered per event, and none on a quarter of the events: a
  flyer-only promotion), and the promotion flag in the file;
* **list-price steps** (1-3 per product, +/-3-30%, chain-wide) and **13 products that never change
  price** (most of them still promoted);
* products launched during the first year (their panel starts at their first sale), a trend,
  weekly and yearly seasonality of their own, and negative binomial day-to-day noise whose
  dispersion differs per product (0.05-0.8).

Rows only for product x store x days with sales, as a till exports them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

START = pd.Timestamp("2021-03-01")
STORE_SIZES = (0.4, 1.0, 2.2)
STORE_PRICE_ZONE = (1.0, 1.0, 1.05)  # the big store charges a little more, every day


@dataclass(frozen=True)
class SlowDesign:
    """The knobs of the slow-moving shop."""

    products: int = 200
    days: int = 730
    categories: int = 8
    never_repriced: int = 13  # products whose list price never changes
    category_range: tuple[float, float] = (-2.2, -1.0)
    product_sd: float = 0.8  # spread of product elasticities around their category's
    volume_median: float = 0.8  # units per day in the middle store at the base price
    volume_sd: float = 0.7  # log-normal spread of volumes between products
    dispersion: tuple[float, float] = (0.05, 0.5)  # negative binomial alpha per product
    promos_per_year: float = 4.0
    launched: float = 0.15  # share of products launched during the first year
    flyer_only: float = 0.1  # share of promotions without a display (no extra lift)
    event_sd: float = 0.1  # how much the display lift of one event differs from the product's usual
    step: tuple[float, float] = (0.05, 0.30)  # size of a list-price change (log), 60% of them up
    changes: tuple[int, int] = (2, 6)  # list-price changes of a repriced product: from, to (excluded)
    season_amp: float = 0.2  # largest yearly swing of a product's demand


def _products(rng: np.random.Generator, d: SlowDesign) -> pd.DataFrame:
    category = rng.integers(0, d.categories, d.products)
    cat_mean = rng.uniform(*d.category_range, d.categories)
    beta = np.clip(cat_mean[category] + rng.normal(0, d.product_sd, d.products), -4.5, -0.2)
    price = np.exp(rng.uniform(np.log(1.0), np.log(40.0), d.products))
    price = np.floor(price) + rng.choice([0.49, 0.99], d.products)
    repriced = np.ones(d.products, dtype=bool)
    repriced[rng.choice(d.products, d.never_repriced, replace=False)] = False
    launch = np.where(rng.random(d.products) < d.launched, rng.integers(30, 365, d.products), 0)
    return pd.DataFrame({
        "product": [f"SKU-{i:04d}" for i in range(d.products)], "category": [f"Dept {c + 1}" for c in category],
        "elasticity": beta, "base_price": price, "repriced": repriced, "launch_day": launch,
        "volume": np.exp(rng.normal(np.log(d.volume_median), d.volume_sd, d.products)),
        "display_lift": rng.uniform(0.1, 1.0, d.products), "alpha": rng.uniform(*d.dispersion, d.products),
        "season_amp": rng.uniform(0.0, d.season_amp, d.products), "season_phase": rng.uniform(0, 365, d.products),
        "trend": rng.normal(0, 0.2, d.products),
    })


def _list_prices(rng: np.random.Generator, info: pd.DataFrame, d: SlowDesign) -> np.ndarray:
    """products x days list prices: 1-3 steps (60% up) on random dates after the launch."""
    prices = np.repeat(info["base_price"].to_numpy()[:, None], d.days, axis=1)
    for i in np.flatnonzero(info["repriced"].to_numpy()):
        first = int(info["launch_day"].iat[i]) + 45
        for day in np.sort(rng.integers(first, d.days - 20, rng.integers(*d.changes))):
            step = rng.uniform(*d.step) * (1 if rng.random() < 0.6 else -1)
            prices[i, day:] = max(np.floor(prices[i, day] * np.exp(step)) + 0.99 * (step > 0) + 0.49 * (step <= 0),
                                  0.49)
    return prices


def _promotions(rng: np.random.Generator, info: pd.DataFrame, d: SlowDesign) -> tuple[np.ndarray, np.ndarray]:
    """products x days promotion depth (0 outside) and the display's log lift (0 without one)."""
    n, days = len(info), d.days
    depth, lift = np.zeros((n, days)), np.zeros((n, days))
    for i in range(n):
        for _ in range(rng.poisson(d.promos_per_year * days / 365)):
            length = int(rng.integers(3, 22))
            start = int(rng.integers(int(info["launch_day"].iat[i]), days - length))
            if depth[i, max(start - 7, 0):start + length + 7].any():
                continue
            depth[i, start:start + length] = np.round(rng.uniform(0.05, 0.45), 2)
            shown = rng.random() >= d.flyer_only
            lift[i, start:start + length] = shown * (info["display_lift"].iat[i] + rng.normal(0, d.event_sd))
    return depth, lift


def till_export(seed: int, design: SlowDesign = SlowDesign()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows of the till export, the truth per product) for one seed."""
    rows, info, _ = simulate(seed, design)
    return rows, info


def simulate(seed: int, design: SlowDesign = SlowDesign()) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(till rows, truth per product, the full panel: every product x store x day with its shelf
    price, promotion flag and units, zeros included: what the till file does not show)."""
    rng = np.random.default_rng(seed)
    info = _products(rng, design)
    days = design.days
    list_price = _list_prices(rng, info, design)
    depth, lift = _promotions(rng, info, design)
    shelf = list_price * (1 - depth)
    dates = START + pd.to_timedelta(np.arange(days), unit="D")
    t = np.arange(days) / 365.0
    dow = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.35, 0.8])[dates.dayofweek.to_numpy()]
    season = 1 + info["season_amp"].to_numpy()[:, None] * np.sin(
        2 * np.pi * (dates.dayofyear.to_numpy()[None, :] - info["season_phase"].to_numpy()[:, None]) / 365.25)
    level = (info["volume"].to_numpy()[:, None] * season * dow[None, :] * np.exp(info["trend"].to_numpy()[:, None] * t)
             * (shelf / info["base_price"].to_numpy()[:, None]) ** info["elasticity"].to_numpy()[:, None]
             * np.exp(lift))
    level[np.arange(days)[None, :] < info["launch_day"].to_numpy()[:, None]] = 0.0
    shape = 1 / info["alpha"].to_numpy()[:, None]
    frames, full = [], []
    for s, (size, zone) in enumerate(zip(STORE_SIZES, STORE_PRICE_ZONE, strict=True)):
        price = np.round(shelf * zone, 2)
        mean = level * size * zone ** info["elasticity"].to_numpy()[:, None]
        units = rng.poisson(mean * rng.gamma(shape, 1 / shape, mean.shape))
        live = np.arange(days)[None, :] >= info["launch_day"].to_numpy()[:, None]
        i, d = np.nonzero(live)
        full.append(pd.DataFrame({"product": i, "store": s, "day": d, "price": price[i, d], "units": units[i, d],
                                  "promo": (depth[i, d] > 0).astype(int)}))
        i, d = np.nonzero(units)
        frames.append(pd.DataFrame({
            "date": dates[d], "store": f"Shop {s + 1}", "item": info["product"].to_numpy()[i],
            "item_name": [f"Article {p[4:]}" for p in info["product"].to_numpy()[i]],
            "department": info["category"].to_numpy()[i], "qty": units[i, d], "unit_price": price[i, d],
            "promo": (depth[i, d] > 0).astype(int)}))
    rows = pd.concat(frames, ignore_index=True).sort_values(["date", "store", "item"], kind="stable")
    return rows.reset_index(drop=True), info, pd.concat(full, ignore_index=True)
