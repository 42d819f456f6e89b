"""Forecasts checked against what happened: every saved forecast run scored as its actuals arrive.

A saved run (:mod:`retail.forecast.result`) keeps each model's forecast per series and period with
its 80% and 95% intervals, and the backtest that promised how good it would be. Once the dataset
holds a complete period a run forecast (new sales appended, :mod:`retail.planning.append`), the
period's actual is known and the run is scored: per run, model and horizon step, the real error
(WAPE, bias) next to the error its backtest promised at that step, and the share of actuals inside
its intervals. Nothing is stored: the scores are a pure function of the saved runs and the rows of
the dataset, so a re-sent week that corrects the sales corrects the scores too.

The public interface, also for other planning modules (overrides, forecast value added)::

    runs = saved_forecasts(workspace, "shop")         # every saved run: forecasts + promise
    rows = scored(runs, frame)                        # one row per run, model, series and period with y
    accuracy(rows, by=(RUN, MODEL, STEP))             # WAPE, bias, coverage per group (any grouping)
    track(workspace, "shop", frame)                   # all of it, with the promise beside each number

``actuals(frame, level, freq, target)`` gives the actual of every series and complete period, the way
a forecast run aggregates them, for scoring any other forecast (an override, say) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID, Y, build_panel
from retail.forecast.intervals import bound_names
from retail.forecast.metrics import MODEL, STEP, YHAT
from retail.forecast.result import RUN_KIND

RUN, MADE, BEST = "run_id", "made_at", "best"
COVERAGES = (0.8, 0.95)
BOUNDS = tuple(name for c in COVERAGES for name in bound_names(c))
SCALE = "scale"  # a series' usual miss: the root mean squared error of its backtest forecasts
SCORED_COLUMNS = [RUN, MADE, MODEL, BEST, SERIES_ID, DATE, STEP, YHAT, *BOUNDS, SCALE, Y]


@dataclass(frozen=True)
class SavedForecast:
    """One saved forecast run: what it forecast and what its backtest promised."""

    run_id: int
    made_at: pd.Timestamp
    settings: dict[str, Any]
    best: str
    forecasts: pd.DataFrame  # model, series_id, date, step, yhat, lo_80, hi_80, lo_95, hi_95
    promise: pd.DataFrame  # model, step, promised_wape, promised_bias
    names: dict[str, str]  # series_id -> the product's (or store's) name
    scales: pd.DataFrame  # model, series_id, scale (its usual miss in the backtest)

    @property
    def key(self) -> tuple[str, str, str]:
        """What its actuals are summed by: (level, frequency, target)."""
        return self.settings["level"], self.settings["freq"], self.settings["target"]


def promise_of(backtest: pd.DataFrame) -> pd.DataFrame:
    """The error a run's backtest promised, per model and horizon step (WAPE and bias, pooled)."""
    if backtest.empty:
        return pd.DataFrame(columns=[MODEL, STEP, "promised_wape", "promised_bias"])
    sums = _sums(backtest, [MODEL, STEP])
    return pd.DataFrame({MODEL: sums[MODEL], STEP: sums[STEP].astype(int),
                         "promised_wape": _ratio(sums["abs_error"], sums["actual"]),
                         "promised_bias": _ratio(sums["error"], sums["actual"])})


def scales_of(backtest: pd.DataFrame) -> pd.DataFrame:
    """Each model's usual miss per series in the backtest: the root mean squared error (model, series_id, scale)."""
    if backtest.empty:
        return pd.DataFrame(columns=[MODEL, SERIES_ID, SCALE])
    squared = backtest[[MODEL, SERIES_ID]].assign(**{SCALE: (backtest[Y] - backtest[YHAT]) ** 2})
    out = squared.groupby([MODEL, SERIES_ID], sort=False)[SCALE].mean().reset_index()
    return out.assign(**{SCALE: np.sqrt(out[SCALE])})


def saved_forecasts(workspace: Any, dataset: str) -> list[SavedForecast]:
    """Every saved forecast run of ``dataset``, oldest first."""
    runs = []
    for info in sorted(workspace.list_runs(RUN_KIND, dataset), key=lambda run: run.id):
        if "forecasts" not in info.tables:
            continue
        tables = workspace.load_run_tables(info, [name for name in ("forecasts", "backtest", "series_info")
                                                  if name in info.tables])  # one connection per run
        backtest, series = tables.get("backtest", pd.DataFrame()), tables.get("series_info", pd.DataFrame())
        forecasts = tables["forecasts"]
        forecasts[DATE] = pd.to_datetime(forecasts[DATE])
        names = dict(zip(series[SERIES_ID], series["name"], strict=True)) if "name" in series else {}
        runs.append(SavedForecast(run_id=info.id, made_at=info.created_at, settings=info.settings,
                                  best=str(info.summary.get("best", "")), forecasts=forecasts,
                                  promise=promise_of(backtest), names=names, scales=scales_of(backtest)))
    return runs


