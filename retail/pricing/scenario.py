"""Price scenarios and recommended prices, with intervals, inside guard rails.

A scenario changes the regular price of one product (or of every product of a category by the
same share) and predicts a typical week: units = baseline units x (new price / today's)^elasticity,
sales value = price x units, margin = (price - unit cost) x units. Intervals come from draws of
the elasticity and of the baseline (common draws for every change, so changes compare fairly).

A :class:`Goal` (registry :data:`retail.pricing.registry.GOALS`) picks the price with the highest
expected sales value or margin among candidates within its guard rails: at most ``max_change``
from today's price, never below unit cost, optionally only prices with a given ending. It warns
when the price lies outside the prices seen in the data (the response there is an extrapolation)
and when the elasticity is the category's rather than the product's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retail.data import currency

DRAWS = 2000
ITEM_COLUMNS = ("product_id", "product_name", "current_price", "baseline_units", "baseline_log_sd",
                "elasticity_used", "elasticity_used_sd", "elasticity_source", "lowest_price", "highest_price")


def scenario_items(products: pd.DataFrame, costs: pd.Series | None = None) -> pd.DataFrame:
    """The columns a scenario needs (plus ``cost``, NaN when unknown); a ``ValueError`` when
    none of the products has an elasticity of its own or from its category."""
    items = products[list(ITEM_COLUMNS)].copy()
    items["cost"] = (costs.reindex(items["product_id"].astype(str)).to_numpy(dtype=float)
                     if costs is not None else np.nan)
    usable = np.isfinite(items["elasticity_used"]) & np.isfinite(items["baseline_units"]) & (items["current_price"] > 0)
    if not usable.any():
        raise ValueError("No price response is known here: the price never moved outside promotions "
                         "(and the category has no product whose price did), so a scenario would be a guess.")
    return items[usable].reset_index(drop=True)


@dataclass
class Draws:
    """Common draws: elasticity and baseline units per draw (rows) and item (columns)."""

    elasticity: np.ndarray
    units: np.ndarray

    @classmethod
    def of(cls, items: pd.DataFrame, n: int = DRAWS, seed: int = 0) -> Draws:
        rng = np.random.default_rng(seed)
        beta = items["elasticity_used"].to_numpy() + rng.standard_normal((n, len(items))) * np.nan_to_num(
            items["elasticity_used_sd"].to_numpy())
        log_sd = np.nan_to_num(items["baseline_log_sd"].to_numpy())
        units = items["baseline_units"].to_numpy() * np.exp(rng.standard_normal((n, len(items))) * log_sd - log_sd ** 2 / 2)
        return cls(beta, units)


def _outcome(items: pd.DataFrame, draws: Draws, factor: np.ndarray) -> dict[str, np.ndarray]:
    """Per draw: units, sales value and margin summed over the items, at prices = today x factor (items,)."""
    price = items["current_price"].to_numpy() * factor
    units = draws.units * factor[None, :] ** draws.elasticity
    cost = items["cost"].to_numpy()
    margin = (units * (price - cost)[None, :]).sum(1) if np.isfinite(cost).all() else np.full(len(units), np.nan)
    return {"units": units.sum(1), "revenue": (units * price[None, :]).sum(1), "margin": margin}


def simulate(items: pd.DataFrame, changes: np.ndarray | list[float], draws: Draws | None = None) -> pd.DataFrame:
    """One row per price change (a share: -0.1 = 10% cheaper) with the expected units, sales value and
    margin of a typical week, their 95% intervals, and the change against today's price."""
    draws = draws or Draws.of(items)
    today = _outcome(items, draws, np.ones(len(items)))
    rows = []
    for change in np.atleast_1d(np.asarray(changes, dtype=float)):
        outcome = _outcome(items, draws, np.full(len(items), 1 + change))
        row = {"change": change, "price": float(items["current_price"].iloc[0] * (1 + change)) if len(items) == 1
               else np.nan}
        for measure, values in outcome.items():
            row |= {measure: float(values.mean()), f"{measure}_low": float(np.percentile(values, 2.5)),
                    f"{measure}_high": float(np.percentile(values, 97.5)),
                    f"{measure}_vs_today": float(values.mean() / today[measure].mean() - 1)}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Recommendation:
    """The chosen price (or change, for a category), its expected outcome and what to watch.

    ``rail`` is "cut" or "rise" when the price sits on the guard rail (the best price may lie
    beyond it), else None; ``margin_known`` says whether unit costs were given.
    """

    goal: str
    change: float
    price: float | None
    expected: float
    low: float
    high: float
    today: float
    chance_better: float
    warnings: list[str] = field(default_factory=list)
    rail: str | None = None
    margin_known: bool = True

    def describe(self, currency_code: str | None = None) -> str:
        """Plain sentences with money in the dataset's currency: the price, where it sits, what it
        is expected to bring, and (without costs) that margin cannot be judged."""
        what = "sales value" if self.goal == "revenue" else "margin"
        money = currency.money
        head = "Price with the most sales value" if self.goal == "revenue" else "Recommended price"
        where = (f"{head}: {money(self.price, currency_code)} ({self.change:+.0%})" if self.price is not None
                 else f"{head.replace('Price', 'Change').replace('price', 'change')} for the whole category: "
                 f"{self.change:+.0%}")
        if self.rail:
            where += f", on the guard rail (the largest {self.rail} allowed; the best price may lie beyond it)"
        text = (f"{where}. Expected {what} {money(self.expected, currency_code)} a week "
                f"({money(self.low, currency_code)} to {money(self.high, currency_code)}), "
                f"{self.expected / self.today - 1:+.1%} on today's price; a {self.chance_better:.0%} chance that it "
                f"beats today's {what}.")
        if not self.margin_known:
            text += " Margin cannot be judged without unit costs: this is not a margin answer."
        return text


