"""A synthetic store x day sales file shaped like Rossmann's ``train.csv`` (development data for forecasts).

What a drugstore chain exports: one row per store and day, ``Store, DayOfWeek, Date, Sales, Customers,
Open, Promo, StateHoliday, SchoolHoliday``. Behind it: stores of four types and sizes in twelve states;
closed on Sundays (a few stores open) and on their state's public holidays (``Open`` 0, ``Sales`` 0);
promotions Monday to Friday in alternate weeks with a lift that differs by store; a Christmas run-up,
the days before and after a closure busier, a pay-day effect at the turn of the month, school holidays,
a slow yearly wave and a trend per store; about 15% of the stores closed for a refit of several months
(their rows missing, as in Rossmann's file), a few stores opening late, and log-normal daily noise.
Different seeds give different chains; :class:`Design` holds the knobs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STATES = 12
# Public holidays closed everywhere ("a"), Easter ("b") and Christmas ("c"); (month, day) or Easter offsets.
FIXED_HOLIDAYS = {(1, 1): "a", (5, 1): "a", (10, 3): "a", (12, 25): "c", (12, 26): "c"}
EASTER = {"2013": "2013-03-31", "2014": "2014-04-20", "2015": "2015-04-05", "2016": "2016-03-27"}
EASTER_OFFSETS = {-2: "b", 1: "b", 39: "a", 50: "a"}  # Good Friday, Easter Monday, Ascension, Whit Monday
REGIONAL = {(1, 6): 3, (11, 1): 6, (10, 31): 5, (8, 15): 2}  # closed in the first n states only


@dataclass(frozen=True)
class Design:
    """The knobs of the synthetic chain (defaults: a development file of 200 stores)."""

    stores: int = 200
    start: str = "2013-01-01"
    days: int = 942
    noise: float = 0.12  # log-normal spread of a day's sales
    promo_lift: tuple[float, float] = (0.15, 0.45)  # range of the promotion's lift between stores
    sunday_open: float = 0.03  # share of stores open on Sundays
    refit_share: float = 0.15  # share of stores closed for a refit (rows missing)
    late_share: float = 0.03  # share of stores opening after the file starts


def _holidays(dates: pd.DatetimeIndex, state: np.ndarray) -> np.ndarray:
    """stores x days: '0' or the holiday type ('a' public, 'b' Easter, 'c' Christmas) in each store's state."""
    out = np.full((len(state), len(dates)), "0", dtype=object)
    month_day = list(zip(dates.month, dates.day, strict=True))
    for t, key in enumerate(month_day):
        if key in FIXED_HOLIDAYS:
            out[:, t] = FIXED_HOLIDAYS[key]
        elif key in REGIONAL:
            out[state < REGIONAL[key], t] = "a"
    for easter in EASTER.values():
        for offset, kind in EASTER_OFFSETS.items():
            t = dates.get_indexer([pd.Timestamp(easter) + pd.Timedelta(days=offset)])[0]
            if t >= 0:
                out[:, t] = kind
    return out


