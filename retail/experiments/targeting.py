"""The targeting list: the customers to contact next, best first by the chosen model, with the extra
outcomes and revenue the held-out measurement expects from contacting them; exported like the
campaign lists (formula-safe CSV and Excel) and kept in the workspace (a run of kind ``targeting``)
so the Customers page's campaign builder can use it as a filter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from retail import exports
from retail.data.workspace import RunInfo, Workspace
from retail.experiments.evaluation import UpliftComparison
from retail.experiments.features import FeatureEncoder
from retail.experiments.registry import UPLIFT_MODELS
from retail.experiments.results import CampaignData
from retail.formatting import percent

RUN_KIND = "targeting"
SCORE = "targeting_score"
PREDICTED = "predicted_extra_chance"
HEADERS = {"customer_id": "customer", "rank": "rank", "segment": "segment", SCORE: "targeting score",
           PREDICTED: "predicted extra chance"}


def targeting_list(data: CampaignData, comparison: UpliftComparison, model: str | None = None, share: float = 0.3,
                   params: dict[str, Any] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The top ``share`` of the campaign's customers by ``model`` (default: the comparison's best),
    fitted on every customer of the comparison; and its headline.

    The headline's expected extra outcomes and revenue are the *measured* uplift among the top
    ``share`` on the held-out parts, times the list's size (not the model's own optimism).
    """
    model = model or comparison.best
    if not 0.0 < share <= 1.0:
        raise ValueError(f"The list's share of customers must be above 0 and at most 1; got {share}.")
    spec = UPLIFT_MODELS.get(model)
    chosen = {**comparison.params.get(model, {}), **(params or {})}
    frame = data.compared()
    encoder = FeatureEncoder(data.features).fit(frame)
    fitted = spec.build(**chosen).fit(encoder.transform(frame), data.treated(frame), frame[data.columns.outcome])
    scores = pd.Series(fitted.predict(encoder.transform(data.frame)), index=data.frame.index)
    per_customer = scores.groupby(data.frame[data.customer].astype(str).to_numpy(), sort=False).mean()
    table = pd.DataFrame({"customer_id": per_customer.index, SCORE: per_customer.to_numpy()})
    if data.columns.segment:
        segments = data.frame.groupby(data.frame[data.customer].astype(str).to_numpy(), sort=False)[
            data.columns.segment].first()
        table.insert(1, "segment", segments.reindex(table["customer_id"]).to_numpy())
    if fitted.estimates_uplift:
        table[PREDICTED] = table[SCORE]
    table = table.sort_values([SCORE, "customer_id"], ascending=[False, True], ignore_index=True)
    table = table.head(max(1, int(round(len(table) * share))))
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table, _headline(comparison, model, share, table)


def _headline(comparison: UpliftComparison, model: str, share: float, table: pd.DataFrame) -> dict[str, Any]:
    measured = comparison.expected(model, share)
    spend = measured["spend_uplift"]
    return {"model": model, "label": UPLIFT_MODELS.label(model), "share": share, "customers": len(table),
            "outcome": comparison.outcome, "measured_uplift": measured["uplift"],
            "expected_extra_outcomes": measured["uplift"] * len(table),
            "expected_extra_revenue": None if spend is None else spend * len(table)}


def readable(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={c: HEADERS.get(c, c) for c in table.columns})


def _sheet(table: pd.DataFrame) -> exports.Sheet:
    return exports.Sheet(table, headers=HEADERS)


def headline_rows(headline: dict[str, Any]) -> list[tuple[str, Any]]:
    """The list's headline in words (the Excel file's settings sheet)."""
    extra = headline.get("expected_extra_revenue")
    return [("Targeting model", headline["label"]), ("Share of the customers", percent(headline["share"])),
            ("Customers on the list", headline["customers"]), ("Outcome", headline["outcome"]),
            ("Uplift measured on held-out customers", percent(headline["measured_uplift"], 1, signed=True)),
            ("Expected extra responses", round(headline["expected_extra_outcomes"])),
            ("Expected extra revenue", "unknown" if extra is None else round(extra, 2))]


def to_csv(table: pd.DataFrame) -> bytes:
    """The list as CSV: plain headers, rounded scores and chances, every text cell safe from spreadsheet formulas."""
    return exports.csv_bytes(_sheet(table))


def to_excel(table: pd.DataFrame, headline: dict[str, Any], currency_code: str | None) -> bytes:
    """Sheets ``targets`` (the list) and ``settings`` (the model, the share, what it is expected to bring)."""
    return exports.workbook({"targets": _sheet(table), "settings": exports.settings_sheet(headline_rows(headline))},
                            currency_code)


def save_targeting(workspace: Workspace, dataset: str, name: str, table: pd.DataFrame,
                   headline: dict[str, Any]) -> RunInfo:
    """Keep the list (linked to the sales dataset ``dataset``) for the campaign builder."""
    text = [c for c in table.columns if table[c].dtype == object]
    clean = table.astype(dict.fromkeys(text, "string"))
    return workspace.save_run(RUN_KIND, dataset, {"name": name, **headline}, {"name": name, **headline},
                              {"targets": clean})


def saved_targeting(workspace: Workspace, dataset: str | None = None) -> list[RunInfo]:
    return workspace.list_runs(RUN_KIND, dataset)


def targeted_customers(workspace: Workspace, run_id: int) -> tuple[str, ...]:
    """The customer ids of a saved targeting list (for a campaign's audience filter)."""
    info = workspace.get_run(run_id)
    if info.kind != RUN_KIND:
        raise ValueError(f"Run {run_id} is a {info.kind} run, not a targeting list.")
    return tuple(workspace.load_run_table(run_id, "targets")["customer_id"].astype(str))
