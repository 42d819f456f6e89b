"""What a replenishment run produced, in plain frames that a workspace can store and reopen."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data.workspace import RunInfo, Workspace
from retail.inventory.registry import CYCLE, baseline, ours
from retail.inventory.settings import ReplenishmentSettings

RUN_KIND = "replenishment"
HEADLINE = ("achieved_csl", "fill_rate", "days_of_cover")


@dataclass
class ReplenishmentResult:
    """Everything a run produced.

    ``simulation`` maps each policy name to its totals (:func:`retail.inventory.tables.totals`);
    ``items`` has one row per item with ``<metric>_<policy>`` columns; ``curve`` one row per policy
    and target; ``daily`` the replayed days of every item; ``reviews`` each review's forecast,
    range and S; ``plan`` the orders for the next review.
    """

    settings: ReplenishmentSettings
    simulation: dict[str, dict[str, Any]]
    items: pd.DataFrame
    curve: pd.DataFrame
    daily: pd.DataFrame
    reviews: pd.DataFrame
    plan: pd.DataFrame
    simulate_from: str
    simulate_to: str
    currency: str | None = None
    comparison: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary_dict(self) -> dict[str, Any]:
        """The run's headline (the command line's JSON, the stored run's summary)."""
        s = self.settings
        policy = {"level": s.level, "top_n": s.top_n, **dict(s.terms), "simulate_from": self.simulate_from,
                  "simulate_to": self.simulate_to, "simulate_weeks": s.simulate_weeks,
                  "policies": {name: dict(s.policy_params.get(name, {})) for name in self.simulation}}
        simulation = {role: _clean(self.simulation[name]) for role, name in (("ours", ours()), ("baseline", baseline()))}
        orders = self.plan[self.plan["order_quantity"] > 0]
        return {"items": int(len(self.items)), "policy": policy, "simulation": simulation,
                "comparison": _clean(self.comparison), "currency": self.currency,
                "plan": {"review_date": str(pd.Timestamp(self.plan["review_date"].iat[0]).date()) if len(self.plan)
                         else None, "items_to_order": int(len(orders)),
                         "units": float(orders["order_quantity"].sum()),
                         "value": _number(orders["order_value"].sum(min_count=1))},
                "warnings": self.warnings}

    def service_points(self) -> dict[str, tuple[float, float]]:
        """Per policy: (days of cover, service achieved in the run's measure) at the run's own target."""
        measure = "achieved_csl" if self.settings.terms["service_measure"] == CYCLE else "fill_rate"
        return {name: (numbers["days_of_cover"], numbers[measure]) for name, numbers in self.simulation.items()}

    def item_view(self, series_id: str) -> dict[str, pd.DataFrame]:
        """The replayed days and the reviews of one item (for its chart)."""
        return {"daily": self.daily[self.daily[SERIES_ID] == series_id].sort_values(DATE),
                "reviews": self.reviews[self.reviews[SERIES_ID] == series_id].sort_values(DATE)}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        meta = {"settings": self.settings.to_json(), "simulation": json.dumps(self.simulation),
                "simulate_from": self.simulate_from, "simulate_to": self.simulate_to,
                "currency": json.dumps(self.currency), "comparison": json.dumps(self.comparison),
                "warnings": json.dumps(self.warnings)}
        return {"meta": pd.DataFrame({"key": list(meta), "value": list(meta.values())}), "items": self.items,
                "curve": self.curve, "daily": self.daily, "reviews": self.reviews, "plan": self.plan}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> ReplenishmentResult:
        meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"], strict=True))
        return cls(settings=ReplenishmentSettings.from_dict(json.loads(meta["settings"])),
                   simulation=json.loads(meta["simulation"]), items=frames["items"], curve=frames["curve"],
                   daily=frames["daily"], reviews=frames["reviews"], plan=frames["plan"],
                   simulate_from=meta["simulate_from"], simulate_to=meta["simulate_to"],
                   currency=json.loads(meta["currency"]), comparison=json.loads(meta["comparison"]),
                   warnings=json.loads(meta["warnings"]))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def _clean(numbers: dict[str, Any]) -> dict[str, Any]:
    return {k: (_number(v) if isinstance(v, float) else v) for k, v in numbers.items()}


def save_run(workspace: Workspace, dataset: str, result: ReplenishmentResult) -> RunInfo:
    """Store a run (its settings, headline and every table) in the workspace, all or nothing."""
    info = result.summary_dict()
    summary = {"items": info["items"], "ours": info["simulation"]["ours"], "baseline": info["simulation"]["baseline"],
               "plan": info["plan"]}
    return workspace.save_run(RUN_KIND, dataset, result.settings.to_dict(), summary, result.to_frames())


def load_run(workspace: Workspace, run_id: int) -> ReplenishmentResult:
    """Reopen a stored run."""
    info = workspace.get_run(run_id)
    return ReplenishmentResult.from_frames({name: workspace.load_run_table(run_id, name) for name in info.tables})


def headline(result: ReplenishmentResult) -> str:
    """One sentence: what our policy delivered against the target and the spreadsheet, and the stock it took."""
    from retail.inventory.registry import POLICIES

    terms = result.settings.terms
    measure = "achieved_csl" if terms["service_measure"] == CYCLE else "fill_rate"
    words = "of order cycles without running out" if terms["service_measure"] == CYCLE else "of demanded units sold"
    mine, base = result.simulation[ours()], result.simulation[baseline()]
    span = " to ".join(f"{pd.Timestamp(day):%d %b %Y}" for day in (result.simulate_from, result.simulate_to))
    text = (f"Replaying {span}, the {POLICIES.label(ours())} policy asked for "
            f"{terms['service_level']:.0%} delivered {mine[measure]:.1%} {words} with {mine['days_of_cover']:.1f} days "
            f"of stock; the {POLICIES.label(baseline())} delivered {base[measure]:.1%} with "
            f"{base['days_of_cover']:.1f} days")
    saving = result.comparison.get("stock_saving")
    if saving is not None and measure == "achieved_csl":
        text += f". At the spreadsheet's service, ours needs {abs(saving):.0%} {'less' if saving >= 0 else 'more'} stock"
    return text + "."
