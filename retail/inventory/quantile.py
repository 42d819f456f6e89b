"""Our policy: S is a quantile of the demand over review + lead days, the quantile set by replay.

For a review on day t:

1. **Forecast.** The forecasting layer's model, refitted on the sales before t, forecasts each
   item's total over its protection period (review + lead days): ``f``.
2. **Range.** The same forecasts made on earlier days of the item's review schedule are
   compared with what was then sold over their protection periods (only periods that ended
   before t). Each miss ``(actual - f) / scale(f)`` is pooled over items and the last
   ``error_weeks``; ``scale`` is ``sqrt(f)`` (misses of counted sales grow with the square
   root of their size; chosen by measurement, see the README) or ``f`` itself. The demand over
   the protection period is then ``f + scale(f) x`` a draw from the pooled misses: the range of
   the *sum*, not per-day ranges added up.
3. **Quantile.** Which quantile of that range delivers the target is not the target itself:
   with lost sales and whole packs, a 72% quantile can give 80% of cycles without running out.
   So the policy is replayed on the last ``calibration_weeks`` before t (real demand, the same
   lead times, packs and minimum orders, each replayed order using the forecast of its own
   day) for a grid of quantiles, and the quantile whose replay meets the target (cycle
   service or fill rate, pooled over the items sharing that target) is the one used at t.

Everything at t reads sales before t only: forecasts are fitted on earlier days, misses are
counted over periods that ended before t, and the replay stops the day before t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retail.inventory.demand import DemandHistory
from retail.inventory.forecasts import forecast_model, origin_forecasts
from retail.inventory.policies import Levels, OrderPolicy, Reviews
from retail.inventory.registry import CALIBRATION_WEEKS, ERROR_WEEKS, HISTORY_DAYS
from retail.inventory.simulate import Schedule, lead_times, service, simulate
from retail.inventory.terms import Terms
from retail.progress import Progress, quiet, scaled

TAU_GRID = np.r_[np.linspace(0.02, 0.9, 23), 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999]
BAND = (0.1, 0.9)  # the 80% range shown beside S
MIN_MISSES = 20  # fewer pooled misses than this: no range yet, S is the forecast


@dataclass
class _Grid:
    """Each item's review schedule extended back in time, with its forecasts and actual totals."""

    days: np.ndarray  # (items, columns) origin day of each schedule slot
    usable: np.ndarray  # slot inside the data and wanted
    forecast: np.ndarray  # forecast total over the protection period (0 where none)
    actual: np.ndarray  # actual total over the protection period (NaN when not complete in the data)
    scale: np.ndarray  # what a miss is divided by
    back: int  # column of review 0


def _first_at_least(values: np.ndarray, wanted: float, grid: np.ndarray) -> float:
    """The grid value where the (non-decreasing) ``values`` first reach ``wanted``, interpolated."""
    reached = np.flatnonzero(values >= wanted)
    if not len(reached):
        return float(grid[-1])
    k = int(reached[0])
    if k == 0 or values[k] == values[k - 1]:
        return float(grid[k])
    share = (wanted - values[k - 1]) / (values[k] - values[k - 1])
    return float(grid[k - 1] + share * (grid[k] - grid[k - 1]))


