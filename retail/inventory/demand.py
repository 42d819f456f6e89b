"""Daily demand per item (product, product x store or store) for ordering decisions.

Demand is the units of net sale lines (:func:`retail.data.schema.sales_only`: cancelled sales
are already out), per day, zero on days without sales, through
:func:`retail.analytics.aggregate.build_panel`. No period is flagged as an absence: for stock,
a day without sales is a day without demand, and an absence decided from later sales would
let the future leak into a past order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID, PanelReport, Y, build_panel

INVENTORY_LEVELS: tuple[str, ...] = ("product", "product_store", "store")


@dataclass
class DemandHistory:
    """Units demanded per item and day.

    Attributes
    ----------
    ids : item ids (the panel's ``series_id``: a product code, ``code | store`` or a store).
    dates : every day from the first to the last sale of the data.
    units : ``(items, days)`` demand; 0 before an item's first sale.
    panel : the long daily panel, for the forecasting layer.
    info : per item: ``series_id``, ``name``, ``unit_price`` (average price paid) and its keys.
    level : 'product', 'product_store' or 'store'.
    report : what building the panel left out (smaller items, ...).
    """

    ids: np.ndarray
    dates: pd.DatetimeIndex
    units: np.ndarray
    panel: pd.DataFrame
    info: pd.DataFrame
    level: str
    report: PanelReport

    def __post_init__(self) -> None:
        cumulative = np.zeros((len(self.ids), len(self.dates) + 1))
        np.cumsum(self.units, axis=1, out=cumulative[:, 1:])
        self._cumulative = cumulative

    @property
    def n_days(self) -> int:
        return len(self.dates)

    def day_of(self, date: pd.Timestamp | str) -> int:
        """Index of ``date`` in :attr:`dates` (``n_days`` for the day after the data)."""
        stamp = pd.Timestamp(date).normalize()
        return int(np.searchsorted(self.dates.to_numpy(), stamp.to_datetime64()))

    def totals(self, start: np.ndarray, length: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Demand over ``[start, start + length)``: of each item (``start`` has the items on its first
        axis) or of items ``rows``; NaN where the window is not complete inside the data."""
        start = np.asarray(start)
        if rows is None:
            rows = np.arange(len(self.ids)).reshape((-1,) + (1,) * (start.ndim - 1))
        stop = start + length
        inside = (start >= 0) & (stop <= self.n_days)
        lo, hi = np.clip(start, 0, self.n_days), np.clip(stop, 0, self.n_days)
        return np.where(inside, self._cumulative[rows, hi] - self._cumulative[rows, lo], np.nan)

    def window_stats(self, end: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (n-1) of daily demand over the ``days`` before ``end`` (exclusive),
        per item; shorter at the start of the data (at least one day)."""
        end = np.clip(np.asarray(end), 1, self.n_days)
        rows = np.arange(len(self.ids)).reshape((-1,) + (1,) * (end.ndim - 1))
        start = np.maximum(end - days, 0)
        count = (end - start).astype(np.float64)
        total = self._cumulative[rows, end] - self._cumulative[rows, start]
        squares = self._squares()[rows, end] - self._squares()[rows, start]
        mean = total / count
        variance = np.maximum(squares - count * mean * mean, 0.0) / np.maximum(count - 1.0, 1.0)
        return mean, np.sqrt(variance)

    def _squares(self) -> np.ndarray:
        if not hasattr(self, "_cumulative_squares"):
            squares = np.zeros_like(self._cumulative)
            np.cumsum(self.units * self.units, axis=1, out=squares[:, 1:])
            self._cumulative_squares = squares
        return self._cumulative_squares

    def panel_before(self, day: int) -> pd.DataFrame:
        """The long panel cut before ``day`` (the data a review on that day may use)."""
        if day >= self.n_days:
            return self.panel
        return self.panel[self.panel[DATE] < self.dates[day]]

    def names(self) -> dict[str, str]:
        return dict(zip(self.info[SERIES_ID], self.info["name"], strict=True))


def why_not(kind: str, has_quantity: bool) -> str | None:
    """Why orders cannot be planned from a dataset (None when they can)."""
    if kind == "store_totals" or (kind == "product_totals" and not has_quantity):
        return ("Orders are planned in units per product (or store), day by day. This dataset holds sales totals "
                "without units sold, so there is no demand in units to order from.")
    return None


def load_history(frame: pd.DataFrame, level: str = "product", top_n: int | None = None,
                 rank_until: pd.Timestamp | None = None) -> DemandHistory:
    """Daily demand of the ``top_n`` items with most units sold before ``rank_until``.

    Raises
    ------
    ValueError
        The level is not an ordering level or the data has no key for it, or no sale lines.
    """
    if level not in INVENTORY_LEVELS:
        raise ValueError(f"orders are planned per {', '.join(LEVELS[name].label for name in INVENTORY_LEVELS)}; "
                         f"got level {level!r}.")
    panel, report = build_panel(frame, level, "D", "units", top_n, absence_periods=0, exog=[],
                                rank_until=rank_until)
    wide = panel.pivot(index=SERIES_ID, columns=DATE, values=Y)
    dates = pd.date_range(wide.columns.min(), wide.columns.max(), freq="D")
    units = wide.reindex(columns=dates).fillna(0.0).to_numpy(dtype=np.float64)
    info = report.series_info.set_index(SERIES_ID).reindex(wide.index).reset_index()
    return DemandHistory(ids=wide.index.to_numpy(dtype=object), dates=dates, units=units,
                         panel=panel.drop(columns=[c for c in panel.columns if c not in (SERIES_ID, DATE, Y)]),
                         info=info, level=level, report=report)
