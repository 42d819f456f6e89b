"""Settings of a replenishment run: one frozen dataclass that checks itself through the registry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from retail.inventory.demand import INVENTORY_LEVELS
from retail.inventory.registry import POLICIES, TERM_NAMES, TERMS

CURVE_TARGETS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)


def _default_terms() -> dict[str, Any]:
    return {param.name: param.default for param in TERMS}


@dataclass(frozen=True)
class ReplenishmentSettings:
    """Everything that defines a replenishment run (saved with it, shown in the export).

    Parameters
    ----------
    level : 'product', 'product_store' or 'store'.
    top_n : plan the ``top_n`` items with most units sold before the simulated weeks (None: all).
    terms : the ordering terms of every item (service level and measure, review, lead, packs...),
        see ``TERMS`` in :mod:`retail.inventory.registry`; a per-item table can override them.
    policy_params : per policy, its own settings that differ from the registry's defaults,
        e.g. ``{"quantile": {"error_weeks": 8}}``.
    simulate_from : first simulated review day (ISO date); None: ``simulate_weeks`` before the end.
    simulate_weeks : weeks of real demand replayed.
    curve_targets : the service targets of the trade-off curve.
    holding_rate : yearly cost of holding stock as a share of its value (money figures need a cost).
    cost_share : unit cost as a share of the average selling price, for items without a cost (None: unknown).
    seed : seeds the lead times drawn when they vary.
    """

    level: str = "product"
    top_n: int | None = None
    terms: Mapping[str, Any] = field(default_factory=_default_terms)
    policy_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    simulate_from: str | None = None
    simulate_weeks: int = 12
    curve_targets: tuple[float, ...] = CURVE_TARGETS
    holding_rate: float = 0.25
    cost_share: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.level not in INVENTORY_LEVELS:
            raise ValueError(f"level must be one of {list(INVENTORY_LEVELS)}, got {self.level!r}.")
        unknown = sorted(set(self.terms) - set(TERM_NAMES))
        if unknown:
            raise ValueError(f"unknown ordering term(s) {unknown}; the terms are {', '.join(TERM_NAMES)}.")
        params = {param.name: param for param in TERMS}
        checked = {name: params[name].check(value) for name, value in self.terms.items()}
        object.__setattr__(self, "terms", _default_terms() | checked)
        object.__setattr__(self, "policy_params", self._checked_params())
        object.__setattr__(self, "curve_targets", tuple(float(t) for t in self.curve_targets))
        if self.simulate_from is not None:
            object.__setattr__(self, "simulate_from", _iso_day(self.simulate_from))
        for name, low in (("simulate_weeks", 1), ("top_n", 1)):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < low):
                raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}.")
        if any(not 0.5 <= t < 1 for t in self.curve_targets):
            raise ValueError(f"curve targets must be service levels from 0.5 to below 1, got {self.curve_targets}.")
        if not 0 <= self.holding_rate <= 5:
            raise ValueError(f"holding_rate is a yearly share of the stock's value (0.25 = 25%), got {self.holding_rate}.")
        if self.cost_share is not None and not 0 < self.cost_share <= 10:
            raise ValueError(f"cost_share is the unit cost as a share of the price (0.6 = 60%), got {self.cost_share}.")

    def _checked_params(self) -> dict[str, dict[str, Any]]:
        checked = {}
        for name, values in self.policy_params.items():
            spec = POLICIES.get(name)
            terms = sorted(set(values) & set(TERM_NAMES))
            if terms:
                raise ValueError(f"{terms} are ordering terms shared by every policy: give them in terms, "
                                 f"not for {spec.label} alone.")
            checked[name] = spec.check(dict(values))
        return checked

    def policy(self, name: str):
        """A new policy object of ``name`` with this run's terms and its own settings."""
        return POLICIES.get(name).build(**dict(self.terms), **dict(self.policy_params.get(name, {})))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return data | {"terms": dict(self.terms), "policy_params": {k: dict(v) for k, v in self.policy_params.items()},
                       "curve_targets": list(self.curve_targets)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplenishmentSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "curve_targets" in known:
            known["curve_targets"] = tuple(known["curve_targets"])
        return cls(**known)


def _iso_day(value: Any) -> str:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"simulate_from must be a date such as 2011-09-12, got {value!r}.") from exc
    if pd.isna(stamp):
        raise ValueError(f"simulate_from must be a date such as 2011-09-12, got {value!r}.")
    return f"{stamp:%Y-%m-%d}"
