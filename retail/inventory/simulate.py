"""Replay days of real demand through a periodic-review, order-up-to policy with lost sales.

Vectorised over products and over a batch of policy variants (targets, quantiles): the state
is a ``(batch, products)`` array and the only Python loop runs over days. Each day, in order:

1. a product whose review day it is orders ``S - (on hand + on order)`` when that is positive,
   at least the minimum order, rounded up to whole packs; the order arrives ``lead`` days later
   (a lead time of 0 arrives the same day, before the day's sales);
2. the orders due that day arrive;
3. the day's demand is served from stock; what cannot be served is lost (not back-ordered).

A product starts "at target": on its first review day its stock on hand is that review's S
and nothing is on order. An *order cycle* is the ``review`` days from one review to the next
(the last one may be cut short by the end of the replay); a cycle is *short* when some demand
in it could not be served. The order-up-to levels are given up front, one per product and
review, so whatever computed them cannot have seen the demand being replayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """When each product is reviewed and how its orders are rounded (arrays of one value per product).

    Attributes
    ----------
    start : day of the first review (index into the replayed days); earlier days are not counted.
    review : days between two reviews.
    pack : orders are whole multiples of this many units.
    min_order : the smallest order (0: none).
    counted_from : first day counted in the totals, on a review day (default ``start``); the days
        before it only bring the stock to its steady state (warm-up).
    """

    start: np.ndarray
    review: np.ndarray
    pack: np.ndarray
    min_order: np.ndarray
    counted_from: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.counted_from is None:
            object.__setattr__(self, "counted_from", np.asarray(self.start))
        sizes = {len(self.start), len(self.review), len(self.pack), len(self.min_order)}
        if len(sizes) != 1:
            raise ValueError(f"every schedule array needs one value per product; got lengths {sorted(sizes)}.")
        if (np.asarray(self.review) < 1).any() or (np.asarray(self.pack) < 1).any():
            raise ValueError("review days and pack sizes must be at least 1.")

    def reviews_in(self, days: int) -> np.ndarray:
        """Reviews of each product inside ``days`` replayed days."""
        return np.maximum(0, (days - self.start + self.review - 1) // self.review)


@dataclass
class Outcome:
    """Totals per (variant, product) of a replay; ``on_hand`` / ``orders`` per day when recorded."""

    demand: np.ndarray
    sold: np.ndarray
    on_hand_days: np.ndarray  # sum over the counted days of the stock left at the end of the day
    days: np.ndarray
    cycles: np.ndarray
    short_cycles: np.ndarray
    short_days: np.ndarray
    on_hand: np.ndarray | None = None  # (variant, product, day), end of day
    orders: np.ndarray | None = None  # (variant, product, day), placed that day

    @property
    def lost(self) -> np.ndarray:
        return self.demand - self.sold


def order_quantity(gap: np.ndarray, pack: np.ndarray, min_order: np.ndarray) -> np.ndarray:
    """Units to order to close ``gap`` (S minus stock on hand and on order): nothing when the gap
    is not positive, else at least ``min_order``, rounded up to whole packs."""
    wanted = np.maximum(np.ceil(gap - 1e-9), 0.0)
    wanted = np.where(wanted > 0, np.maximum(wanted, min_order), 0.0)
    return np.ceil(wanted / pack) * pack


def lead_times(lead: np.ndarray, spread: np.ndarray, reviews: int, seed: int = 0) -> np.ndarray:
    """Lead time of every order, ``(products, reviews)`` whole days: ``lead`` when ``spread`` is 0,
    else drawn from a normal distribution around it (rounded, never negative; seeded)."""
    lead = np.asarray(lead, dtype=np.float64)[:, None]
    spread = np.asarray(spread, dtype=np.float64)[:, None]
    noise = np.random.default_rng(seed).standard_normal((len(lead), max(reviews, 1)))
    return np.maximum(np.rint(lead + spread * noise), 0).astype(np.int64)


class _State:
    """What the day loop carries: stock on hand, on order, orders in transit by arrival day."""

    def __init__(self, batch: int, products: int, horizon: int) -> None:
        self.on_hand = np.zeros((batch, products))
        self.on_order = np.zeros((batch, products))
        self.pipeline = np.zeros((batch, products, horizon))
        self.cycle_short = np.zeros((batch, products), dtype=bool)


def simulate(demand: np.ndarray, levels: np.ndarray, schedule: Schedule, leads: np.ndarray,
             record: bool = False) -> Outcome:
    """Replay ``demand`` (products x days) through order-up-to levels with lost sales.

    Parameters
    ----------
    demand : units demanded per product and day.
    levels : ``(variants, products, reviews)`` order-up-to level S of each review, in review order.
    schedule : review days, packs and minimum orders (see :class:`Schedule`).
    leads : ``(products, reviews)`` lead time of the order placed at each review, in days.
    record : also keep the stock on hand and the orders of every day (for charts).
    """
    demand = np.asarray(demand, dtype=np.float64)
    levels = np.asarray(levels, dtype=np.float64)
    n, days = demand.shape
    batch = levels.shape[0]
    reviews = schedule.reviews_in(days)
    if levels.shape[1] != n or levels.shape[2] < reviews.max(initial=0):
        raise ValueError(f"levels must be (variants, {n} products, >= {reviews.max(initial=0)} reviews); "
                         f"got {levels.shape}.")
    state = _State(batch, n, days + int(leads.max(initial=0)) + 1)
    totals = {key: np.zeros((batch, n)) for key in ("demand", "sold", "on_hand_days", "days", "cycles",
                                                     "short_cycles", "short_days")}
    history = (np.zeros((batch, n, days)), np.zeros((batch, n, days))) if record else None
    for day in range(days):
        ordered = _review(state, day, levels, schedule, leads)
        _serve(state, day, demand[:, day], schedule, totals)
        if history is not None:
            history[0][:, :, day] = state.on_hand
            history[1][:, :, day] = ordered
    open_cycle = (days > schedule.counted_from) & ((days - schedule.start) % schedule.review != 0)
    totals["cycles"] += open_cycle  # a last cycle cut short by the end of the replay still counts
    totals["short_cycles"] += state.cycle_short & open_cycle
    return Outcome(**totals, on_hand=history[0] if history else None, orders=history[1] if history else None)


def _review(state: _State, day: int, levels: np.ndarray, schedule: Schedule, leads: np.ndarray) -> np.ndarray:
    """Start the products whose first day it is, place today's orders, receive today's arrivals."""
    ordered = np.zeros_like(state.on_hand)
    since = day - schedule.start
    starting = np.flatnonzero(since == 0)
    if len(starting):
        state.on_hand[:, starting] = np.maximum(np.ceil(levels[:, starting, 0] - 1e-9), 0.0)
    due = np.flatnonzero((since >= 0) & (since % schedule.review == 0))
    if len(due):
        k = since[due] // schedule.review[due]
        gap = levels[:, due, k] - state.on_hand[:, due] - state.on_order[:, due]
        quantity = order_quantity(gap, schedule.pack[due], schedule.min_order[due])
        arrival = day + leads[due, k]
        state.pipeline[:, due, arrival] += quantity
        state.on_order[:, due] += quantity
        ordered[:, due] = quantity
    arriving = state.pipeline[:, :, day]
    state.on_hand += arriving
    state.on_order -= arriving
    return ordered


def _serve(state: _State, day: int, wanted: np.ndarray, schedule: Schedule, totals: dict[str, np.ndarray]) -> None:
    """Sell from stock (the rest is lost) and close the order cycles that end today."""
    since = day - schedule.start
    wanted = np.where(since >= 0, wanted, 0.0)
    sold = np.minimum(state.on_hand, wanted)
    active = day >= schedule.counted_from
    short = (wanted > state.on_hand) & active
    state.on_hand -= sold
    wanted, sold = np.where(active, wanted, 0.0), np.where(active, sold, 0.0)
    totals["demand"] += wanted
    totals["sold"] += sold
    totals["on_hand_days"] += np.where(active, state.on_hand, 0.0)
    totals["days"] += active
    totals["short_days"] += short
    state.cycle_short |= short
    closing = active & ((since + 1) % schedule.review == 0)
    totals["cycles"] += closing
    totals["short_cycles"] += state.cycle_short & closing
    state.cycle_short[:, closing] = False


def service(outcome: Outcome, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Cycle service, fill rate and days of cover per variant, pooled over the products in ``mask``.

    Days of cover = average stock on hand / average daily demand (both over the counted days).
    """
    keep = np.ones(outcome.demand.shape[1], dtype=bool) if mask is None else mask
    cycles = outcome.cycles[:, keep].sum(axis=1)
    demand = outcome.demand[:, keep].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "cycle": 1.0 - outcome.short_cycles[:, keep].sum(axis=1) / cycles,
            "fill": outcome.sold[:, keep].sum(axis=1) / demand,
            "cover": outcome.on_hand_days[:, keep].sum(axis=1) / demand,
        }
