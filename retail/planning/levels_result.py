"""What a run of forecasts that add up produced, as plain frames a workspace can store and reopen."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, LEVELS, SERIES_ID
from retail.data.workspace import RunInfo, Workspace
from retail.forecast.settings import ForecastSettings
from retail.planning.registry import RECONCILERS

RUN_KIND = "reconciled"
BASE = "base"  # the method name of the forecasts made level by level, before reconciliation
FORECAST_COLUMNS = ["level", SERIES_ID, "name", DATE, "step", "forecast", "base", "lo_80", "hi_80", "lo_95", "hi_95"]


@dataclass
class ReconciledResult:
    """Every level's forecast, reconciled, and how the method was chosen.

    ``forecasts``: level, series_id, name, date, step, forecast (reconciled, to the cent), base (the
    level's own forecast), the 80% / 95% bounds. ``accuracy``: per level and method (``base``
    included) the backtest's WAPE, bias and RMSE and ``vs_base`` (relative WAPE change).
    ``coverage``: per level, the share of backtest actuals inside the ranges, reconciled and base.
    ``models``: each level's best model. ``parents``: each bottom series' parent at every level.
    """

    settings: ForecastSettings
    method: str
    levels: tuple[str, ...]
    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    coverage: pd.DataFrame
    models: pd.DataFrame
    parents: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # level, series_id, date, y
    summary: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def bottom_level(self) -> str:
        return self.levels[-1]

    def level_forecast(self, level: str) -> pd.DataFrame:
        """The forecasts of one level, biggest series first."""
        if level not in self.levels:
            raise ValueError(f"this run has the levels {list(self.levels)}; got {level!r}.")
        rows = self.forecasts[self.forecasts["level"] == level]
        size = rows.groupby(SERIES_ID)["forecast"].transform("sum")
        return rows.assign(_size=size).sort_values(["_size", SERIES_ID, DATE], ascending=[False, True, True],
                                                   kind="stable").drop(columns=["_size"]).reset_index(drop=True)

    def adds_up(self) -> str:
        """Checks, in whole cents, that every level's forecast is the sum of the bottom series below it in
        every period; one sentence saying so (a ``ValueError`` naming the first level that does not)."""
        bottom = self.forecasts[self.forecasts["level"] == self.bottom_level]
        cents = bottom.assign(c=np.rint(bottom["forecast"].to_numpy() * 100).astype(np.int64))
        for level in self.levels[:-1]:
            parent = cents[SERIES_ID].map(self.parents.set_index(self.bottom_level)[level])
            sums = cents.groupby([parent.rename(SERIES_ID), DATE])["c"].sum()
            rows = self.forecasts[self.forecasts["level"] == level].set_index([SERIES_ID, DATE])["forecast"]
            shown = np.rint(rows.to_numpy() * 100).astype(np.int64)
            if not np.array_equal(sums.reindex(rows.index).fillna(0).to_numpy(dtype=np.int64), shown):
                raise ValueError(f"the {LEVELS[level].label} forecasts do not add up to their parts.")
        periods = self.forecasts[DATE].nunique()
        return (f"Every level adds up to the cent: {len(self.levels) - 1} levels x {periods} periods checked against "
                f"the sum of the {len(bottom) // max(periods, 1):,} {LEVELS[self.bottom_level].label} series below.")

    def gain(self, level: str) -> float:
        """The chosen method's backtest WAPE at ``level`` relative to the base forecasts' (-0.05: 5% lower)."""
        row = self.accuracy[(self.accuracy["level"] == level) & (self.accuracy["method"] == self.method)]
        return float(row["vs_base"].iat[0]) if len(row) else float("nan")

    def headline(self) -> str:
        """One sentence: the method, and what it did to the error at the bottom and at the total."""
        def words(level: str) -> str:
            change = self.gain(level)
            if math.isnan(change):
                return f"unmeasured at {LEVELS[level].label}"
            if abs(change) < 0.0005:
                return f"as accurate as the separate forecasts at {LEVELS[level].label}"
            return f"{abs(change):.1%} {'better' if change < 0 else 'worse'} at {LEVELS[level].label}"

        label = RECONCILERS.label(self.method)
        return (f"Every level adds up by {label}, chosen on the backtest: against each level forecast on its own, "
                f"it was {words(self.bottom_level)} (the finest level) and {words('total')}.")

    def to_frames(self) -> dict[str, pd.DataFrame]:
        meta = {"settings": self.settings.to_json(), "method": self.method, "levels": json.dumps(list(self.levels)),
                "summary": self.summary, "notes": json.dumps(self.notes)}
        return {"meta": pd.DataFrame({"key": list(meta), "value": list(meta.values())}), "forecasts": self.forecasts,
                "accuracy": self.accuracy, "coverage": self.coverage, "models": self.models, "parents": self.parents,
                "history": self.history}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> ReconciledResult:
        meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"], strict=True))
        forecasts = frames["forecasts"].assign(**{DATE: lambda f: pd.to_datetime(f[DATE])})
        return cls(settings=ForecastSettings.from_dict(json.loads(meta["settings"])), method=meta["method"],
                   levels=tuple(json.loads(meta["levels"])), forecasts=forecasts, accuracy=frames["accuracy"],
                   coverage=frames["coverage"], models=frames["models"], parents=frames["parents"],
                   history=frames.get("history", pd.DataFrame()), summary=meta.get("summary", ""),
                   notes=json.loads(meta.get("notes", "[]")))

    def summary_dict(self) -> dict[str, Any]:
        """The headline numbers (the command line's JSON, the stored run's summary)."""
        def accuracy(method: str) -> dict[str, float | None]:
            rows = self.accuracy[self.accuracy["method"] == method].set_index("level")
            return {level: _number(rows["wape"].get(level, np.nan)) for level in self.levels}

        coverage = self.coverage[self.coverage["forecast"] == "reconciled"].set_index("level")
        return {"method": self.method, "levels": list(self.levels), "headline": self.headline(),
                "series": {level: int((self.forecasts["level"] == level).sum() // max(self.settings.horizon, 1))
                           for level in self.levels},
                "wape_base": accuracy(BASE), "wape_reconciled": accuracy(self.method),
                "coverage_80": {lv: _number(coverage["coverage_80"].get(lv, np.nan)) for lv in self.levels},
                "coverage_95": {lv: _number(coverage["coverage_95"].get(lv, np.nan)) for lv in self.levels},
                "models": dict(zip(self.models["level"], self.models["model"], strict=True)), "notes": self.notes}


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def save_run(workspace: Workspace, dataset: str, result: ReconciledResult) -> RunInfo:
    """Store a run (all tables or none)."""
    info = result.summary_dict()
    summary = {"method": info["method"], "levels": info["levels"], "headline": info["headline"]}
    return workspace.save_run(RUN_KIND, dataset, result.settings.to_dict(), summary, result.to_frames())


def load_run(workspace: Workspace, run_id: int) -> ReconciledResult:
    """Reopen a stored run."""
    info = workspace.get_run(run_id)
    if info.kind != RUN_KIND:
        raise ValueError(f"run {run_id} is a {info.kind} run, not forecasts that add up.")
    return ReconciledResult.from_frames({name: workspace.load_run_table(run_id, name) for name in info.tables})
