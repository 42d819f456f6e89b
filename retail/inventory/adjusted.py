"""The order plan follows the planners' adjusted forecast.

Planners change a forecast run per series and period (:mod:`retail.planning`); the units they
added or removed (adjusted minus statistical forecast) reach the plan as :class:`PlannerChanges`.
Each item's share of a period's change is the share of the period's days that fall inside its
protection window (review + lead days from the review date): a +70-unit week fully inside the
window adds 70 units, a week half inside it 35. The forecast over the window, its range and the
order-up-to level move by that many units, and the order is worked out again (packs, minimum
order). The statistical forecast and the planners' units stay in the plan, beside the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.analytics.aggregate import SERIES_ID
from retail.inventory.plan import reasons
from retail.inventory.simulate import order_quantity
from retail.inventory.terms import Terms

CHANGE, STATISTICAL_FORECAST = "planner_change", "statistical_forecast"


@dataclass(frozen=True)
class PlannerChanges:
    """Units planners added to (or removed from) a forecast, per item and period.

    ``changes``: ``series_id``, ``start`` (the period's first day), ``days`` (its length), ``units``.
    ``note``: one sentence naming the forecast run the plan follows.
    """

    changes: pd.DataFrame
    note: str

    def units_over(self, ids: np.ndarray, first_day: pd.Timestamp, cover_days: np.ndarray) -> np.ndarray:
        """Per item: the planners' units falling inside ``[first_day, first_day + cover_days)``."""
        frame = self.changes[self.changes[SERIES_ID].isin(ids)]
        if frame.empty:
            return np.zeros(len(ids))
        position = pd.Series(np.arange(len(ids)), index=pd.Index(ids)).reindex(frame[SERIES_ID]).to_numpy()
        start = (pd.to_datetime(frame["start"]) - pd.Timestamp(first_day)).dt.days.to_numpy()
        end = start + frame["days"].to_numpy()
        overlap = np.clip(np.minimum(end, cover_days[position]) - np.maximum(start, 0), 0, None)
        return np.bincount(position, weights=frame["units"].to_numpy() * overlap / frame["days"].to_numpy(),
                           minlength=len(ids))


def follow(plan: pd.DataFrame, changes: PlannerChanges, terms: Terms, ids: np.ndarray,
           history_days: int) -> pd.DataFrame:
    """The plan with the planners' units added to each item's forecast, range and order-up-to level,
    and the orders worked out again; ``statistical_forecast`` and ``planner_change`` beside them.

    ``terms`` and ``ids`` are aligned (the demand history's items); ``plan`` may be in any order.
    """
    rows = plan[SERIES_ID].to_numpy()
    index = pd.Series(np.arange(len(ids)), index=pd.Index(ids)).reindex(rows).to_numpy()
    extra = changes.units_over(rows, pd.Timestamp(plan["review_date"].iat[0]), plan["cover_days"].to_numpy())
    out = plan.assign(**{STATISTICAL_FORECAST: plan["forecast"], CHANGE: extra})
    for column in ("forecast", "low", "high"):
        out[column] = np.maximum(plan[column] + extra, 0.0)
    out["order_up_to"] = np.ceil(np.maximum(plan["order_up_to"] + extra, 0.0) - 1e-9)
    position = np.nan_to_num(plan["on_hand"].to_numpy()) + np.nan_to_num(plan["on_order"].to_numpy())
    out["order_quantity"] = order_quantity(out["order_up_to"].to_numpy() - position, terms.pack[index],
                                           terms.min_order[index])
    out["order_value"] = out["order_quantity"] * out["unit_cost"]
    out["reason"] = reasons(out["order_up_to"].to_numpy(), position, out["order_quantity"].to_numpy(),
                            out["forecast"].to_numpy(), terms.subset(index), history_days)
    changed = np.abs(extra) >= 0.5
    out.loc[changed, "reason"] = out.loc[changed, "reason"] + [
        f"; the planners' adjusted forecast {'adds' if e > 0 else 'removes'} {abs(e):,.0f} units" for e in extra[changed]]
    return out.sort_values(["order_quantity", "forecast"], ascending=False, kind="stable").reset_index(drop=True)
