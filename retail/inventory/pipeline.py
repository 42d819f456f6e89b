"""The whole replenishment run: canonical frame + settings -> :class:`ReplenishmentResult`.

``run_replenishment`` builds the daily demand of the items, replays the simulated weeks for
our policy and the spreadsheet baseline (at the run's targets and at every target of the
trade-off curve, in one vectorised replay per policy), and plans the orders of the next review.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from retail.analytics.aggregate import SERIES_ID
from retail.data import schema
from retail.inventory.adjusted import PlannerChanges, follow
from retail.inventory.demand import DemandHistory, load_history
from retail.inventory.plan import order_plan
from retail.inventory.policies import Levels, Reviews
from retail.inventory.registry import baseline, ours
from retail.inventory.result import ReplenishmentResult
from retail.inventory.settings import ReplenishmentSettings
from retail.inventory.simulate import Outcome, Schedule, lead_times, simulate
from retail.inventory.stock import StockTable
from retail.inventory.tables import cover_at, curve_rows, daily_frame, per_item, reviews_frame, totals
from retail.inventory.terms import Terms, item_terms
from retail.progress import Progress, quiet, scaled

logger = logging.getLogger(__name__)


def simulation_window(frame: pd.DataFrame, settings: ReplenishmentSettings) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last simulated day: ``simulate_from`` (default: ``simulate_weeks`` before the end)."""
    dates = schema.sales_only(frame)[schema.DATE].dropna()
    if dates.empty:
        raise ValueError("the data has no sale lines with a date: nothing to plan orders from.")
    end = pd.Timestamp(dates.max()).normalize()
    days = 7 * settings.simulate_weeks
    start = pd.Timestamp(settings.simulate_from) if settings.simulate_from else end - pd.Timedelta(days=days - 1)
    first = pd.Timestamp(dates.min()).normalize()
    if not first < start <= end:
        raise ValueError(f"the simulation must start after the first sale ({first:%Y-%m-%d}) and by the last "
                         f"({end:%Y-%m-%d}); got {start:%Y-%m-%d}.")
    if start + pd.Timedelta(days=days - 1) > end:
        raise ValueError(f"{settings.simulate_weeks} simulated weeks from {start:%Y-%m-%d} run past the end of the "
                         f"data ({end:%Y-%m-%d}): start earlier or simulate fewer weeks.")
    return start, start + pd.Timedelta(days=days - 1)


def check_history(history: DemandHistory, start: int, terms: Terms) -> None:
    """A plain error when the history before the simulation is too short for the terms."""
    longest_lead, longest_cover = int(terms.lead.max()), int(terms.protection.max())
    if longest_lead >= start:
        raise ValueError(f"a lead time of {longest_lead} days is longer than the {start} days of sales before "
                         f"{history.dates[start]:%Y-%m-%d}: shorten it or simulate from a later date.")
    if longest_cover >= start:
        raise ValueError(f"review + lead time ({longest_cover} days) is longer than the {start} days of sales "
                         f"before {history.dates[start]:%Y-%m-%d}: nothing to learn the demand of such a period from.")


def _terms(history: DemandHistory, settings: ReplenishmentSettings, stock: StockTable | None) -> Terms:
    prices = history.info["unit_price"].to_numpy(dtype=float) if "unit_price" in history.info else None
    default_cost = None if settings.cost_share is None or prices is None else settings.cost_share * prices
    return item_terms(history.ids, settings.terms, None if stock is None else stock.values, default_cost)