ENDINGS = {"99": (1.0, 0.99), "95": (1.0, 0.95), "9": (0.1, 0.09)}


class Goal:
    """Maximise the expected sales value (or margin) of a typical week within guard rails."""

    def __init__(self, max_change: float = 0.15, ending: str = "none", objective: str = "revenue") -> None:
        self.max_change = max_change
        self.ending = ending
        self.objective = objective

    @classmethod
    def margin(cls, max_change: float = 0.15, ending: str = "none") -> Goal:
        return cls(max_change, ending, "margin")

    def candidates(self, price: float, cost: float = math.nan) -> np.ndarray:
        """Prices within the guard rails (today's price always among them when it is allowed)."""
        low, high = price * (1 - self.max_change), price * (1 + self.max_change)
        if self.ending in ENDINGS:
            unit, end = ENDINGS[self.ending]
            base = np.arange(math.floor(low / unit) - 1, math.ceil(high / unit) + 1) * unit + end
            grid = np.round(base[(base >= low - 1e-9) & (base <= high + 1e-9)], 2)
        else:
            grid = np.round(np.linspace(low, high, 61), 2)
        grid = np.union1d(grid, [round(price, 2)])
        return grid[grid >= cost] if math.isfinite(cost) else grid

    def recommend(self, items: pd.DataFrame, draws: Draws | None = None) -> Recommendation:
        """The best price for one product, or the best common change for several (endings then do not apply)."""
        if self.objective == "margin" and not np.isfinite(items["cost"].to_numpy()).all():
            raise ValueError("The margin goal needs unit costs: choose a cost column or upload a cost table "
                             "(product code and unit cost).")
        draws = draws or Draws.of(items)
        single = len(items) == 1
        factors = self._factors(items, single)
        if len(factors) == 0:
            raise ValueError("No price within the guard rails is above the unit cost: allow a larger change.")
        outcomes = [_outcome(items, draws, f)[self.objective] for f in factors]
        best = int(np.argmax([values.mean() for values in outcomes]))
        today = _outcome(items, draws, np.ones(len(items)))[self.objective]
        chosen, values = factors[best], outcomes[best]
        change = float(chosen[0] - 1)
        rail = self._rail(factors, best)
        margin_known = bool(np.isfinite(items["cost"].to_numpy()).all())
        return Recommendation(self.objective, change, float(items["current_price"].iloc[0] * chosen[0]) if single
                              else None, float(values.mean()), float(np.percentile(values, 2.5)),
                              float(np.percentile(values, 97.5)), float(today.mean()),
                              float((values > today).mean()), self._warnings(items, chosen, change, margin_known),
                              rail, margin_known)

    def _rail(self, factors: list[np.ndarray], best: int) -> str | None:
        """"cut" / "rise" when the best of several candidates is the lowest / highest price allowed."""
        if len(factors) < 2 or best not in (0, len(factors) - 1):
            return None
        return "cut" if factors[best][0] < 1 else "rise" if factors[best][0] > 1 else None

    def _factors(self, items: pd.DataFrame, single: bool) -> list[np.ndarray]:
        price, cost = items["current_price"].to_numpy(), items["cost"].to_numpy()
        if single:
            return [np.array([p / price[0]]) for p in self.candidates(float(price[0]), float(cost[0]))]
        changes = np.round(np.linspace(-self.max_change, self.max_change, 61), 4)
        floor = np.where(np.isfinite(cost), cost / price, 0.0).max()
        return [np.full(len(items), 1 + c) for c in np.union1d(changes, [0.0]) if 1 + c >= floor - 1e-12]

    def _warnings(self, items: pd.DataFrame, factor: np.ndarray, change: float, margin_known: bool) -> list[str]:
        price = items["current_price"].to_numpy() * factor
        warnings = []
        outside = (price < items["lowest_price"].to_numpy() * 0.995) | (price > items["highest_price"].to_numpy() * 1.005)
        if outside.any():
            warnings.append("This price is outside the prices seen in the data: the response there is an "
                            "extrapolation of the elasticity, not an observation." if len(items) == 1 else
                            f"For {int(outside.sum()):,} products this change leaves the prices seen in the data "
                            "(an extrapolation).")
        borrowed = int((items["elasticity_source"] == "category").sum())
        if borrowed:
            warnings.append("This product's price response is its category's: its own price never moved outside "
                            "promotions." if len(items) == 1 else f"{borrowed:,} products use their category's price "
                            "response: their own prices never moved outside promotions.")
        if len(items) > 1 and self.ending in ENDINGS:
            warnings.append("Price endings apply to one product at a time: the category's change is not rounded.")
        if self.objective == "revenue" and not margin_known and change < 0:
            warnings.append("A cut raises sales value here because more units are sold, but each unit earns less: "
                            "without unit costs nobody can say whether it pays. Add unit costs and choose the "
                            "margin goal before cutting the price.")
        return warnings


def plan(items: pd.DataFrame, changes: list[float], goal: Goal) -> tuple[pd.DataFrame, Recommendation]:
    """The scenario table for ``changes`` and the goal's recommendation, on common draws."""
    draws = Draws.of(items)
    return simulate(items, changes, draws), goal.recommend(items, draws)


def describe_outcome(row: pd.Series, measure: str, code: str | None = None) -> tuple[str, str, str, str]:
    """(value, low, high, change against today) of one scenario row as text; money in ``code``."""
    def text(value: float) -> str:
        return currency.money(value, code) if measure != "units" else f"{value:,.1f}"

    return (text(row[measure]), text(row[f"{measure}_low"]), text(row[f"{measure}_high"]),
            f"{row[f'{measure}_vs_today']:+.1%} vs today")
