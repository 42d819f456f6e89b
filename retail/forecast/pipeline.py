"""The whole forecast run: canonical frame + settings -> :class:`ForecastResult`.

``run_forecast`` aggregates the frame, backtests every model, scores them, fits them on
all the history, forecasts ``horizon`` periods with conformal intervals and collects the
feature importance. ``progress(fraction, message)`` is called throughout (for a progress
bar). The result is a :class:`~retail.forecast.result.ForecastResult`.
"""

from __future__ import annotations

import logging
import time

import pandas as pd
from sklearn.base import clone

from retail import frequency
from retail.analytics.aggregate import ABSENT, DATE, SERIES_ID, PanelReport, Y, build_panel, exogenous_candidates
from retail.forecast.backtest import backtest, series_scales, split_blends
from retail.forecast.calendar import future_values
from retail.forecast.combination import MEMBER_WEIGHT, Blend
from retail.forecast.intervals import apply_intervals, empirical_coverage, residual_quantiles
from retail.forecast.metrics import MODEL, STEP, best_model, leaderboard, per_series, pooled
from retail.forecast.models import ForecastModel, build_models
from retail.forecast.registry import BASELINE, FORECASTERS
from retail.forecast.result import ForecastResult
from retail.forecast.settings import ForecastSettings
from retail.progress import Progress, quiet, scaled
from retail.threads import one_blas_thread

logger = logging.getLogger(__name__)

def _importance(fitted: dict[str, ForecastModel], blend_weights: dict[str, pd.Series]) -> pd.DataFrame:
    """What drives each model: LightGBM's and ridge's features, a blend's weights (feature ``model:<name>``)."""
    parts = []
    for name, model in fitted.items():
        if hasattr(model, "feature_importance_"):
            imp = model.feature_importance_
            parts.append(pd.DataFrame({MODEL: name, "feature": imp.index, "importance": imp.to_numpy()}))
    for name, weights in blend_weights.items():
        weights = weights[weights > 0]  # a member the blend gave nothing does not drive it
        parts.append(pd.DataFrame({MODEL: name, "feature": [f"{MEMBER_WEIGHT}{member}" for member in weights.index],
                                   "importance": weights.to_numpy()}))
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
    models: dict[str, ForecastModel | Blend],
    settings: ForecastSettings,
    future: pd.DataFrame | None,
    progress: Progress,
    backtest_frame: pd.DataFrame,
) -> tuple[pd.DataFrame, dict, dict[str, float], dict[str, pd.Series]]:
    """Every model fitted on all history and its forecast (a blend weighted by all backtest windows);
    also the fitted models, the seconds each took and each blend's weights."""
    models, blends = split_blends(models)
    parts, fitted, seconds = {}, {}, {}
    for k, (name, model) in enumerate(models.items()):
        progress(k / len(models), f"fitting {FORECASTERS.label(name)} on all history")
        started = time.perf_counter()
        fitted[name] = clone(model).fit(panel)
        parts[name] = fitted[name].predict(settings.horizon, future=future).assign(**{MODEL: name})
        seconds[name] = time.perf_counter() - started
    weights = {name: blend.weights(backtest_frame, members) for name, (blend, members) in blends.items()}
    for name, (blend, members) in blends.items():
        parts[name] = blend.combine(parts, weights[name], [SERIES_ID, DATE]).assign(**{MODEL: name})
        seconds[name] = sum(seconds[member] for member in members)
    forecasts = pd.concat(parts.values(), ignore_index=True)
    dates = pd.DatetimeIndex(sorted(forecasts[DATE].unique()))
    forecasts[STEP] = dates.get_indexer(pd.DatetimeIndex(forecasts[DATE])) + 1
    forecasts = forecasts.merge(
        series_scales(panel, settings.freq, settings.horizon)[[SERIES_ID, "level", "peak"]], on=SERIES_ID, how="left"
    )
    return forecasts, fitted, seconds, weights


def with_final_fit(board: pd.DataFrame, final_seconds: dict[str, float]) -> pd.DataFrame:
    """The leaderboard's ``seconds`` become what each model cost the run: its backtest fits
    (``backtest_seconds``) plus its fit and forecast on all history (``final_fit_seconds``)."""
    board = board.rename(columns={"seconds": "backtest_seconds"})
    final = board[MODEL].map(final_seconds).astype(float)
    position = board.columns.get_loc("backtest_seconds")
    board.insert(position, "seconds", board["backtest_seconds"] + final)
    board.insert(position + 2, "final_fit_seconds", final)
    return board


