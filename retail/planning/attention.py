"""The "This week" list: every kind of exception of :data:`~retail.planning.registry.EXCEPTIONS` that is
switched on, run with the thresholds kept for the dataset, ranked on one list.

Thresholds live with the dataset (preference scope :data:`SCOPE`, so they follow a rename and wait in
the trash with it): :func:`kept_settings` reads them, :func:`keep_settings` stores them (an analyst's
action). :func:`this_week` is what the page, the command line and the refresh call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.analytics.aggregate import SERIES_ID, available_levels, build_panel, default_level, default_target
from retail.planning import tracking
from retail.planning.exceptions import Context, describe_counts, rank
from retail.planning.registry import EXCEPTIONS

SCOPE = "exceptions"  # preference scope of the thresholds kept with a dataset
PLAN_KIND = "replenishment"  # the saved order plans (retail.inventory.result.RUN_KIND)


@dataclass(frozen=True)
class AttentionSettings:
    """Which kinds of exception are switched off, and each kind's thresholds that differ from the defaults."""

    off: tuple[str, ...] = ()
    thresholds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "off", tuple(EXCEPTIONS.check_names(tuple(self.off))) if self.off else ())
        checked = {kind: EXCEPTIONS.get(kind).check(dict(values)) for kind, values in self.thresholds.items()}
        object.__setattr__(self, "thresholds", checked)

    def on(self) -> tuple[str, ...]:
        """The kinds switched on, in the registry's order."""
        return tuple(name for name in EXCEPTIONS.names if name not in self.off)

    def params(self, kind: str) -> dict[str, Any]:
        """The thresholds ``kind`` runs with: its defaults, then what was chosen."""
        return EXCEPTIONS.get(kind).defaults() | dict(self.thresholds.get(kind, {}))

    def to_dict(self) -> dict[str, Any]:
        return {"off": list(self.off), "thresholds": {k: dict(v) for k, v in self.thresholds.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttentionSettings:
        known = {k: v for k, v in data.get("thresholds", {}).items() if k in EXCEPTIONS}  # a kind since removed
        return cls(off=tuple(k for k in data.get("off", ()) if k in EXCEPTIONS), thresholds=known)


def kept_settings(workspace: Any, dataset: str) -> AttentionSettings:
    """The thresholds kept with ``dataset`` (the defaults when none were kept)."""
    return AttentionSettings.from_dict(workspace.preferences(dataset, SCOPE))


def keep_settings(workspace: Any, dataset: str, settings: AttentionSettings) -> None:
    """Keep ``settings`` with ``dataset`` (a guarded workspace checks the role)."""
    workspace.save_preferences(dataset, SCOPE, settings.to_dict())


def _latest_plan(workspace: Any, dataset: str) -> tuple[pd.DataFrame | None, int | None, int]:
    """The latest saved order plan of ``dataset``, its run id and lead time (None, None, 0 without one)."""
    runs = workspace.list_runs(PLAN_KIND, dataset)
    if not runs or "plan" not in runs[0].tables:
        return None, None, 0
    lead = int(runs[0].settings.get("terms", {}).get("lead_days", 0))
    return workspace.load_run_table(runs[0].id, "plan"), runs[0].id, lead


def forecast_key(runs: list[tracking.SavedForecast], has: Any, kind: str) -> tuple[str, str, str]:
    """(level, frequency, target) of the latest saved forecast, else the Forecast page's defaults."""
    if runs:
        return runs[-1].key
    return default_level(kind, available_levels(has)), "W", default_target(has)[0]


PlanInput = tuple[pd.DataFrame, int | None, int]  # an order plan, its run id and lead time in days


def context(workspace: Any, dataset: str, frame: pd.DataFrame, runs: list[tracking.SavedForecast] | None = None,
            plan: PlanInput | None = None) -> tuple[Context, tracking.Tracking]:
    """What the detectors read about ``dataset`` (rows ``frame``), and how its forecasts did; ``plan``
    replaces the latest saved order plan (a refresh's new one)."""
    info = workspace.get(dataset)
    runs = tracking.saved_forecasts(workspace, dataset) if runs is None else runs
    key = forecast_key(runs, info.has, info.kind)
    panel, report = build_panel(frame, *key, min_periods=1, absence_periods=0, exog=[])
    tracked = tracking.track(workspace, dataset, frame, runs, panels={key: panel[[SERIES_ID, "date", "y"]]})
    plan, plan_run, lead = plan if plan is not None else _latest_plan(workspace, dataset)
    rows = tracked.rows
    return Context(panel=panel[[SERIES_ID, "date", "y"]], info=report.series_info, freq=key[1], target=key[2],
                   scored=rows[rows[tracking.BEST]] if len(rows) else rows,
                   latest_run=runs[-1].run_id if runs else None, plan=plan, plan_run=plan_run,
                   lead_days=lead), tracked


def exceptions(found_in: Context, settings: AttentionSettings) -> pd.DataFrame:
    """Every switched-on kind's exceptions, ranked by what is at stake (:func:`retail.planning.exceptions.rank`)."""
    parts = [EXCEPTIONS.get(kind).build(found_in, **settings.params(kind)) for kind in settings.on()]
    parts = [part for part in parts if not part.empty]
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return rank(found, found_in, labels())


def labels() -> dict[str, str]:
    """Each kind's name in words."""
    return {spec.name: spec.label for spec in EXCEPTIONS}


@dataclass
class ThisWeek:
    """The ranked exceptions of a dataset, what they were found in and how its forecasts did."""

    ranked: pd.DataFrame
    context: Context
    tracking: tracking.Tracking
    settings: AttentionSettings

    @property
    def headline(self) -> str:
        return describe_counts(self.ranked, labels())


def this_week(workspace: Any, dataset: str, frame: pd.DataFrame, settings: AttentionSettings | None = None,
              runs: list[tracking.SavedForecast] | None = None, plan: PlanInput | None = None) -> ThisWeek:
    """What needs attention in ``dataset`` (its rows ``frame``), with its kept thresholds unless ``settings``
    (``runs`` and ``plan`` as :func:`context` takes them)."""
    settings = settings or kept_settings(workspace, dataset)
    found_in, tracked = context(workspace, dataset, frame, runs, plan)
    return ThisWeek(ranked=exceptions(found_in, settings), context=found_in, tracking=tracked, settings=settings)
