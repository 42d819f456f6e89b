"""Replenishment: order quantities from the forecasts, proven by replaying real demand.

Typical use::

    from retail.inventory import ReplenishmentSettings, run_replenishment
    result = run_replenishment(frame, ReplenishmentSettings(level="product", top_n=500,
                                                            terms={"service_level": 0.95}))
    result.plan                      # what to order at the next review, per item
    result.summary_dict()            # achieved service and stock of our policy and the spreadsheet's
    result.curve                     # the trade-off curve: service achieved vs days of stock held

What policies exist is declared in :mod:`retail.inventory.registry`. Names are imported on
first use (PEP 562), so ``import retail.inventory.registry`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "POLICIES": "registry", "ReplenishmentSettings": "settings", "run_replenishment": "pipeline",
    "ReplenishmentResult": "result", "save_run": "result", "load_run": "result", "read_stock": "stock",
    "load_history": "demand", "simulate": "simulate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'retail.inventory' has no attribute {name!r}")
    return getattr(importlib.import_module(f"retail.inventory.{_EXPORTS[name]}"), name)
