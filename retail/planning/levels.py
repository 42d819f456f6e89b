"""Forecasts that add up, the whole run: every level forecast, reconciled, the method chosen on the backtest.

``run_reconciled(frame, settings)``:

1. builds the hierarchy (:func:`retail.planning.hierarchy.build_hierarchy`);
2. forecasts each level on its own: the models of ``settings`` are backtested on the level's
   panel (rolling origin, :func:`retail.forecast.backtest.backtest`) and the best one per level
   gives that level's *base* forecasts, in the backtest windows and for the future;
3. reconciles the base forecasts of every backtest window with each method of
   :data:`~retail.planning.registry.RECONCILERS`, fitted only on what that window may know
   (top-down: the sales before its cut-off; MinT: the errors of the *other* windows), and
   scores every level before and after;
4. chooses the method: among those that meet the bar in the backtest (never more than
   ``tolerance``, 1%, worse than the base forecasts at the bottom level, and better at the total),
   the one with the lowest error relative to the base forecasts, averaged over the levels;
5. reconciles the future with it (rounded to the cent and added up, so every level adds up
   exactly), with 80% / 95% ranges from the reconciled backtest's own misses per level and
   horizon step (conformal, as for a single level) and their coverage measured leaving each
   window out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from retail.analytics.aggregate import DATE, SERIES_ID, Y, exogenous_candidates
from retail.forecast.backtest import CUTOFF, backtest, series_scales
from retail.forecast.combination import Blend
from retail.forecast.intervals import apply_intervals, empirical_coverage, residual_quantiles
from retail.forecast.metrics import MODEL, STEP, WINDOW, YHAT, best_model, bias, leaderboard, pooled, wape
from retail.forecast.models import build_models
from retail.forecast.registry import FORECASTERS
from retail.forecast.settings import ForecastSettings
from retail.planning.hierarchy import Hierarchy, build_hierarchy
from retail.planning.levels_result import BASE, ReconciledResult
from retail.planning.reconcile import Reconciler, to_cents
from retail.planning.registry import RECONCILERS
from retail.progress import Progress, quiet, scaled
from retail.threads import one_blas_thread

logger = logging.getLogger(__name__)

TOLERANCE = 0.01  # the chosen method may be at most 1% worse than the base forecasts at the bottom level
MINT_MAX_SERIES = 4000  # the error covariance of more series than this does not fit a small machine's memory


@dataclass
class BaseForecasts:
    """One level's forecasts made on their own: the best model's backtest and future forecasts."""

    level: str
    best: str
    board: pd.DataFrame
    backtest: pd.DataFrame  # window, cutoff, series_id, date, step, y, yhat, level (the series' recent mean)
    future: pd.DataFrame  # series_id, date, step, yhat


def forecast_level(panel: pd.DataFrame, level: str, settings: ForecastSettings, progress: Progress) -> BaseForecasts:
    """Backtest the run's models on one level's panel; the best one forecasts the future."""
    models = build_models(settings)
    result = backtest(panel, models, settings.horizon, settings.windows, settings.step, min_train=settings.train_periods,
                      absence_periods=settings.absence_periods, progress=scaled(progress, 0.0, 0.85))
    board = leaderboard(pooled(result.forecasts, result.seconds))
    best = best_model(board)
    progress(0.9, f"{level}: fitting {FORECASTERS.label(best)} on all history")
    future = _future(panel, models, best, settings.horizon, result.forecasts)
    dates = pd.DatetimeIndex(np.sort(future[DATE].unique()))
    future[STEP] = dates.get_indexer(pd.DatetimeIndex(future[DATE])) + 1
    return BaseForecasts(level, best, board, result.forecasts[result.forecasts[MODEL] == best].drop(columns=[MODEL]),
                         future)


def _future(panel: pd.DataFrame, models: Mapping[str, Any], best: str, horizon: int,
            backtest_frame: pd.DataFrame) -> pd.DataFrame:
    """``best`` fitted on all history and its forecast; a blend's members each, weighted as its backtest says
    (as the Forecast page does)."""
    model = models[best]
    if not isinstance(model, Blend):
        return clone(model).fit(panel).predict(horizon)
    members = model.members_in(list(models))
    parts = {name: clone(models[name]).fit(panel).predict(horizon) for name in members}
    return model.combine(parts, model.weights(backtest_frame, members), [SERIES_ID, DATE])


@dataclass
class Windows:
    """The backtest windows as matrices over every series of the hierarchy (series x horizon each)."""

    cutoffs: list[pd.Timestamp]
    positions: list[np.ndarray]  # period positions of each window's forecast dates
    base: list[np.ndarray]
    actual: list[np.ndarray]

    def residuals(self, leave_out: int | None = None) -> np.ndarray:
        """Errors (actual - base) of every window but ``leave_out``, side by side (series x samples)."""
        kept = [k for k in range(len(self.base)) if k != leave_out] or list(range(len(self.base)))
        return np.hstack([self.actual[k] - self.base[k] for k in kept])


def backtest_windows(hierarchy: Hierarchy, bases: dict[str, BaseForecasts], horizon: int) -> Windows:
    """Base forecasts and actuals of every series in every window; a series that sat a window out
    (too little history before its cut-off) is forecast at zero there."""
    position = hierarchy.position()
    frames = pd.concat([b.backtest.assign(level=name) for name, b in bases.items()], ignore_index=True)
    rows = position.reindex(pd.MultiIndex.from_arrays([frames["level"], frames[SERIES_ID]])).to_numpy()
    cutoffs = sorted(frames[CUTOFF].unique())
    windows = Windows([pd.Timestamp(c) for c in cutoffs], [], [], [])
    for cutoff in windows.cutoffs:
        start = hierarchy.dates.get_loc(cutoff) + 1
        positions = np.arange(start, start + horizon)
        base = np.zeros((len(hierarchy.nodes), horizon))
        here = (frames[CUTOFF] == cutoff).to_numpy()
        steps = frames.loc[here, STEP].to_numpy(dtype=int) - 1
        base[rows[here].astype(int), steps] = frames.loc[here, YHAT].to_numpy()
        windows.positions.append(positions)
        windows.base.append(base)
        windows.actual.append(hierarchy.history[:, positions])
    return windows


def _reconciler(name: str, params: Mapping[str, Any] | None = None) -> Reconciler:
    return RECONCILERS.get(name).build(**(params or {}))


def reconciled_windows(hierarchy: Hierarchy, windows: Windows, method: str,
                       params: Mapping[str, Any] | None = None) -> list[np.ndarray]:
    """Each window's base forecasts reconciled by ``method``, fitted on what that window may know."""
    out = []
    for k, positions in enumerate(windows.positions):
        history = hierarchy.history[:, : positions[0]]
        model = _reconciler(method, params).fit(hierarchy.summing, history, windows.residuals(leave_out=k))
        out.append(model.reconcile(windows.base[k]))
    return out