def _panel(frame: pd.DataFrame, settings: ForecastSettings) -> tuple[pd.DataFrame, PanelReport]:
    _check_known(frame, settings)
    panel, report = build_panel(frame, settings.level, settings.freq, settings.target, settings.top_n,
                                min_periods=settings.min_periods, absence_periods=settings.absence_periods)
    if panel.empty:
        raise ValueError(
            f"no series has the {settings.min_periods} periods needed for {settings.windows} "
            f"backtest windows of {settings.horizon}; use fewer windows or a shorter horizon."
        )
    return panel, report


def _scored_backtest(panel: pd.DataFrame, models: dict[str, ForecastModel], settings: ForecastSettings,
                     progress: Progress) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Backtest forecasts with their intervals, the leaderboard, and the residual quantiles."""
    bt = backtest(panel, models, settings.horizon, settings.windows, settings.step, min_train=settings.train_periods,
                  absence_periods=settings.absence_periods, progress=progress)
    quantiles = residual_quantiles(bt.forecasts, settings.intervals)
    board = leaderboard(pooled(bt.forecasts, bt.seconds), FORECASTERS.first_tagged(BASELINE)).merge(
        empirical_coverage(bt.forecasts, settings.intervals), on=MODEL, how="left")
    return apply_intervals(bt.forecasts, quantiles, settings.intervals), board, quantiles


def calendar_future(calendar: pd.DataFrame, panel: pd.DataFrame, report: PanelReport,
                    settings: ForecastSettings) -> pd.DataFrame:
    """The calendar's values of the known columns for each series and period ahead."""
    step = frequency.get(settings.freq).offset
    last = pd.Timestamp(panel[DATE].max())
    dates = pd.DatetimeIndex([last + step * k for k in range(1, settings.horizon + 1)])
    return future_values(calendar, settings.future_known, report.series_info, dates, settings.freq)


SUSPICIOUS_WAPE = 0.01


def sanity_warnings(panel: pd.DataFrame, board: pd.DataFrame) -> list[str]:
    """Plain warnings for results that are too good to be true (the target does not vary)."""
    observed = panel if ABSENT not in panel.columns else panel[~panel[ABSENT].astype(bool)]
    if len(observed) and (observed.groupby(SERIES_ID)[Y].nunique() <= 1).all():
        return ["Every series has the same value in every period, so any forecast looks perfect. Check the target: "
                "a file of store or product totals should be forecast in sales value, not in rows counted as units."]
    if board["wape"].notna().any() and (board["wape"].dropna() < SUSPICIOUS_WAPE).all():
        return [f"Every model is off by less than {SUSPICIOUS_WAPE:.0%} of demand: that is too good to be true for "
                "retail sales. Check that the target varies (for example, that rows are not counted as units)."]
    return []


def run_forecast(
    frame: pd.DataFrame,
    settings: ForecastSettings,
    progress: Progress | None = None,
    future: pd.DataFrame | None = None,
    models: dict[str, ForecastModel] | None = None,
    calendar: pd.DataFrame | None = None,
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
    calendar : a promotion calendar for the periods ahead (start, end, optional store_id, one column
        per ``future_known`` column; :mod:`retail.forecast.calendar`), instead of ``future``.
    """
    progress = progress or quiet
    progress(0.0, "aggregating the data")
    panel, report = _panel(frame, settings)
    warnings = [report.summary()]
    if settings.future_known and calendar is not None:
        future = calendar_future(calendar, panel, report, settings)
    if settings.future_known and future is None:
        warnings.append(f"No calendar given for {', '.join(settings.future_known)} in the periods ahead: their last "
                        "values are carried forward.")
    # Per-series models report their own progress; it only refreshes the bar's message.
    reached = {"fraction": 0.05}
    models = models if models is not None else build_models(
        settings, progress=lambda _f, message: progress(reached["fraction"], message))

    def overall(fraction: float, message: str) -> None:
        reached["fraction"] = fraction
        progress(fraction, message)

    with one_blas_thread():
        backtest_frame, board, quantiles = _scored_backtest(panel, models, settings, scaled(overall, 0.05, 0.8))
        warnings += sanity_warnings(panel, board)
        forecasts, fitted, final_seconds, weights = _final_forecasts(panel, models, settings, future,
                                                                     scaled(overall, 0.8, 0.98), backtest_frame)
    board = with_final_fit(board, final_seconds)
    series_metrics = per_series(backtest_frame).merge(report.series_info[[SERIES_ID, "name"]], on=SERIES_ID,
                                                      how="left")
    progress(1.0, "done")
    return ForecastResult(
        settings=settings, history=panel, backtest=backtest_frame, metrics=board, series_metrics=series_metrics,
        forecasts=apply_intervals(forecasts, quantiles, settings.intervals).drop(columns=["level", "peak"]),
        importance=_importance(fitted, weights), series_info=report.series_info, best=best_model(board),
        summary=report.summary(), warnings=warnings,
    )