class QuantilePolicy(OrderPolicy):
    """Order up to a replay-calibrated quantile of the forecast demand over review + lead days."""

    def __init__(self, forecast_model: str = "ma", history_days: int = HISTORY_DAYS, error_weeks: int = ERROR_WEEKS,
                 calibration_weeks: int = CALIBRATION_WEEKS, size_classes: int = 1, spread: str = "sqrt",
                 **terms):
        super().__init__(**terms)
        self.forecast_model = forecast_model
        self.history_days = history_days
        self.error_weeks = error_weeks
        self.calibration_weeks = calibration_weeks
        self.size_classes = size_classes
        self.spread = spread

    def _scale(self, forecast: np.ndarray) -> np.ndarray:
        return np.sqrt(forecast) if self.spread == "sqrt" else forecast

    def _grid(self, history: DemandHistory, reviews: Reviews, terms: Terms, progress: Progress) -> _Grid:
        cover = terms.protection
        back_days = 7 * max(self.error_weeks, self.calibration_weeks) + cover
        back = int(np.ceil(back_days / terms.review).max()) + 1
        slots = np.arange(-back, max(int(reviews.count.max(initial=0)), 1))
        days = reviews.first[:, None] + slots[None, :] * terms.review[:, None]
        usable = ((slots[None, :] >= -np.ceil(back_days / terms.review)[:, None] - 1)
                  & (slots[None, :] < reviews.count[:, None]) & (days >= 1) & (days <= history.n_days))
        origins = np.unique(days[usable])
        model = forecast_model(self.forecast_model, self.history_days, int(cover.max()), history.level)
        totals = origin_forecasts(history, model, origins, cover, progress)
        where = np.clip(np.searchsorted(origins, days), 0, max(len(origins) - 1, 0))
        rows = np.arange(len(history.ids))[:, None]
        forecast = np.where(usable, totals[where, rows] if len(origins) else np.nan, np.nan)
        forecast = np.nan_to_num(np.maximum(forecast, 0.0), nan=0.0)
        actual = history.totals(days, cover[:, None])
        return _Grid(days, usable, forecast, actual, self._scale(forecast), back)

    def _misses(self, grid: _Grid, terms: Terms, day: int) -> np.ndarray:
        """Scaled misses of the forecasts whose protection period ended before ``day``."""
        ended = grid.days + terms.protection[:, None]
        keep = (grid.usable & (ended <= day) & (ended > day - 7 * self.error_weeks) & (grid.forecast > 0)
                & ~np.isnan(grid.actual))
        return ((grid.actual - grid.forecast) / np.where(keep, grid.scale, 1.0))[keep]

    def _replay(self, history: DemandHistory, grid: _Grid, terms: Terms, day: int,
                shifts: np.ndarray) -> tuple[np.ndarray, object]:
        """Replay the reviews of the last ``calibration_weeks`` before ``day`` for each quantile shift.

        The replay starts earlier by the cycles an order needs to arrive (lead / review, rounded up)
        and counts only from there: the first cycles live off the starting stock and would flatter
        every quantile (the more, the shorter the replay).
        """
        warmup = -(-terms.lead // terms.review) * terms.review
        window = grid.usable & (grid.days >= day - 7 * self.calibration_weeks - warmup[:, None]) & (grid.days < day)
        items = np.flatnonzero(window.any(axis=1))
        if not len(items):
            return items, None
        first = window[items].argmax(axis=1)
        count = window[items].sum(axis=1)
        begin = int(grid.days[items, first].min())
        k = np.arange(int(count.max()))
        cols = np.minimum(first[:, None] + k[None, :], grid.days.shape[1] - 1)
        f, s = grid.forecast[items[:, None], cols], grid.scale[items[:, None], cols]
        levels = np.ceil(np.maximum(f[None] + shifts[:, None, None] * s[None], 0.0) - 1e-9)
        start = grid.days[items, first] - begin
        schedule = Schedule(start, terms.review[items], terms.pack[items], terms.min_order[items],
                            counted_from=np.minimum(start + warmup[items], day - begin))
        leads = lead_times(terms.lead[items], terms.lead_sd[items], len(k), seed=day)
        return items, simulate(history.units[items, begin:day], levels, schedule, leads)

    def levels(self, history: DemandHistory, reviews: Reviews, terms: Terms, targets: np.ndarray,
               progress: Progress = quiet) -> Levels:
        grid = self._grid(history, reviews, terms, scaled(progress, 0.0, 0.8))
        targets = np.asarray(targets, dtype=float)
        review_cols = slice(grid.back, grid.back + max(int(reviews.count.max(initial=0)), 1))
        days, valid = grid.days[:, review_cols], grid.usable[:, review_cols]
        shape = (targets.shape[0], *days.shape)
        order_up_to, chosen = np.zeros(shape), np.full(shape, np.nan)
        low, high = np.zeros(days.shape), np.zeros(days.shape)
        calendar = np.unique(days[valid])
        for step, day in enumerate(calendar):
            today = valid & (days == day)
            tau, band = self._calibrate(history, grid, terms, int(day), targets, today.any(axis=1))
            f, s = grid.forecast[:, review_cols], grid.scale[:, review_cols]
            for b in range(targets.shape[0]):
                shift = np.interp(tau[b], TAU_GRID, band[2]) if band[2] is not None else np.zeros(len(f))
                level = np.ceil(np.maximum(f + shift[:, None] * s, 0.0) - 1e-9)
                order_up_to[b][today] = level[today]
                chosen[b][today] = np.broadcast_to(tau[b][:, None], days.shape)[today]
            low[today] = np.maximum(f + band[0] * s, 0.0)[today]
            high[today] = np.maximum(f + band[1] * s, 0.0)[today]
            progress(0.8 + 0.2 * (step + 1) / len(calendar), f"setting order-up-to levels: review {step + 1:,} of "
                                                             f"{len(calendar):,}")
        return Levels(order_up_to, grid.forecast[:, review_cols], low, high, chosen)

    def _size_class(self, history: DemandHistory, day: int) -> np.ndarray:
        """Class of each item by its average daily sales over ``history_days`` before ``day`` (0: smallest)."""
        mean, _ = history.window_stats(np.full(len(history.ids), day), self.history_days)
        if self.size_classes <= 1 or len(mean) < 2 * self.size_classes:
            return np.zeros(len(mean), dtype=np.int64)
        ranks = np.argsort(np.argsort(mean, kind="stable"), kind="stable")
        return ranks * self.size_classes // len(mean)

    def _calibrate(self, history: DemandHistory, grid: _Grid, terms: Terms, day: int, targets: np.ndarray,
                   reviewing: np.ndarray) -> tuple[np.ndarray, tuple]:
        """Per target row and item: the quantile level to use on ``day``; and the shifts of the grid."""
        misses = self._misses(grid, terms, day)
        tau = np.array(targets, dtype=float, copy=True)  # without misses: the target itself (S = forecast)
        if len(misses) < MIN_MISSES:
            return tau, (0.0, 0.0, None)
        shifts = np.quantile(misses, TAU_GRID)
        items, outcome = self._replay(history, grid, terms, day, shifts)
        if outcome is not None:
            size = self._size_class(history, day)
            for b in range(targets.shape[0]):
                for target, kind in {(t, c) for t, c in zip(targets[b][reviewing], size[reviewing], strict=True)}:
                    group = (targets[b][items] == target) & (size[items] == kind)
                    delivered = np.maximum.accumulate(np.nan_to_num(service(outcome, group)[terms.measure]))
                    tau[b][(targets[b] == target) & (size == kind)] = _first_at_least(delivered, target, TAU_GRID)
        low, high = np.interp(BAND, TAU_GRID, shifts)
        return tau, (float(low), float(high), shifts)