def level_accuracy(hierarchy: Hierarchy, actual: list[np.ndarray], forecasts: list[np.ndarray],
                   method: str) -> pd.DataFrame:
    """Backtest WAPE, bias and RMSE per level of forecasts (series x horizon per window)."""
    y, yhat = np.hstack(actual), np.hstack(forecasts)
    rows = []
    for level in hierarchy.levels:
        r = hierarchy.rows(level)
        rows.append({"level": level, "method": method, "wape": wape(y[r], yhat[r]), "bias": bias(y[r], yhat[r]),
                     "rmse": float(np.sqrt(np.mean((y[r] - yhat[r]) ** 2)))})
    return pd.DataFrame(rows)


def choose_method(accuracy: pd.DataFrame, bottom: str, tolerance: float = TOLERANCE) -> str:
    """The method with the lowest backtest error relative to the base forecasts, averaged over the levels,
    among those that meet the bar: at most ``tolerance`` worse than the base forecasts at the bottom level
    and better at the total. Without one, the best average among those fine at the bottom (bottom-up,
    the bottom's own forecasts, always is)."""
    candidates = accuracy[accuracy["method"] != BASE]
    ratio = (candidates["vs_base"] + 1.0).to_numpy()
    by_method = pd.DataFrame({"method": candidates["method"].to_numpy(), "level": candidates["level"].to_numpy(),
                              "ratio": ratio})
    score = by_method.groupby("method", sort=False)["ratio"].mean()
    at = by_method.pivot(index="method", columns="level", values="ratio").reindex(score.index)
    fine_at_bottom = at[bottom].fillna(np.inf) <= 1.0 + tolerance
    better_total = at["total"].fillna(np.inf) < 1.0 if "total" in at else fine_at_bottom
    for eligible in (fine_at_bottom & better_total, fine_at_bottom):
        if eligible.any():
            return str(score[eligible].idxmin())
    return RECONCILERS.names[0]


