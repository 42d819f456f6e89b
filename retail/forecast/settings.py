"""Settings of a forecast run: one frozen dataclass that checks itself."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from retail.analytics.aggregate import FREQS, LEVELS, TARGETS

MODEL_NAMES: tuple[str, ...] = ("snaive", "ma", "ets", "linear", "lightgbm")
OBJECTIVES: tuple[str, ...] = ("tweedie", "poisson", "l2", "l1")
SEASON: dict[str, int] = {"D": 7, "W": 52, "M": 12}


@dataclass(frozen=True)
class ForecastSettings:
    """Everything that defines a forecast run (saved with the run, shown in the export).

    Parameters
    ----------
    level, freq, target : see :func:`retail.analytics.aggregate.build_panel`.
    horizon : periods to forecast ahead.
    models : model names, from :data:`MODEL_NAMES` (built by :func:`retail.forecast.models.make_models`).
    windows : rolling-origin backtest windows; ``step`` periods apart (default ``horizon``).
    top_n : keep only the ``top_n`` largest series (``None`` keeps all).
    future_known : exogenous columns whose future values are known (a promo calendar).
        Other exogenous columns are only used through their past values.
    objective : LightGBM objective ('tweedie', 'poisson', 'l2' or 'l1').
    intervals : nominal coverages of the prediction intervals.
    min_train : periods of history a series needs before the first backtest cutoff.
    n_jobs : worker processes for per-series models (exponential smoothing).
    """

    level: str = "product"
    freq: str = "W"
    target: str = "units"
    horizon: int = 8
    models: tuple[str, ...] = ("snaive", "ma", "ets", "linear", "lightgbm")
    windows: int = 3
    step: int | None = None
    top_n: int | None = None
    future_known: tuple[str, ...] = ()
    objective: str = "tweedie"
    intervals: tuple[float, ...] = (0.8, 0.95)
    min_train: int | None = None
    absence_periods: int | None = None
    n_jobs: int = 2
    random_state: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "future_known", tuple(self.future_known))
        object.__setattr__(self, "intervals", tuple(float(c) for c in self.intervals))
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {list(LEVELS)}, got {self.level!r}.")
        if self.freq not in FREQS:
            raise ValueError(f"freq must be one of {list(FREQS)}, got {self.freq!r}.")
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
        unknown = [m for m in self.models if m not in MODEL_NAMES]
        if unknown or not self.models:
            raise ValueError(
                f"unknown model(s) {unknown or '(none given)'}; choose from {list(MODEL_NAMES)}."
            )
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {list(OBJECTIVES)}, got {self.objective!r}.")
        if any(not 0 < c < 1 for c in self.intervals):
            raise ValueError(f"interval coverages must be between 0 and 1 (e.g. 0.8), got {self.intervals}.")

    @property
    def backtest_step(self) -> int:
        return self.step or self.horizon

    @property
    def season(self) -> int:
        return SEASON[self.freq]

    @property
    def train_periods(self) -> int:
        """Minimum history before the first backtest cutoff (default: one horizon, at least 2 periods)."""
        return self.min_train if self.min_train is not None else max(self.horizon, 2)

    @property
    def min_periods(self) -> int:
        """Shortest series (first sale to end) that can be backtested and forecast."""
        return self.train_periods + (self.windows - 1) * self.backtest_step + self.horizon

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForecastSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
