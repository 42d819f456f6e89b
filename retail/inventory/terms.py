"""Ordering terms per item: the run's values, overridden per item by an uploaded or edited table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from retail.inventory.registry import CYCLE, TERMS
from retail.inventory.stock import ON_HAND, ON_ORDER, UNIT_COST


@dataclass(frozen=True)
class Terms:
    """One value per item (arrays aligned with the demand history's ids).

    ``unit_cost`` is NaN where no cost is known; ``on_hand`` / ``on_order`` are NaN where the
    stock file says nothing (a plan then assumes none).
    """

    target: np.ndarray
    review: np.ndarray
    lead: np.ndarray
    lead_sd: np.ndarray
    pack: np.ndarray
    min_order: np.ndarray
    unit_cost: np.ndarray
    on_hand: np.ndarray
    on_order: np.ndarray
    measure: str = CYCLE

    @property
    def protection(self) -> np.ndarray:
        """Days an order has to last: until the next order arrives (review + lead days)."""
        return self.review + self.lead

    def __len__(self) -> int:
        return len(self.target)

    def subset(self, keep: np.ndarray) -> Terms:
        """The terms of the items in ``keep`` (a mask or indices)."""
        return Terms(**{name: getattr(self, name)[keep] for name in _ARRAYS}, measure=self.measure)


_ARRAYS = ("target", "review", "lead", "lead_sd", "pack", "min_order", "unit_cost", "on_hand", "on_order")
_COLUMNS = {"service_level": "target", "review_days": "review", "lead_days": "lead", "lead_days_sd": "lead_sd",
            "pack_size": "pack", "min_order": "min_order", UNIT_COST: "unit_cost", ON_HAND: "on_hand",
            ON_ORDER: "on_order"}


def item_terms(ids: np.ndarray, values: Mapping[str, Any], table: pd.DataFrame | None = None,
               unit_cost: np.ndarray | None = None) -> Terms:
    """Per-item terms from the run's ``values`` (checked TERMS), overridden by ``table``'s cells.

    Parameters
    ----------
    ids : the items, in the demand history's order.
    values : service_level, service_measure, review_days, lead_days, lead_days_sd, pack_size, min_order.
    table : index = item id; columns among the TERMS names, unit_cost, on_hand, on_order (NaN: keep).
    unit_cost : a cost per item to use where the table gives none (e.g. a share of the selling price).

    Raises
    ------
    ValueError
        A table value outside what the setting allows, naming the item and the column.
    """
    n = len(ids)
    arrays = {_COLUMNS[p.name]: np.full(n, float(values[p.name])) for p in TERMS if p.kind is not str}
    arrays |= {"unit_cost": np.full(n, np.nan) if unit_cost is None else np.asarray(unit_cost, dtype=float),
               "on_hand": np.full(n, np.nan), "on_order": np.full(n, np.nan)}
    if table is not None and len(table):
        aligned = table.reindex(pd.Index(ids, dtype=object).astype(str))
        for column in aligned.columns:
            if column not in _COLUMNS:
                continue
            given = pd.to_numeric(aligned[column], errors="coerce").to_numpy(dtype=float)
            _check_column(column, given, ids)
            target = arrays[_COLUMNS[column]]
            arrays[_COLUMNS[column]] = np.where(np.isnan(given), target, given)
    whole = ("review", "lead", "pack", "min_order")
    return Terms(**{k: (np.rint(v).astype(np.int64) if k in whole else v) for k, v in arrays.items()},
                 measure=str(values["service_measure"]))


def _check_column(column: str, given: np.ndarray, ids: np.ndarray) -> None:
    param = next((p for p in TERMS if p.name == column), None)
    present = ~np.isnan(given)
    low = param.minimum if param is not None else 0.0
    high = param.maximum if param is not None else np.inf
    bad = present & ((given < low) | (given > high))
    if param is not None and param.kind is int:
        bad |= present & (given != np.rint(given))
    if bad.any():
        where = ", ".join(f"{ids[i]} ({given[i]:g})" for i in np.flatnonzero(bad)[:3])
        allowed = f"whole numbers from {low:g} to {high:g}" if param is not None and param.kind is int else (
            f"numbers from {low:g}" + (f" to {high:g}" if np.isfinite(high) else " up"))
        label = param.label if param is not None else column.replace("_", " ")
        raise ValueError(f"{label}: {int(bad.sum()):,} items have values outside what is allowed ({allowed}), "
                         f"e.g. {where}.")
