"""Settings of a forecast run: one frozen dataclass that checks itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from retail import frequency
from retail.analytics.aggregate import LEVELS, TARGETS
from retail.forecast.combination import members_in
from retail.forecast.registry import COMBINATION, DEFAULT, FORECASTERS


def default_models() -> tuple[str, ...]:
    """The models of a run when none are named: the registry's entries tagged as defaults."""
    return FORECASTERS.tagged(DEFAULT)


@dataclass(frozen=True)
class ForecastSettings:
    """Everything that defines a forecast run (saved with the run, shown in the export).

    Parameters
    ----------
    level, freq, target : see :func:`retail.analytics.aggregate.build_panel`.
    horizon : periods to forecast ahead.
    models : model names from :data:`retail.forecast.registry.FORECASTERS` (default: those tagged
        ``DEFAULT``; the others are chosen by name).
    model_params : per model, settings that differ from its registry defaults,
        e.g. ``{"lightgbm": {"objective": "poisson"}}``.
    windows : rolling-origin backtest windows; ``step`` periods apart (default ``horizon``).
    top_n : keep only the ``top_n`` largest series (``None`` keeps all).
    future_known : exogenous columns whose future values are known (a promo calendar).
        Other exogenous columns are only used through their past values.
    intervals : nominal coverages of the prediction intervals.
    min_train : periods of history a series needs before the first backtest cutoff.
    n_jobs : worker processes for per-series models (exponential smoothing).
    """

    level: str = "product"
    freq: str = "W"
    target: str = "units"
    horizon: int = 8
    models: tuple[str, ...] = field(default_factory=default_models)
    model_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    windows: int = 3
    step: int | None = None
    top_n: int | None = None
    future_known: tuple[str, ...] = ()
    intervals: tuple[float, ...] = (0.8, 0.95)
    min_train: int | None = None
    absence_periods: int | None = None
    n_jobs: int = 2
    random_state: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", FORECASTERS.check_names(tuple(self.models)))
        if any(COMBINATION in FORECASTERS.get(name).tags for name in self.models):
            members_in(self.models)  # a blend weighs at least two of its models, so they run too
        object.__setattr__(self, "future_known", tuple(self.future_known))
        object.__setattr__(self, "intervals", tuple(float(c) for c in self.intervals))
        object.__setattr__(self, "model_params", self._checked_params())
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {list(LEVELS)}, got {self.level!r}.")
        frequency.get(self.freq)
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {list(TARGETS)}, got {self.target!r}.")
        for name in ("horizon", "windows"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")
        if self.step is not None and (not isinstance(self.step, int) or self.step < 1):
            raise ValueError(f"step must be a whole number >= 1 or None (= horizon), got {self.step!r}.")
        if self.top_n is not None and self.top_n < 1:
            raise ValueError(f"top_n must be >= 1 or None (all series), got {self.top_n!r}.")
        if any(not 0 < c < 1 for c in self.intervals):
            raise ValueError(f"interval coverages must be between 0 and 1 (e.g. 0.8), got {self.intervals}.")

    def _checked_params(self) -> dict[str, dict[str, Any]]:
        unknown = [name for name in self.model_params if name not in FORECASTERS]
        if unknown:
            raise ValueError(f"settings given for unknown model(s) {unknown}; models are {list(FORECASTERS.names)}.")
        return {name: FORECASTERS.get(name).check(dict(values)) for name, values in self.model_params.items()}

    def params_for(self, model: str) -> dict[str, Any]:
        """The settings of ``model`` that differ from its defaults."""
        return dict(self.model_params.get(model, {}))

    @property
    def backtest_step(self) -> int:
        return self.step or self.horizon

    @property
    def train_periods(self) -> int:
        """Minimum history before the first backtest cutoff (default: one horizon, at least 2 periods)."""
        return self.min_train if self.min_train is not None else max(self.horizon, 2)

    @property
    def min_periods(self) -> int:
        """Shortest series (first sale to end) that can be backtested and forecast."""
        return self.train_periods + (self.windows - 1) * self.backtest_step + self.horizon

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"model_params": {k: dict(v) for k, v in self.model_params.items()}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForecastSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "objective" in data:  # runs saved before the model registry kept it at the top level
            lightgbm = {"objective": data["objective"]} | dict(known.get("model_params", {}).get("lightgbm", {}))
            known["model_params"] = dict(known.get("model_params", {})) | {"lightgbm": lightgbm}
        return cls(**known)
