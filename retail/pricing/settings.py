"""Settings of a pricing run: one frozen dataclass that checks itself against the registry."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from retail.pricing.registry import DEFAULT, ESTIMATORS


def _default_model() -> str:
    return ESTIMATORS.first_tagged(DEFAULT)


@dataclass(frozen=True)
class PricingSettings:
    """Everything that defines an elasticity run (saved with the run, shown in the export).

    Parameters
    ----------
    model : an entry of :data:`retail.pricing.registry.ESTIMATORS` (default: the one tagged default).
    model_params : its settings that differ from the registry defaults.
    promo_column : the extra column flagging promotions (None: a column named like "promo", if any).
    min_sale_days : products with fewer days with sales get no elasticity.
    price_step : relative price moves below this are not counted as price changes (0.01 = 1%).
    """

    model: str = field(default_factory=_default_model)
    model_params: dict[str, Any] = field(default_factory=dict)
    promo_column: str | None = None
    min_sale_days: int = 30
    price_step: float = 0.01

    def __post_init__(self) -> None:
        spec = ESTIMATORS.get(self.model)
        object.__setattr__(self, "model_params", spec.check(dict(self.model_params)))
        if int(self.min_sale_days) != self.min_sale_days or self.min_sale_days < 2:
            raise ValueError(f"min_sale_days must be a whole number of at least 2, got {self.min_sale_days!r}.")
        if not 0 <= self.price_step < 0.5:
            raise ValueError(f"price_step must be between 0 and 0.5 (a share of the price), got {self.price_step!r}.")

    def build(self):
        """A new, unfitted elasticity model of these settings."""
        return ESTIMATORS.get(self.model).build(**self.model_params)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"model_params": dict(self.model_params)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PricingSettings:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
