"""A replay's outcome in plain numbers and frames: totals, per item, the trade-off curve, days, reviews."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.inventory.demand import DemandHistory
from retail.inventory.policies import Levels
from retail.inventory.simulate import Outcome

ITEM_METRICS: tuple[str, ...] = ("achieved_csl", "fill_rate", "days_of_cover", "stockout_cycles", "lost_units",
                                 "average_on_hand", "average_stock_value")


def totals(outcome: Outcome, row: int, cost: np.ndarray, holding_rate: float) -> dict[str, float | int | None]:
    """The headline numbers of one variant, pooled over items (money only where a cost is known)."""
    demand, days = outcome.demand[row], outcome.days[row]
    on_hand = np.divide(outcome.on_hand_days[row], days, out=np.zeros_like(days), where=days > 0)
    costed = ~np.isnan(cost)
    value = float((on_hand * np.nan_to_num(cost))[costed].sum()) if costed.any() else None
    span = float(days.max(initial=0))
    return {
        "achieved_csl": _ratio(outcome.cycles[row].sum() - outcome.short_cycles[row].sum(), outcome.cycles[row].sum()),
        "fill_rate": _ratio(outcome.sold[row].sum(), demand.sum()),
        "days_of_cover": _ratio(outcome.on_hand_days[row].sum(), demand.sum()),
        "stockout_cycles": int(outcome.short_cycles[row].sum()), "cycles": int(outcome.cycles[row].sum()),
        "stockout_days": int(outcome.short_days[row].sum()), "lost_units": float(outcome.lost[row].sum()),
        "demand_units": float(demand.sum()), "average_on_hand": float(on_hand.sum()),
        "average_stock_value": value,
        "holding_cost": None if value is None else value * holding_rate * span / 365.0,
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator > 0 else None


def per_item(outcome: Outcome, row: int, cost: np.ndarray) -> pd.DataFrame:
    """Item metrics of one variant (NaN where an item had no demand or no cost)."""
    days = np.maximum(outcome.days[row], 1)
    demand = outcome.demand[row]
    with np.errstate(invalid="ignore", divide="ignore"):
        on_hand = outcome.on_hand_days[row] / days
        return pd.DataFrame({
            "achieved_csl": 1.0 - outcome.short_cycles[row] / outcome.cycles[row],
            "fill_rate": np.where(demand > 0, outcome.sold[row] / demand, np.nan),
            "days_of_cover": np.where(demand > 0, outcome.on_hand_days[row] / demand, np.nan),
            "stockout_cycles": outcome.short_cycles[row].astype(np.int64),
            "lost_units": outcome.lost[row], "average_on_hand": on_hand, "average_stock_value": on_hand * cost,
        })


def curve_rows(outcome: Outcome, targets: list[float], first_row: int, policy: str, cost: np.ndarray,
               holding_rate: float) -> list[dict]:
    """One row per curve target: achieved service and stock held."""
    rows = []
    for k, target in enumerate(targets):
        numbers = totals(outcome, first_row + k, cost, holding_rate)
        rows.append({"policy": policy, "target": target, **{key: numbers[key] for key in (
            "achieved_csl", "fill_rate", "days_of_cover", "average_on_hand", "average_stock_value")}})
    return rows


def cover_at(curve: pd.DataFrame, policy: str, service: float, measure: str = "achieved_csl") -> float:
    """Days of cover ``policy`` needs for ``service``, interpolated along its curve (NaN outside it)."""
    points = curve[curve["policy"] == policy].dropna(subset=[measure, "days_of_cover"]).sort_values(measure)
    if points.empty or not points[measure].min() <= service <= points[measure].max():
        return float("nan")
    return float(np.interp(service, points[measure], points["days_of_cover"]))


def daily_frame(history: DemandHistory, start: int, outcomes: dict[str, Outcome]) -> pd.DataFrame:
    """Per item and simulated day: demand, and each policy's stock at the end of the day and order."""
    n, days = len(history.ids), next(iter(outcomes.values())).on_hand.shape[2]
    frame = pd.DataFrame({SERIES_ID: np.repeat(history.ids, days),
                          DATE: np.tile(history.dates[start:start + days].to_numpy(), n),
                          "demand": history.units[:, start:start + days].reshape(-1)})
    for policy, outcome in outcomes.items():
        frame[f"on_hand_{policy}"] = outcome.on_hand[0].reshape(-1)
        frame[f"order_{policy}"] = outcome.orders[0].reshape(-1)
    return frame


def reviews_frame(history: DemandHistory, days: np.ndarray, valid: np.ndarray, cover: np.ndarray,
                  levels: dict[str, Levels], ours: str) -> pd.DataFrame:
    """Per item and review: the forecast over the protection period, its range, what was sold, each S."""
    rows, cols = np.nonzero(valid)
    day = days[rows, cols]
    frame = pd.DataFrame({SERIES_ID: history.ids[rows], DATE: history.dates[np.minimum(day, history.n_days - 1)],
                          "cover_days": cover[rows], "forecast": levels[ours].forecast[rows, cols],
                          "low": levels[ours].low[rows, cols], "high": levels[ours].high[rows, cols],
                          "actual": history.totals(day, cover[rows], rows)})
    for policy, decided in levels.items():
        frame[f"level_{policy}"] = decided.order_up_to[0][rows, cols]
        frame[f"quantile_{policy}"] = decided.quantile[0][rows, cols]
    return frame.sort_values([SERIES_ID, DATE], kind="stable").reset_index(drop=True)