def actuals(frame: pd.DataFrame, level: str, freq: str, target: str) -> pd.DataFrame:
    """The actual of every series and *complete* period (``series_id``, ``date``, ``y``), summed as a
    forecast run sums them (net sales; a week counts once its Sunday is in the data)."""
    panel, _ = build_panel(frame, level, freq, target, min_periods=1, absence_periods=0, exog=[])
    return panel[[SERIES_ID, DATE, Y]]


def scored(runs: Sequence[SavedForecast], frame: pd.DataFrame,
           panels: dict[tuple[str, str, str], pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per run, model, series and forecast period whose actual has arrived (see
    :data:`SCORED_COLUMNS`); ``best`` marks the model the run recommended. ``panels`` caches the
    actuals per (level, frequency, target) across calls (filled here when missing)."""
    parts, panels = [], {} if panels is None else panels
    for run in runs:
        if run.key not in panels:
            panels[run.key] = actuals(frame, *run.key)
        truth = panels[run.key]
        arrived = run.forecasts[run.forecasts[DATE] <= truth[DATE].max()]
        if arrived.empty:
            continue
        rows = arrived.merge(truth, on=[SERIES_ID, DATE], how="left").merge(run.scales, on=[MODEL, SERIES_ID],
                                                                             how="left")
        rows[Y] = rows[Y].fillna(0.0)  # a series without a sale since its forecast sold nothing
        rows[RUN], rows[MADE], rows[BEST] = run.run_id, run.made_at, rows[MODEL] == run.best
        parts.append(rows[[c for c in SCORED_COLUMNS if c in rows.columns]])
    if not parts:
        return pd.DataFrame(columns=SCORED_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _sums(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    error = rows[YHAT] - rows[Y]
    work = rows[by].assign(abs_error=error.abs(), error=error, actual=rows[Y].abs())
    for coverage in COVERAGES:
        lo, hi = bound_names(coverage)
        if lo in rows.columns:
            work[f"inside_{round(coverage * 100)}"] = ((rows[Y] >= rows[lo]) & (rows[Y] <= rows[hi])).astype(float)
    return work.groupby(by, sort=True).agg(
        n=("error", "size"), actual=("actual", "sum"), abs_error=("abs_error", "sum"), error=("error", "sum"),
        **{c: (c, "mean") for c in work.columns if c.startswith("inside_")}).reset_index()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def accuracy(rows: pd.DataFrame, by: Sequence[str] = (RUN, MODEL, STEP)) -> pd.DataFrame:
    """WAPE, bias and interval coverage of scored ``rows`` (any frame with ``y``, ``yhat`` and bounds),
    pooled per group of ``by``: columns ``by``, n (periods scored), actual, wape, bias, coverage_80,
    coverage_95. The same formulas as the backtest (:mod:`retail.forecast.metrics`)."""
    by = list(by)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "n", "actual", "wape", "bias", "coverage_80", "coverage_95"])
    sums = _sums(rows, by)
    out = sums[[*by, "n", "actual"]].assign(wape=_ratio(sums["abs_error"], sums["actual"]),
                                            bias=_ratio(sums["error"], sums["actual"]))
    for coverage in COVERAGES:
        column = f"inside_{round(coverage * 100)}"
        out[f"coverage_{round(coverage * 100)}"] = sums.get(column, np.nan)
    return out


@dataclass
class Tracking:
    """How every saved run of a dataset did: the scored rows and the tables the page and CLI show."""

    runs: list[SavedForecast]
    rows: pd.DataFrame  # scored(): run x model x series x period
    by_step: pd.DataFrame  # per run, model and step, with the promise beside it
    by_run: pd.DataFrame  # per run (its recommended model, every step), with the promise
    by_week: pd.DataFrame  # per period forecast: the latest forecast made before it (one step ahead)
    panels: dict[tuple[str, str, str], pd.DataFrame]  # the actuals, per (level, frequency, target)

    @property
    def empty(self) -> bool:
        return self.rows.empty

    def names(self) -> dict[str, str]:
        """Every scored series' name (the latest run's name wins)."""
        return {k: v for run in self.runs for k, v in run.names.items()}

    def summary_dict(self) -> dict[str, Any]:
        """The headline (the command line's JSON): runs, periods scored, real vs promised errors."""
        best = self.rows[self.rows[BEST]] if not self.rows.empty else self.rows
        overall = accuracy(best.assign(all=1), by=["all"])
        first = overall.iloc[0] if len(overall) else None
        return {"runs": len(self.runs), "runs_scored": int(self.by_run[RUN].nunique()) if len(self.by_run) else 0,
                "periods_scored": int(best[DATE].nunique()) if len(best) else 0,
                "wape": _number(first["wape"]) if first is not None else None,
                "bias": _number(first["bias"]) if first is not None else None,
                "coverage_80": _number(first["coverage_80"]) if first is not None else None,
                "coverage_95": _number(first["coverage_95"]) if first is not None else None,
                "promised_wape": _number(np.average(self.by_run["promised_wape"].dropna()))
                if self.by_run["promised_wape"].notna().any() else None}


def _number(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


def _promises(runs: Sequence[SavedForecast]) -> pd.DataFrame:
    parts = [run.promise.assign(**{RUN: run.run_id}) for run in runs if not run.promise.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[RUN, MODEL, STEP, "promised_wape", "promised_bias"])


def _by_run(rows: pd.DataFrame, promises: pd.DataFrame) -> pd.DataFrame:
    """Per run: its recommended model over every step scored so far, and the promise for those steps."""
    best = rows[rows[BEST]]
    table = accuracy(best, by=[RUN, MADE, MODEL])
    weights = best.groupby([RUN, MODEL, STEP])[Y].sum().rename("weight").reset_index()
    promised = weights.merge(promises, on=[RUN, MODEL, STEP], how="left").dropna(subset=["promised_wape"])
    promised = promised.assign(w=promised["weight"].where(promised["weight"] > 0, 1.0))
    mean = promised.groupby(RUN).apply(lambda g: pd.Series({
        "promised_wape": np.average(g["promised_wape"], weights=g["w"]),
        "promised_bias": np.average(g["promised_bias"], weights=g["w"])}), include_groups=False)
    steps = best.groupby(RUN)[STEP].max().rename("steps_scored")
    return table.merge(mean.reset_index(), on=RUN, how="left").merge(steps.reset_index(), on=RUN, how="left")


def _by_week(rows: pd.DataFrame, promises: pd.DataFrame) -> pd.DataFrame:
    """Per forecast period: the last run made before it (its recommended model, usually one step
    ahead) against what happened and what its backtest promised at that step."""
    best = rows[rows[BEST]]
    if best.empty:
        return pd.DataFrame(columns=[DATE, RUN, MODEL, STEP, "n", "actual", "wape", "bias", "coverage_80",
                                     "coverage_95", "promised_wape", "promised_bias"])
    latest = best.groupby(DATE)[RUN].transform("max") == best[RUN]
    table = accuracy(best[latest], by=[DATE, RUN, MODEL, STEP])
    return table.merge(promises, on=[RUN, MODEL, STEP], how="left").sort_values(DATE).reset_index(drop=True)


def track(workspace: Any, dataset: str, frame: pd.DataFrame, runs: Sequence[SavedForecast] | None = None,
          panels: dict[tuple[str, str, str], pd.DataFrame] | None = None) -> Tracking:
    """Score every saved forecast run of ``dataset`` against its rows ``frame`` (see the module docstring;
    ``runs`` when the caller loaded them already, ``panels`` as :func:`scored` takes it)."""
    runs = list(runs) if runs is not None else saved_forecasts(workspace, dataset)
    panels = {} if panels is None else panels
    rows = scored(runs, frame, panels)
    promises = _promises(runs)
    by_step = accuracy(rows, by=[RUN, MADE, MODEL, BEST, STEP]).merge(promises, on=[RUN, MODEL, STEP], how="left")
    if rows.empty:
        by_run = pd.DataFrame(columns=[RUN, MADE, MODEL, "n", "actual", "wape", "bias", "coverage_80", "coverage_95",
                                       "promised_wape", "promised_bias", "steps_scored"])
    else:
        by_run = _by_run(rows, promises)
    return Tracking(runs=runs, rows=rows, by_step=by_step, by_run=by_run, by_week=_by_week(rows, promises),
                    panels=panels)


def headline(tracked: Tracking) -> str:
    """One sentence: how the forecasts did against what they promised (the page, the report, the CLI)."""
    numbers = tracked.summary_dict()
    if numbers["wape"] is None:
        return ("No saved forecast has met its actual sales yet: they are checked as the weeks they forecast are "
                "added to the dataset.")
    period = frequency.get(tracked.runs[-1].settings["freq"]).period
    promised = numbers["promised_wape"]
    text = (f"Checked against {numbers['periods_scored']} {period}{'s' if numbers['periods_scored'] != 1 else ''} "
            f"of sales, the forecasts of {numbers['runs_scored']} run{'s' if numbers['runs_scored'] != 1 else ''} "
            f"were off by {numbers['wape']:.0%} of what sold")
    text += f" (their backtests promised {promised:.0%})" if promised is not None else ""
    return (text + f"; {numbers['coverage_80']:.0%} of the sales fell inside the 80% ranges and "
            f"{numbers['coverage_95']:.0%} inside the 95% ranges (ideally 80% and 95%).")