def _replay(history: DemandHistory, settings: ReplenishmentSettings, terms: Terms, name: str, start: int,
            days: int, progress: Progress) -> tuple[Levels, Outcome, np.ndarray, np.ndarray]:
    """One policy's levels and replay for the run's targets (row 0) and every curve target."""
    n = len(history.ids)
    reviews = Reviews(np.full(n, start), -(-days // terms.review))
    targets = np.vstack([terms.target[None, :], np.repeat(np.array(settings.curve_targets)[:, None], n, axis=1)])
    levels = settings.policy(name).levels(history, reviews, terms, targets, progress)
    schedule = Schedule(np.zeros(n, dtype=np.int64), terms.review, terms.pack, terms.min_order)
    leads = lead_times(terms.lead, terms.lead_sd, levels.order_up_to.shape[2], seed=settings.seed)
    outcome = simulate(history.units[:, start:start + days], levels.order_up_to, schedule, leads, record=True)
    days_grid, valid = reviews.days(terms.review)
    return levels, outcome, days_grid, valid


def run_replenishment(frame: pd.DataFrame, settings: ReplenishmentSettings, stock: StockTable | None = None,
                      currency: str | None = None, progress: Progress | None = None,
                      history: DemandHistory | None = None,
                      planner_changes: PlannerChanges | None = None) -> ReplenishmentResult:
    """Replay the simulated weeks for both policies and plan the next review's orders.

    Parameters
    ----------
    frame : canonical transactions (:mod:`retail.data.schema`).
    settings : :class:`ReplenishmentSettings`.
    stock : the stock file / per-item terms (:func:`retail.inventory.stock.read_stock`), or None.
    currency : the dataset's currency code, kept with the run for its money figures.
    progress : ``progress(fraction, message)``.
    history : the demand history when the caller built it already (same level, top-N and window).
    planner_changes : the units planners added to a forecast of these items (:mod:`retail.inventory.adjusted`):
        the next review's orders follow them (the replay, which is about the past, does not).
    """
    progress = progress or quiet
    progress(0.0, "building daily demand")
    start_date, end_date = simulation_window(frame, settings)
    history = history or load_history(frame, settings.level, settings.top_n, rank_until=start_date)
    start, days = history.day_of(start_date), 7 * settings.simulate_weeks
    terms = _terms(history, settings, stock)
    check_history(history, start, terms)
    names = (ours(), baseline())
    replays = {}
    for k, name in enumerate(names):
        replays[name] = _replay(history, settings, terms, name, start, days,
                                scaled(progress, 0.02 + 0.4 * k, 0.42 + 0.4 * k))
    progress(0.82, "planning the next review's orders")
    plan = order_plan(history, settings.policy(ours()), terms, settings.policy(ours()).history_days,
                      scaled(progress, 0.82, 0.98))
    if planner_changes is not None:
        plan = follow(plan, planner_changes, terms, history.ids, settings.policy(ours()).history_days)
    result = _result(history, settings, terms, replays, plan, start, (start_date, end_date), currency)
    result.warnings = _warnings(history, stock, terms) + ([planner_changes.note] if planner_changes else [])
    progress(1.0, "done")
    return result


def _result(history: DemandHistory, settings: ReplenishmentSettings, terms: Terms, replays: dict, plan: pd.DataFrame,
            start: int, window: tuple[pd.Timestamp, pd.Timestamp], currency: str | None) -> ReplenishmentResult:
    cost = terms.unit_cost
    simulation = {name: totals(outcome, 0, cost, settings.holding_rate) for name, (_, outcome, _, _) in replays.items()}
    curve = pd.DataFrame([row for name, (_, outcome, _, _) in replays.items()
                          for row in curve_rows(outcome, list(settings.curve_targets), 1, name, cost,
                                                settings.holding_rate)])
    items = history.info[[c for c in (SERIES_ID, schema.PRODUCT_ID, schema.STORE_ID, "name", "unit_price")
                          if c in history.info]].copy()
    items["unit_cost"] = cost
    for name, (_, outcome, _, _) in replays.items():
        items = items.join(per_item(outcome, 0, cost).add_suffix(f"_{name}"))
    any_replay = next(iter(replays.values()))
    reviews = reviews_frame(history, any_replay[2], any_replay[3], terms.protection,
                            {name: replay[0] for name, replay in replays.items()}, ours())
    daily = daily_frame(history, start, {name: replay[1] for name, replay in replays.items()})
    return ReplenishmentResult(settings=settings, simulation=simulation, items=items, curve=curve, daily=daily,
                               reviews=reviews, plan=plan, simulate_from=f"{window[0]:%Y-%m-%d}",
                               simulate_to=f"{window[1]:%Y-%m-%d}", currency=currency,
                               comparison=comparison(simulation, curve))


def comparison(simulation: dict[str, dict], curve: pd.DataFrame) -> dict[str, float | None]:
    """Stock our policy needs at the service the spreadsheet delivered, against the spreadsheet's."""
    base = simulation[baseline()]
    service, cover = base["achieved_csl"], base["days_of_cover"]
    if service is None or cover is None:
        return {}
    ours_cover = cover_at(curve, ours(), service)
    return {"baseline_csl": service, "baseline_days_of_cover": cover, "ours_days_of_cover_at_baseline_csl":
            None if np.isnan(ours_cover) else ours_cover,
            "stock_saving": None if np.isnan(ours_cover) or cover <= 0 else 1.0 - ours_cover / cover}


def _warnings(history: DemandHistory, stock: StockTable | None, terms: Terms) -> list[str]:
    notes = [history.report.summary()]
    if stock is None:
        notes.append("No stock file: the replay starts every item at its order-up-to level and the plan assumes "
                     "nothing on hand and nothing on order.")
    else:
        notes.append(f"Stock file: {stock.summary()}")
    if np.isnan(terms.unit_cost).all():
        notes.append("No unit cost: stock is shown in units and days of demand, not in money.")
    return notes