def _scales(hierarchy: Hierarchy, end: int, freq: str, horizon: int) -> np.ndarray:
    """Each series' recent mean before period ``end`` (what its ranges are scaled by)."""
    out = np.zeros(len(hierarchy.nodes))
    cut = hierarchy.dates[end - 1]
    for level, panel in hierarchy.panels.items():
        scales = series_scales(panel[panel[DATE] <= cut], freq, horizon).set_index(SERIES_ID)["level"]
        rows = hierarchy.rows(level)
        out[rows] = scales.reindex(hierarchy.nodes[SERIES_ID].to_numpy()[rows]).fillna(0.0).to_numpy()
    return out


def _long_frame(hierarchy: Hierarchy, values: np.ndarray, scales: np.ndarray, actual: np.ndarray | None = None,
                window: int = 0) -> pd.DataFrame:
    """A (series x horizon) matrix as the interval code's long frame (``model`` = the hierarchy level)."""
    n, horizon = values.shape
    frame = pd.DataFrame({MODEL: np.repeat(hierarchy.nodes["level"].to_numpy(), horizon),
                          SERIES_ID: np.repeat(hierarchy.nodes[SERIES_ID].to_numpy(), horizon),
                          WINDOW: window, STEP: np.tile(np.arange(1, horizon + 1), n), YHAT: values.reshape(-1),
                          "level": np.repeat(scales, horizon)})
    if actual is not None:
        frame[Y] = actual.reshape(-1)
    return frame


