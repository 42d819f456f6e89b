"""The whole forecast run: canonical frame + settings -> :class:`ForecastResult`.

``run_forecast`` aggregates the frame, backtests every model, scores them, fits them on
all the history, forecasts ``horizon`` periods with conformal intervals and collects the
feature importance. ``progress(fraction, message)`` is called throughout (for a progress
bar). A result converts to a dict of plain frames (``to_frames``) and back
(``ForecastResult.from_frames``) so a workspace can store runs as DuckDB tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID, build_panel, exogenous_candidates
from retail.forecast.backtest import _scales, backtest
from retail.forecast.intervals import apply_intervals, empirical_coverage, residual_quantiles
from retail.forecast.metrics import MODEL, STEP, best_model, leaderboard, per_series, pooled
from retail.forecast.models import ForecastModel, make_models
from retail.forecast.settings import ForecastSettings

logger = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    logger.debug("%3.0f%% %s", fraction * 100, message)


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
                "key": ["settings", "best", "summary", "warnings"],
                "value": [self.settings.to_json(), self.best, self.summary, json.dumps(self.warnings)],
            }
        )
        return {
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
            metrics=frames["metrics"],
            series_metrics=frames.get("series_metrics", empty),
            importance=frames.get("importance", empty),
            series_info=frames.get("series_info", empty),
            best=meta["best"],
            summary=meta.get("summary", ""),
            warnings=json.loads(meta.get("warnings", "[]")),
        )


def _importance(fitted: dict[str, ForecastModel]) -> pd.DataFrame:
    parts = []
    for name, model in fitted.items():
        if hasattr(model, "feature_importance_"):
            imp = model.feature_importance_
            parts.append(pd.DataFrame({MODEL: name, "feature": imp.index, "importance": imp.to_numpy()}))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[MODEL, "feature", "importance"])
    )


def _check_known(frame: pd.DataFrame, settings: ForecastSettings) -> None:
    candidates = exogenous_candidates(frame)
    unknown = [c for c in settings.future_known if c not in candidates]
    if unknown:
        raise ValueError(
            f"future_known column(s) {unknown} are not numeric extra columns of the dataset; "
            f"candidates are {candidates or 'none'}."
        )


def _final_forecasts(
    panel: pd.DataFrame,
    models: dict[str, ForecastModel],
    settings: ForecastSettings,
    future: pd.DataFrame | None,
    progress: Progress,
) -> tuple[pd.DataFrame, dict]:
    from sklearn.base import clone

    freq, parts, fitted = settings.freq, [], {}
    for k, (name, model) in enumerate(models.items()):
        progress(0.8 + 0.18 * k / len(models), f"fitting {name} on all history")
        fitted[name] = clone(model).fit(panel)
        out = fitted[name].predict(settings.horizon, future=future)
        out[MODEL] = name
        parts.append(out)
    forecasts = pd.concat(parts, ignore_index=True)
    dates = pd.DatetimeIndex(sorted(forecasts[DATE].unique()))
    forecasts[STEP] = dates.get_indexer(pd.DatetimeIndex(forecasts[DATE])) + 1
    forecasts = forecasts.merge(
        _scales(panel, freq, settings.horizon)[[SERIES_ID, "level"]], on=SERIES_ID, how="left"
    )
    return forecasts, fitted


def run_forecast(
    frame: pd.DataFrame,
    settings: ForecastSettings,
    progress: Progress | None = None,
    future: pd.DataFrame | None = None,
    models: dict[str, ForecastModel] | None = None,
) -> ForecastResult:
    """Run a full forecast on a canonical frame.

    Parameters
    ----------
    frame : canonical transactions (:mod:`retail.data.schema`).
    settings : :class:`ForecastSettings`.
    progress : ``progress(fraction, message)``, fraction in [0, 1].
    future : future values of ``settings.future_known`` columns (series_id, date, column...);
        without it their last value is carried forward (and a warning recorded).
    models : override the models built from ``settings.models`` (mapping name -> model).
    """
    progress = progress or _quiet
    _check_known(frame, settings)
    progress(0.0, "aggregating the data")
    panel, report = build_panel(
        frame,
        settings.level,
        settings.freq,
        settings.target,
        settings.top_n,
        min_periods=settings.min_periods,
        absence_periods=settings.absence_periods,
    )
    if panel.empty:
        raise ValueError(
            f"no series has the {settings.min_periods} periods needed for {settings.windows} "
            f"backtest windows of {settings.horizon}; use fewer windows or a shorter horizon."
        )
    warnings = [report.summary()]
    if settings.future_known and future is None:
        warnings.append(
            f"no future values given for {list(settings.future_known)}: last values carried forward"
        )
    reached = [0.0]  # the overall fraction so far; per-series models only refresh the message

    def overall(fraction: float, message: str) -> None:
        reached[0] = fraction
        progress(fraction, message)

    def within_model(_fraction: float, message: str) -> None:
        progress(reached[0], message)

    models = models if models is not None else make_models(settings, progress=within_model)
    bt = backtest(
        panel,
        models,
        settings.horizon,
        settings.windows,
        settings.step,
        min_train=settings.train_periods,
        absence_periods=settings.absence_periods,
        progress=lambda f, m: overall(0.05 + 0.75 * f, m),
    )
    quantiles = residual_quantiles(bt.forecasts, settings.intervals)
    backtest_frame = apply_intervals(bt.forecasts, quantiles, settings.intervals)
    board = leaderboard(pooled(bt.forecasts, bt.seconds)).merge(
        empirical_coverage(bt.forecasts, settings.intervals), on=MODEL, how="left"
    )
    forecasts, fitted = _final_forecasts(panel, models, settings, future, overall)
    forecasts = apply_intervals(forecasts, quantiles, settings.intervals)
    names = report.series_info[[SERIES_ID, "name"]]
    series_metrics = per_series(bt.forecasts).merge(names, on=SERIES_ID, how="left")
    progress(1.0, "done")
    return ForecastResult(
        settings=settings,
        history=panel,
        forecasts=forecasts.drop(columns=["level"]),
        backtest=backtest_frame,
        metrics=board,
        series_metrics=series_metrics,
        importance=_importance(fitted),
        series_info=report.series_info,
        best=best_model(board),
        summary=report.summary(),
        warnings=warnings,
    )
