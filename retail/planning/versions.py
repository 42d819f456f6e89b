"""Adjusted forecasts as new versions of a forecast run, kept in the workspace with who, when and why.

A forecast run is version 1. Adjusting it (or any later version) stores a new run of the same kind
holding every table of the run it adjusts, with

* ``forecasts``: ``yhat`` is now the adjusted forecast (the one exports, the stakeholder report and
  the order plan use), ``statistical`` the model's own, beside it; the ranges move with the forecast;
* ``adjustments``: one row per adjustment of every version so far (number, version, when, who,
  reason, note, what was selected, the change, how many forecasts it touched);
* ``changes``: one row per touched forecast and adjustment, value before and after.

Its settings name the first run (``based_on``) and its ``version``. Through the access check
(:class:`~retail.access.guard.GuardedWorkspace`) only an analyst or an admin may store one, and it
is written to the audit log as "forecast adjusted".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data.trash import now
from retail.data.workspace import RunInfo, Workspace
from retail.forecast.intervals import bound_names
from retail.forecast.metrics import MODEL, YHAT
from retail.forecast.result import RUN_KIND, STATISTICAL, ForecastResult
from retail.inventory.adjusted import PlannerChanges
from retail.planning.overrides import Adjustment, apply_adjustments, statistical_forecast
from retail.planning.registry import REASONS

LOG_COLUMNS = ["number", "version", "at", "by", "reason", "note", "selection", "change", "forecasts"]
CHANGE_COLUMNS = ["number", SERIES_ID, DATE, "before", "after"]


def root_of(info: RunInfo) -> int:
    """The first run of a lineage of versions (the statistical forecast)."""
    return int(info.settings.get("based_on") or info.id)


def versions(workspace: Workspace, run_id: int) -> list[RunInfo]:
    """Every version of the run ``run_id`` belongs to, oldest (the statistical forecast) first."""
    root = root_of(workspace.get_run(run_id))
    runs = [r for r in workspace.list_runs(RUN_KIND) if root_of(r) == root]
    return sorted(runs, key=lambda r: int(r.settings.get("version") or 1))


def latest_version(workspace: Workspace, run_id: int) -> RunInfo:
    return versions(workspace, run_id)[-1]


def _load_frames(workspace: Workspace, info: RunInfo) -> dict[str, pd.DataFrame]:
    if info.kind != RUN_KIND:
        raise ValueError(f"run {info.id} is a {info.kind} run; only forecast runs can be adjusted.")
    return {name: workspace.load_run_table(info.id, name) for name in info.tables}


def _adjusted_forecasts(forecasts: pd.DataFrame, rows: np.ndarray, values: np.ndarray,
                        coverages: tuple[float, ...]) -> pd.DataFrame:
    """``forecasts`` with the best model's rows set to ``values``, the statistical forecast kept beside
    and the ranges moved by the same amount (never below zero, always around the forecast)."""
    out = forecasts.copy()
    if STATISTICAL not in out:
        out[STATISTICAL] = out[YHAT]
    shift = values - out.loc[rows, YHAT].to_numpy()
    out.loc[rows, YHAT] = values
    for coverage in coverages:
        lo, hi = bound_names(coverage)
        if lo in out:
            out.loc[rows, lo] = np.minimum(np.maximum(out.loc[rows, lo].to_numpy() + shift, 0.0), values)
            out.loc[rows, hi] = np.maximum(out.loc[rows, hi].to_numpy() + shift, values)
    return out


def _log_rows(adjustments: list[Adjustment], cells: pd.DataFrame, first: int, version: int, by: str) -> pd.DataFrame:
    touched = cells.groupby("number").size()
    stamp = now()
    return pd.DataFrame([{"number": first + k, "version": version, "at": stamp, "by": by,
                          "reason": a.reason, "note": a.note, "selection": a.label or ", ".join(a.series),
                          "change": a.change.text() + (f" ({', '.join(a.periods)})" if a.periods != ("*",) else
                                                       " (every period)"),
                          "forecasts": int(touched.get(first + k, 0))} for k, a in enumerate(adjustments)],
                        columns=LOG_COLUMNS)


def _describe(log: pd.DataFrame, version: int, root: int, by: str) -> str:
    """The audit log's detail: ``version 2 of run 12 by alice: 3 changes (promotion 2, judgement 1)``."""
    reasons = log["reason"].map(REASONS).value_counts()
    words = ", ".join(f"{reason} {count}" for reason, count in reasons.items())
    return f"version {version} of run {root} by {by}: {len(log)} change{'s' * (len(log) != 1)} ({words})"