def _school_holidays(dates: pd.DatetimeIndex, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """stores x days 0/1: summer (six weeks, start staggered by state), Easter and Christmas weeks."""
    doy = dates.dayofyear.to_numpy()
    summer_start = 175 + rng.integers(0, 40, STATES)[state]
    summer = (doy[None, :] >= summer_start[:, None]) & (doy[None, :] < summer_start[:, None] + 42)
    winter = (doy >= 355) | (doy <= 5)
    spring = np.zeros(len(dates), dtype=bool)
    for easter in EASTER.values():
        gap = (dates - pd.Timestamp(easter)).days.to_numpy()
        spring |= (gap >= -7) & (gap <= 7)
    return (summer | winter[None, :] | spring[None, :]).astype(int)


def _multipliers(dates: pd.DatetimeIndex, n: int, rng: np.random.Generator, d: Design) -> np.ndarray:
    """stores x days demand multipliers besides promotions and closures."""
    weekday_shape = np.array([1.18, 1.0, 0.96, 0.97, 1.04, 0.88, 0.6])
    weekday = weekday_shape[dates.dayofweek.to_numpy()][None, :] * rng.lognormal(0, 0.03, (n, 7))[
        :, dates.dayofweek.to_numpy()]
    t = np.arange(len(dates))
    yearly = 1 + rng.uniform(0.02, 0.1, n)[:, None] * np.sin(2 * np.pi * (t[None, :] - rng.integers(0, 365, n)[:, None])
                                                           / 365.25)
    trend = np.exp(rng.normal(0, 0.08, n)[:, None] * t[None, :] / 365.25)
    to_christmas = (pd.to_datetime([f"{y}-12-24" for y in dates.year]) - dates).days.to_numpy()
    christmas = 1 + rng.uniform(0.3, 0.8, n)[:, None] * np.where((to_christmas >= 0) & (to_christmas < 21),
                                                                 (21 - to_christmas) / 21, 0.0)[None, :]
    payday = 1 + 0.05 * np.asarray((dates.day >= 28) | (dates.day <= 3))[None, :]
    return weekday * yearly * trend * christmas * payday


def _closures(open_: np.ndarray, rng: np.random.Generator, d: Design) -> np.ndarray:
    """stores x days True where a store has no row: refits (rows missing) and late openings."""
    n, days = open_.shape
    missing = np.zeros((n, days), dtype=bool)
    refit = rng.random(n) < d.refit_share
    start = rng.integers(days // 3, days - 200, n)
    length = rng.integers(60, 185, n)
    t = np.arange(days)[None, :]
    missing |= refit[:, None] & (t >= start[:, None]) & (t < (start + length)[:, None])
    late = rng.random(n) < d.late_share
    missing |= late[:, None] & (t < rng.integers(90, days // 2, n)[:, None])
    return missing


def store_days(seed: int = 0, design: Design | None = None) -> pd.DataFrame:
    """The file: one row per store and day it existed (Rossmann's columns and codes)."""
    d = design or Design()
    rng = np.random.default_rng(seed)
    dates = pd.date_range(d.start, periods=d.days, freq="D")
    n = d.stores
    state = rng.integers(0, STATES, n)
    level = rng.lognormal(8.6, 0.35, n) * np.array([1.0, 1.9, 0.85, 1.05])[rng.choice(4, n, p=[.54, .02, .13, .31])]
    holiday = _holidays(dates, state)
    school = _school_holidays(dates, state, rng)
    sunday = np.asarray(dates.dayofweek == 6)[None, :]
    open_ = ~((sunday & ~(rng.random(n) < d.sunday_open)[:, None]) | (holiday != "0"))
    open_ &= rng.random((n, d.days)) > 0.002  # the odd day closed (stock-take, a burst pipe)
    promo = ((((dates - dates[0]).days.to_numpy() // 7) % 2 == 0) & np.asarray(dates.dayofweek < 5))[None, :]
    promo = np.repeat(promo, n, axis=0)
    lift = 1 + rng.uniform(*d.promo_lift, n)[:, None] * promo
    closed = ~open_
    around = 1 + 0.15 * np.roll(closed, 1, axis=1) + 0.1 * np.roll(closed, -1, axis=1)
    mean = level[:, None] * _multipliers(dates, n, rng, d) * lift * around * (1 + 0.04 * school)
    sales = np.where(open_, np.round(mean * rng.lognormal(-d.noise ** 2 / 2, d.noise, mean.shape)), 0.0)
    customers = np.where(open_, np.round(sales / rng.uniform(7.5, 11.0, n)[:, None]), 0.0)
    keep = ~_closures(open_, rng, d)
    store = np.repeat(np.arange(1, n + 1)[:, None], d.days, axis=1)
    day = np.repeat(dates.to_numpy()[None, :], n, axis=0)
    return pd.DataFrame({
        "Store": store[keep], "DayOfWeek": pd.DatetimeIndex(day[keep]).dayofweek + 1,
        "Date": pd.DatetimeIndex(day[keep]).strftime("%Y-%m-%d"), "Sales": sales[keep].astype(int),
        "Customers": customers[keep].astype(int), "Open": open_[keep].astype(int), "Promo": promo[keep].astype(int),
        "StateHoliday": holiday[keep], "SchoolHoliday": school[keep],
    }).sort_values(["Date", "Store"], ascending=[False, True], kind="stable").reset_index(drop=True)
