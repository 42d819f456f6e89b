"""The weekly cycle unattended: new sales in, forecast and order plan rerun, earlier forecasts scored,
exceptions listed, all landing in one transaction.

:func:`prepare_refresh` computes everything and writes nothing: the append (:mod:`~retail.planning.
append`), a forecast with the settings of the dataset's latest saved forecast run, an order plan with
those of its latest saved plan (the replayed weeks move with the data), and the exceptions against
the new rows (:mod:`~retail.planning.attention`). :func:`commit_refresh` then stores the new version
of the dataset, both runs and a *refresh* run (what was done, the exceptions, the tracked accuracy)
in one transaction: a refresh killed at any moment leaves the workspace as it was, or refreshed.

Refreshing again with the same file finds nothing to do (the dataset and the runs made from it are
already there) and changes nothing. The caller holds :func:`retail.planning.lock.refresh_lock`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.analytics.aggregate import available_levels, default_level, default_target
from retail.data import schema
from retail.data.raw import RawTable
from retail.forecast.pipeline import run_forecast
from retail.forecast.result import RUN_KIND as FORECAST_KIND
from retail.forecast.result import ForecastResult, load_run, save_run
from retail.forecast.settings import ForecastSettings
from retail.inventory.demand import load_history, why_not
from retail.inventory.pipeline import run_replenishment, simulation_window
from retail.inventory.result import RUN_KIND as PLAN_KIND
from retail.inventory.result import ReplenishmentResult
from retail.inventory.result import load_run as load_plan
from retail.inventory.result import save_run as save_plan
from retail.inventory.settings import ReplenishmentSettings
from retail.inventory.stock import read_stock
from retail.planning import append, attention
from retail.planning.exceptions import as_records
from retail.progress import Progress, quiet, scaled

REFRESH_KIND = "refresh"
DEFAULT_TOP_N = 50  # the Forecast page's default: the largest 50 series
DEFAULT_PLAN_TOP_N = 100  # the Replenishment page's default


@dataclass
class Refreshed:
    """What a refresh computed (and, once committed, the runs it saved)."""

    dataset: str
    append: append.AppendPlan
    week: attention.ThisWeek
    forecast: ForecastResult | None = None
    plan: ReplenishmentResult | None = None
    notes: list[str] = field(default_factory=list)
    nothing_to_do: bool = False
    run_ids: dict[str, int] = field(default_factory=dict)

    @property
    def data_through(self) -> pd.Timestamp:
        return self.append.span_after[1]

    def summary_dict(self) -> dict[str, Any]:
        """The refresh in numbers (the command line's ``--json``; the refresh run's summary)."""
        plan = self.plan.summary_dict()["plan"] if self.plan is not None else None
        forecast = ({"best": self.forecast.best, "series": int(self.forecast.history["series_id"].nunique()),
                     "promised_wape": self.forecast.summary_dict()["wape"]} if self.forecast is not None else None)
        counts = self.week.ranked["kind"].value_counts().to_dict() if len(self.week.ranked) else {}
        return {"dataset": self.dataset, "changed": not self.nothing_to_do,
                "run_id": self.run_ids.get(FORECAST_KIND), "runs": dict(self.run_ids),
                "data_through": f"{self.data_through:%Y-%m-%d}", "append": self.append.to_dict(),
                "forecast": forecast, "orders": plan, "tracking": self.week.tracking.summary_dict(),
                "exceptions": {"count": int(len(self.week.ranked)), "by_kind": {k: int(v) for k, v in counts.items()},
                               "headline": self.week.headline, "top": as_records(self.week.ranked.head(10))},
                "notes": self.notes}


def forecast_settings(workspace: Any, dataset: str, info: Any) -> tuple[ForecastSettings, str]:
    """The settings of the dataset's latest saved forecast run (else the Forecast page's defaults), and why."""
    runs = workspace.list_runs(FORECAST_KIND, dataset)
    if runs:
        return ForecastSettings.from_dict(runs[0].settings), f"forecast settings of run {runs[0].id}"
    level = default_level(info.kind, available_levels(info.has))
    return (ForecastSettings(level=level, target=default_target(info.has)[0], top_n=DEFAULT_TOP_N),
            "no saved forecast yet: the Forecast page's defaults")


def plan_settings(workspace: Any, dataset: str) -> tuple[ReplenishmentSettings, str]:
    """The settings of the latest saved order plan, its replay moved to the latest weeks (else the defaults)."""
    runs = workspace.list_runs(PLAN_KIND, dataset)
    if runs:
        kept = ReplenishmentSettings.from_dict(runs[0].settings | {"simulate_from": None})
        return kept, f"order-plan settings of run {runs[0].id}"
    return ReplenishmentSettings(top_n=DEFAULT_PLAN_TOP_N), "no saved order plan yet: the Replenishment page's defaults"


def _latest_refresh(workspace: Any, dataset: str) -> Any:
    runs = workspace.list_runs(REFRESH_KIND, dataset)
    return runs[0] if runs else None


def _plan(frame: pd.DataFrame, workspace: Any, info: Any, stock: Any, progress: Progress,
          notes: list[str]) -> ReplenishmentResult | None:
    reason = why_not(info.kind, info.has(schema.QUANTITY))
    if reason:
        notes.append(f"No order plan: {reason}")
        return None
    settings, why = plan_settings(workspace, info.name)
    notes.append(f"Order plan with the {why}.")
    history = load_history(frame, settings.level, settings.top_n, rank_until=simulation_window(frame, settings)[0])
    table = read_stock(stock, history.ids, settings.level) if stock is not None else None
    if table is None:
        notes.append("No stock file given: the plan assumes nothing on hand, and stock-outs are not checked.")
    return run_replenishment(frame, settings, table, workspace.currency_of(info), progress, history=history)


def prepare_refresh(workspace: Any, dataset: str, raw: RawTable, stock: Any = None,
                    overrides: dict[str, str | None] | None = None, dayfirst: bool | None = None,
                    progress: Progress = quiet) -> Refreshed:
    """Compute a refresh of ``dataset`` with the new sales ``raw`` (nothing is written; see the module).

    ``stock`` is this week's stock file (a path), or None; ``overrides`` and ``dayfirst`` correct how
    the new sales are read (:func:`retail.planning.append.prepare_append`). Raises ``ValueError`` (nothing changed)
    when the file cannot be used and ``PermissionError`` when the role may not add data or run analyses.
    """
    for action in ("upload", "analyse"):
        workspace.require(action)
    progress(0.0, f"reading {raw.source_name}")
    plan = append.prepare_append(workspace, dataset, raw, overrides, dayfirst)
    info, last = plan.dataset, _latest_refresh(workspace, dataset)
    if plan.unchanged and last is not None and last.summary.get("dataset_id") == info.id:
        return _already_done(workspace, plan, last, progress)
    progress(0.1, plan.describe())
    frame, notes = plan.seam.frame, []
    settings, why = forecast_settings(workspace, dataset, info)
    notes.append(f"Forecast with the {why}.")
    forecast = run_forecast(frame, settings, progress=scaled(progress, 0.1, 0.6))
    plan_result = _plan(frame, workspace, info, stock, scaled(progress, 0.6, 0.85), notes)
    progress(0.85, "scoring earlier forecasts and listing exceptions")
    week = attention.this_week(workspace, dataset, frame, plan=_new_plan(plan_result))
    progress(0.95, week.headline)
    return Refreshed(dataset=dataset, append=plan, week=week, forecast=forecast, plan=plan_result, notes=notes)


def _new_plan(result: ReplenishmentResult | None) -> tuple[pd.DataFrame, int | None, int] | None:
    return None if result is None else (result.plan, None, int(result.settings.terms["lead_days"]))


def _already_done(workspace: Any, plan: append.AppendPlan, last: Any, progress: Progress) -> Refreshed:
    """Nothing to do: the file is in the dataset and the latest refresh was made from this very version."""
    runs = {kind: int(run_id) for kind, run_id in last.summary.get("runs", {}).items()}
    forecast = load_run(workspace, runs[FORECAST_KIND]) if FORECAST_KIND in runs else None
    plan_result = load_plan(workspace, runs[PLAN_KIND]) if PLAN_KIND in runs else None
    frame = plan.seam.frame
    week = attention.this_week(workspace, plan.dataset.name, frame, plan=_new_plan(plan_result))
    progress(1.0, f"nothing to do: {plan.dataset.name!r} was refreshed with these sales already (refresh run {last.id})")
    return Refreshed(dataset=plan.dataset.name, append=plan, week=week, forecast=forecast, plan=plan_result,
                     nothing_to_do=True, run_ids=runs | {REFRESH_KIND: last.id},
                     notes=[f"Already refreshed with these sales (refresh run {last.id}): nothing changed."])


class _InTransaction:
    """A workspace whose ``save_run`` writes inside an open transaction (for the domains' ``save_run``)."""

    def __init__(self, workspace: Any, con: Any) -> None:
        self.workspace, self.con = workspace, con

    def save_run(self, kind: str, dataset: str, settings: dict, summary: dict, tables: dict) -> int:
        return self.workspace.write_run(self.con, kind, dataset, settings, summary, tables)


def _write(refreshed: Refreshed, by: str):
    def write(workspace: Any, con: Any) -> list[tuple[str, str]]:
        entries, plan = [], refreshed.append
        dataset_id = plan.dataset.id
        if not plan.unchanged:
            dataset_id = append.store_version(workspace, con, plan, by)
            entries.append(("append", append.audit_detail(plan)))
        saving = _InTransaction(workspace, con)
        if refreshed.forecast is not None:
            refreshed.run_ids[FORECAST_KIND] = save_run(saving, refreshed.dataset, refreshed.forecast)
            entries.append(("forecast run", f"forecast run {refreshed.run_ids[FORECAST_KIND]} (refresh)"))
        if refreshed.plan is not None:
            refreshed.run_ids[PLAN_KIND] = save_plan(saving, refreshed.dataset, refreshed.plan)
            entries.append(("analysis run", f"replenishment run {refreshed.run_ids[PLAN_KIND]} (refresh)"))
        summary = refreshed.summary_dict() | {"dataset_id": dataset_id, "runs": dict(refreshed.run_ids)}
        tables = {"exceptions": refreshed.week.ranked, "accuracy": refreshed.week.tracking.by_step}
        refresh_id = workspace.write_run(con, REFRESH_KIND, refreshed.dataset, {}, summary, tables)
        refreshed.run_ids[REFRESH_KIND] = refresh_id
        entries.append(("refresh", f"refresh run {refresh_id}: {refreshed.week.headline}"))
        return entries
    return write


def commit_refresh(workspace: Any, refreshed: Refreshed) -> Refreshed:
    """Store what :func:`prepare_refresh` computed in one transaction (``workspace`` a
    :class:`~retail.access.guard.GuardedWorkspace`: roles checked, each write in the audit log)."""
    if not refreshed.nothing_to_do:
        workspace.commit(_write(refreshed, workspace.actor.name), ("upload", "analyse"), refreshed.dataset)
    return refreshed