def _ranged(hierarchy: Hierarchy, windows: Windows, forecasts: list[np.ndarray], settings: ForecastSettings
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backtest as one long frame and its residual quantiles per level and step."""
    frames = [_long_frame(hierarchy, forecasts[k], _scales(hierarchy, positions[0], settings.freq, settings.horizon),
                          windows.actual[k], k) for k, positions in enumerate(windows.positions)]
    frame = pd.concat(frames, ignore_index=True)
    return frame, residual_quantiles(frame, settings.intervals)


def _coverage(frame: pd.DataFrame, settings: ForecastSettings, name: str) -> pd.DataFrame:
    covered = empirical_coverage(frame, settings.intervals).rename(columns={MODEL: "level"})
    return covered.assign(forecast=name)


def future_base(hierarchy: Hierarchy, bases: dict[str, BaseForecasts], horizon: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Every series' base forecast of the future (series x horizon) and the forecast periods."""
    frames = pd.concat([b.future.assign(level=name) for name, b in bases.items()], ignore_index=True)
    rows = hierarchy.position().reindex(pd.MultiIndex.from_arrays([frames["level"], frames[SERIES_ID]])).to_numpy()
    base = np.zeros((len(hierarchy.nodes), horizon))
    base[rows.astype(int), frames[STEP].to_numpy(dtype=int) - 1] = frames[YHAT].to_numpy()
    return base, pd.DatetimeIndex(np.sort(frames[DATE].unique()))


def reconcile_future(hierarchy: Hierarchy, windows: Windows, base: np.ndarray, method: str,
                     params: Mapping[str, Any] | None = None) -> np.ndarray:
    """The future base forecasts of every series reconciled by ``method`` (fitted on all the history and
    every window's errors), negatives set to zero, to the cent."""
    fitted = _reconciler(method, params).fit(hierarchy.summing, hierarchy.history, windows.residuals())
    return to_cents(hierarchy.summing, np.maximum(fitted.bottom(base), 0.0))


def _methods(hierarchy: Hierarchy, methods: tuple[str, ...] | None) -> tuple[tuple[str, ...], list[str]]:
    chosen = RECONCILERS.check_names(tuple(methods or RECONCILERS.names))
    if "mint-shrink" in chosen and len(hierarchy.nodes) > MINT_MAX_SERIES and len(chosen) > 1:
        return tuple(m for m in chosen if m != "mint-shrink"), [
            f"{RECONCILERS.label('mint-shrink')} was left out: {len(hierarchy.nodes):,} series are more than its "
            f"{MINT_MAX_SERIES:,}; keep fewer products by name."]
    return chosen, []


def _forecast_frame(hierarchy: Hierarchy, coherent: np.ndarray, base: np.ndarray, dates: pd.DatetimeIndex,
                    quantiles: pd.DataFrame, settings: ForecastSettings) -> pd.DataFrame:
    """The future of every series: reconciled (to the cent), base, and ranges from the reconciled backtest."""
    frame = _long_frame(hierarchy, coherent, _scales(hierarchy, len(hierarchy.dates), settings.freq, settings.horizon))
    frame = apply_intervals(frame, quantiles, settings.intervals)
    bounds = [c for c in frame.columns if c.startswith(("lo_", "hi_"))]
    frame[bounds] = frame[bounds].round(2)
    frame["base"] = base.reshape(-1)
    frame[DATE] = np.tile(dates.to_numpy(), len(hierarchy.nodes))
    frame["name"] = np.repeat(hierarchy.nodes["name"].to_numpy(), settings.horizon)
    frame = frame.drop(columns=["level"]).rename(columns={MODEL: "level", YHAT: "forecast"})
    return frame[["level", SERIES_ID, "name", DATE, STEP, "forecast", "base", *bounds]]


def history_table(hierarchy: Hierarchy) -> pd.DataFrame:
    """Every series' sales per period (from its first sale on), for charts: level, series_id, date, y."""
    started = np.maximum.accumulate(hierarchy.history > 0, axis=1)
    series, periods = np.nonzero(started)
    return pd.DataFrame({"level": hierarchy.nodes["level"].to_numpy()[series],
                         SERIES_ID: hierarchy.nodes[SERIES_ID].to_numpy()[series],
                         DATE: hierarchy.dates[periods], Y: hierarchy.history[series, periods]})


def parents_table(hierarchy: Hierarchy) -> pd.DataFrame:
    """Each bottom series and, per level above it, the series it adds up into."""
    bottom = hierarchy.nodes[SERIES_ID].to_numpy()[hierarchy.summing.n_aggregates:]
    table = pd.DataFrame({hierarchy.bottom_level: bottom})
    for level in hierarchy.levels[:-1]:
        rows = hierarchy.rows(level)
        block = hierarchy.summing.matrix[rows].tocsc()
        table[level] = hierarchy.nodes[SERIES_ID].to_numpy()[rows][np.asarray(block.argmax(axis=0)).ravel()]
    return table


def base_forecasts(hierarchy: Hierarchy, settings: ForecastSettings, progress: Progress = quiet
                   ) -> dict[str, BaseForecasts]:
    """Every level forecast on its own (its best model in the backtest)."""
    share = 1.0 / len(hierarchy.levels)
    return {level: forecast_level(hierarchy.panels[level], level, settings,
                                  scaled(progress, k * share, (k + 1) * share))
            for k, level in enumerate(hierarchy.levels)}


def score_methods(hierarchy: Hierarchy, windows: Windows, methods: tuple[str, ...],
                  params: Mapping[str, Mapping[str, Any]] | None = None
                  ) -> tuple[dict[str, list[np.ndarray]], pd.DataFrame]:
    """Each method's reconciled backtest windows, and the accuracy table of every level (``base`` first)."""
    params = params or {}
    backtests = {BASE: windows.base} | {m: reconciled_windows(hierarchy, windows, m, params.get(m)) for m in methods}
    accuracy = pd.concat([level_accuracy(hierarchy, windows.actual, fc, m) for m, fc in backtests.items()],
                         ignore_index=True)
    base_wape = accuracy[accuracy["method"] == BASE].set_index("level")["wape"]
    accuracy["vs_base"] = accuracy["wape"] / accuracy["level"].map(base_wape) - 1.0
    return backtests, accuracy


@dataclass
class Levels:
    """Every level forecast on its own: the hierarchy, each level's base forecasts, the backtest windows as
    matrices and the future base forecasts (series x horizon) with their periods."""

    hierarchy: Hierarchy
    bases: dict[str, BaseForecasts]
    windows: Windows
    base: np.ndarray
    dates: pd.DatetimeIndex


def forecast_levels(frame: pd.DataFrame, settings: ForecastSettings, progress: Progress = quiet,
                    rank_until: pd.Timestamp | None = None) -> Levels:
    """Build the hierarchy of ``frame`` and forecast each level on its own (backtest and future)."""
    progress(0.0, "adding up the levels")
    hierarchy = build_hierarchy(frame, settings.freq, settings.target, settings.top_n, exog=exogenous_candidates(frame),
                                absence_periods=settings.absence_periods, rank_until=rank_until)
    with one_blas_thread():
        bases = base_forecasts(hierarchy, settings, scaled(progress, 0.02, 1.0))
    base, dates = future_base(hierarchy, bases, settings.horizon)
    return Levels(hierarchy, bases, backtest_windows(hierarchy, bases, settings.horizon), base, dates)


def reconcile_levels(levels: Levels, settings: ForecastSettings, methods: tuple[str, ...] | None = None,
                     tolerance: float = TOLERANCE, params: Mapping[str, Mapping[str, Any]] | None = None
                     ) -> ReconciledResult:
    """Score every method on the backtest windows, choose one, reconcile the future with it."""
    params, hierarchy, windows = params or {}, levels.hierarchy, levels.windows
    methods, notes = _methods(hierarchy, methods)
    with one_blas_thread():
        backtests, accuracy = score_methods(hierarchy, windows, methods, params)
        method = choose_method(accuracy, hierarchy.bottom_level, tolerance)
        coherent = reconcile_future(hierarchy, windows, levels.base, method, params.get(method))
        ranged, quantiles = _ranged(hierarchy, windows, backtests[method], settings)
        base_ranged, _ = _ranged(hierarchy, windows, windows.base, settings)
    coverage = pd.concat([_coverage(ranged, settings, "reconciled"), _coverage(base_ranged, settings, BASE)],
                         ignore_index=True)
    models = pd.DataFrame([{"level": name, "model": b.best, "wape": float(b.board.loc[b.board[MODEL] == b.best,
                                                                                     "wape"].iat[0])}
                           for name, b in levels.bases.items()])
    forecasts = _forecast_frame(hierarchy, coherent, levels.base, levels.dates, quantiles, settings)
    return ReconciledResult(settings=settings, method=method, levels=hierarchy.levels, forecasts=forecasts,
                            accuracy=accuracy, coverage=coverage, models=models, parents=parents_table(hierarchy),
                            history=history_table(hierarchy),
                            summary=hierarchy.report.summary() if hierarchy.report else "",
                            notes=hierarchy.notes + notes)


def run_reconciled(frame: pd.DataFrame, settings: ForecastSettings, methods: tuple[str, ...] | None = None,
                   progress: Progress | None = None, tolerance: float = TOLERANCE,
                   params: Mapping[str, Mapping[str, Any]] | None = None,
                   rank_until: pd.Timestamp | None = None) -> ReconciledResult:
    """Forecast every level of ``frame``, reconcile, choose the method on the backtest (see the module).

    ``settings.level`` is not used (every level is forecast); ``settings.top_n`` keeps that many
    products (stores) by name, the rest in "other" series (ranked on the sales before ``rank_until``).
    ``methods``: the reconciliation methods to choose from (default: every one of
    :data:`~retail.planning.registry.RECONCILERS`); ``params``: per method, settings that differ
    from its defaults.
    """
    progress = progress or quiet
    levels = forecast_levels(frame, settings, scaled(progress, 0.0, 0.9), rank_until)
    progress(0.9, "reconciling the levels")
    result = reconcile_levels(levels, settings, methods, tolerance, params)
    progress(1.0, "done")
    return result
