"""What a forecast run produced, in plain frames that a workspace can store and reopen.

:class:`ForecastResult` converts to a dict of frames (:meth:`~ForecastResult.to_frames`) and
back; :meth:`~ForecastResult.summary_dict` is the run's headline numbers (the command line's
JSON, the stored run's summary). :func:`save_run` / :func:`load_run` keep runs in the workspace.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data.workspace import RunInfo, Workspace
from retail.forecast.metrics import METRICS, MODEL, VS_BASELINE
from retail.forecast.settings import ForecastSettings

RUN_KIND = "forecast"
STATISTICAL = "statistical"  # the model's own forecast, beside a planner-adjusted ``yhat``
# seconds = backtest_seconds + final_fit_seconds: what each model cost the run
SECONDS = ("seconds", "backtest_seconds", "final_fit_seconds")

@dataclass
class ForecastResult:
    """Everything a forecast run produced (all frames are long and plain, easy to store)."""

    settings: ForecastSettings
    history: pd.DataFrame  # series_id, date, y, absent, exogenous
    forecasts: pd.DataFrame  # model, series_id, date, step, yhat, lo_80, hi_80, lo_95, hi_95
    backtest: pd.DataFrame  # model, window, cutoff, series_id, date, step, y, yhat, bounds
    metrics: pd.DataFrame  # leaderboard: rank, model, wape, mase, rmse, bias, seconds, coverage_*
    series_metrics: pd.DataFrame  # model, series_id, name, wape, mase, rmse, bias, actual, n
    importance: pd.DataFrame  # model, feature, importance
    series_info: pd.DataFrame  # series_id, name (+ product_id, store_id, ...)
    best: str
    summary: str = ""
    warnings: list[str] = field(default_factory=list)
    # Planner adjustments (a version > 1 of a run, made by retail.planning): the forecasts' ``yhat`` is then
    # the adjusted forecast and ``statistical`` the model's own; ``adjustments`` logs who changed what, when, why.
    adjustments: pd.DataFrame = field(default_factory=pd.DataFrame)
    version: int = 1
    based_on: int | None = None

    @property
    def is_adjusted(self) -> bool:
        """Whether planners changed this run's forecast (the statistical one is then kept beside it)."""
        return STATISTICAL in self.forecasts.columns and not self.adjustments.empty

    def planner_note(self) -> str:
        """One sentence for every place the forecast is shown or exported: adjusted or not, by whom."""
        if not self.is_adjusted:
            return "Statistical forecast: no planner has adjusted it."
        log = self.adjustments
        people = ", ".join(dict.fromkeys(log["by"].astype(str)))
        last = pd.Timestamp(log["at"].max())
        return (f"Adjusted forecast (version {self.version} of run {self.based_on}): {len(log)} planner "
                f"change{'s' * (len(log) != 1)} by {people}, the last on {last:%d %b %Y %H:%M} UTC. "
                "The statistical forecast is shown beside it.")

    def series_view(self, series_id: str, model: str | None = None) -> dict[str, pd.DataFrame]:
        """History, backtest and future forecast (with bounds) of one series for a chart."""
        model = model or self.best

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[(frame[SERIES_ID] == series_id) & (frame[MODEL] == model)].sort_values(DATE)

        return {
            "history": self.history[self.history[SERIES_ID] == series_id].sort_values(DATE),
            "backtest": pick(self.backtest),
            "forecast": pick(self.forecasts),
        }

    def find_series(self, text: str, limit: int = 50) -> pd.DataFrame:
        """Series whose id or name contains ``text`` (case-insensitive)."""
        info = self.series_info
        hay = info[SERIES_ID].astype(str) + " " + info["name"].astype(str)
        return info[hay.str.contains(text, case=False, regex=False)].head(limit)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Plain frames (one per table) for storage; ``meta`` holds settings and scalars as JSON."""
        meta = pd.DataFrame(
            {
                "key": ["settings", "best", "summary", "warnings", "version", "based_on"],
                "value": [self.settings.to_json(), self.best, self.summary, json.dumps(self.warnings),
                          str(self.version), str(self.based_on or "")],
            }
        )
        adjusted = {"adjustments": self.adjustments} if not self.adjustments.empty else {}
        return adjusted | {
            "meta": meta,
            "history": self.history,
            "forecasts": self.forecasts,
            "backtest": self.backtest,
            "metrics": self.metrics,
            "series_metrics": self.series_metrics,
            "importance": self.importance,
            "series_info": self.series_info,
        }

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> ForecastResult:
        """Rebuild a result from :meth:`to_frames` output."""
        missing = [k for k in ("meta", "forecasts", "metrics") if k not in frames]
        if missing:
            raise ValueError(f"a stored forecast run needs tables {missing}; was it saved with to_frames()?")
        meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"], strict=True))
        empty = pd.DataFrame()
        return cls(
            settings=ForecastSettings.from_dict(json.loads(meta["settings"])),
            history=frames.get("history", empty),
            forecasts=frames["forecasts"],
            backtest=frames.get("backtest", empty),
            metrics=frames["metrics"].rename(columns={"wape_vs_snaive": VS_BASELINE}),  # runs saved before 2026-12
            series_metrics=frames.get("series_metrics", empty),
            importance=frames.get("importance", empty),
            series_info=frames.get("series_info", empty),
            best=meta["best"],
            summary=meta.get("summary", ""),
            warnings=json.loads(meta.get("warnings", "[]")),
            adjustments=frames.get("adjustments", empty),
            version=int(meta.get("version") or 1),
            based_on=int(meta["based_on"]) if meta.get("based_on") else None,
        )


    def best_row(self) -> pd.Series:
        """The leaderboard row of the best model."""
        return self.metrics.loc[self.metrics[MODEL] == self.best].iloc[0]

    def summary_dict(self) -> dict[str, Any]:
        """The run's headline: settings, series count, each model's pooled metrics and the best."""
        models = {}
        for row in self.metrics.to_dict("records"):
            keys = [k for k in row if k in (*METRICS, *SECONDS) or k.startswith("coverage_")]
            models[row[MODEL]] = {k: _number(row[k]) for k in keys} | {"rank": int(row["rank"])}
        s = self.settings
        return {
            "series": int(self.history[SERIES_ID].nunique()), "horizon": s.horizon, "windows": s.windows,
            "level": s.level, "freq": s.freq, "target": s.target, "models": models, "best": self.best,
            "wape": _number(self.best_row()["wape"]), "summary": self.summary, "warnings": self.warnings,
        }


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def save_run(workspace: Workspace, dataset: str, result: ForecastResult) -> RunInfo:
    """Store a run (its settings, headline and every table) in the workspace, all or nothing."""
    summary = {k: v for k, v in result.summary_dict().items() if k in ("best", "series", "wape")}
    return workspace.save_run(RUN_KIND, dataset, result.settings.to_dict(), summary, result.to_frames())


def load_run(workspace: Workspace, run_id: int) -> ForecastResult:
    """Reopen a stored run."""
    info = workspace.get_run(run_id)
    return ForecastResult.from_frames({name: workspace.load_run_table(run_id, name) for name in info.tables})