def adjust_run(workspace: Workspace, run_id: int, adjustments: list[Adjustment], by: str) -> RunInfo:
    """Store a new version of run ``run_id`` with ``adjustments`` applied (in order) by ``by``.

    Raises
    ------
    ValueError : the run is not a forecast run, a change is unreadable or selects nothing (nothing is stored).
    PermissionError : through the access check, for a viewer.
    """
    if hasattr(workspace, "require"):  # the access check refuses a viewer before any work
        workspace.require("adjust")
    if not adjustments:
        raise ValueError("no adjustment to apply: choose the forecasts and the change first.")
    info = workspace.get_run(run_id)
    frames = _load_frames(workspace, info)
    result = ForecastResult.from_frames(frames)
    root = root_of(info)
    version = int(latest_version(workspace, run_id).settings.get("version") or 1) + 1
    log = frames.get("adjustments", pd.DataFrame(columns=LOG_COLUMNS))
    rows = np.flatnonzero((frames["forecasts"][MODEL] == result.best).to_numpy())
    target = statistical_forecast(frames["forecasts"].iloc[rows], result.best, result.series_info)
    values, cells = apply_adjustments(target, adjustments, result.settings.freq, first_number=len(log) + 1)
    new_log = _log_rows(adjustments, cells, len(log) + 1, version, by)
    frames |= {"forecasts": _adjusted_forecasts(frames["forecasts"], frames["forecasts"].index[rows], values,
                                                result.settings.intervals),
               "adjustments": _appended(log, new_log), "changes": _appended(frames.get("changes"), cells)}
    frames["meta"] = _meta(frames["meta"], version, root)
    settings = dict(info.settings) | {"based_on": root, "version": version}
    summary = dict(info.summary) | {"based_on": root, "version": version, "adjusted_by": by,
                                    "adjusted": _describe(new_log, version, root, by)}
    return workspace.save_run(RUN_KIND, info.dataset, settings, summary, frames)


def _meta(meta: pd.DataFrame, version: int, root: int) -> pd.DataFrame:
    values = dict(zip(meta["key"], meta["value"], strict=True)) | {"version": str(version), "based_on": str(root)}
    return pd.DataFrame({"key": list(values), "value": list(values.values())})


def _appended(earlier: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    return new if earlier is None or earlier.empty else pd.concat([earlier, new], ignore_index=True)


def adjusted_runs(workspace: Workspace, dataset: str, level: str) -> list[RunInfo]:
    """The dataset's adjusted forecast runs in units at ``level``, newest first (what an order plan can follow)."""
    return [run for run in workspace.list_runs(RUN_KIND, dataset) if run.settings.get("based_on")
            and run.settings.get("level") == level and run.settings.get("target", "units") == "units"]


def planner_changes(result: ForecastResult, run_id: int) -> PlannerChanges:
    """The units planners added to (or removed from) ``result``'s forecast, per series and period, for the
    order plan (:mod:`retail.inventory.adjusted`)."""
    if not result.is_adjusted:
        raise ValueError(f"run {run_id} has no planner adjustments to follow.")
    if result.settings.target != "units":
        raise ValueError(f"run {run_id} forecasts sales value; orders follow forecasts in units.")
    rows = result.forecasts[result.forecasts[MODEL] == result.best]
    units = (rows[YHAT] - rows[STATISTICAL]).to_numpy()
    changed = rows[np.abs(units) > 1e-9]
    period = frequency.get(result.settings.freq)
    starts = pd.to_datetime(changed[DATE])
    days = (starts + period.offset - starts).dt.days
    table = pd.DataFrame({SERIES_ID: changed[SERIES_ID].to_numpy(), "start": starts.to_numpy(),
                          "days": days.to_numpy(), "units": units[np.abs(units) > 1e-9]})
    note = (f"The orders follow the planners' adjusted forecast of run {run_id} (version {result.version} of run "
            f"{result.based_on}): {table['units'].sum():+,.0f} units over {len(table):,} forecasts; the statistical "
            "forecast is beside it.")
    return PlannerChanges(table, note)


def changes_to_follow(workspace: Workspace, dataset: str, level: str, run_id: int | None = None
                      ) -> PlannerChanges | None:
    """The planner changes an order plan of ``dataset`` at ``level`` follows: those of run ``run_id``, or of the
    newest adjusted forecast run in units at that level (None when there is none)."""
    from retail.forecast.result import load_run

    if run_id is None:
        runs = adjusted_runs(workspace, dataset, level)
        if not runs:
            return None
        run_id = runs[0].id
    info = workspace.get_run(run_id)
    if info.settings.get("level") != level:
        raise ValueError(f"run {run_id} forecasts per {info.settings.get('level')}; the plan is per {level}.")
    return planner_changes(load_run(workspace, run_id), run_id)
