"""Campaign results in the workspace: a run of kind ``campaign_results`` per stored file (settings:
its name, columns and notes; summary: rows and arms; one table of typed rows), linked to the sales
dataset whose customers it contacted. Runs work on both workspace backends (DuckDB and PostgreSQL)
without a table of their own, and follow their dataset when it is renamed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from retail.data.workspace import DatasetNotFound, RunInfo, Workspace
from retail.experiments.results import ROW_ID, CampaignColumns, CampaignData, campaign_from_frame, read_campaign

RUN_KIND = "campaign_results"
DEMO_FILE = Path(__file__).resolve().parents[2] / "sample_data" / "demo_campaign.csv"


def demo_file() -> Path:
    """The demo campaign: a synthetic randomised test sent to the bundled sample's customers
    (``benchmarks/experiments_synthetic.py --demo`` wrote it)."""
    return DEMO_FILE


def stored_results(workspace: Workspace, dataset: str | None = None) -> list[RunInfo]:
    """Stored campaign results (newest first); ``dataset``: only those linked to that sales dataset."""
    return workspace.list_runs(RUN_KIND, dataset)


def find_results(workspace: Workspace, name: str) -> RunInfo | None:
    return next((run for run in stored_results(workspace) if run.settings.get("name") == name), None)


def save_results(workspace: Workspace, name: str, data: CampaignData, dataset: str = "",
                 replace_existing: bool = False) -> RunInfo:
    """Keep campaign results under ``name`` (linked to the sales dataset ``dataset``, if any)."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the campaign results a name.")
    existing = find_results(workspace, name)
    if existing is not None and not replace_existing:
        raise ValueError(f"Campaign results named {name!r} exist already; choose another name or replace them.")
    frame = data.frame.drop(columns=[ROW_ID])
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame = frame.astype(dict.fromkeys(text, "string"))  # a column of only empty cells still has a type
    settings = {"name": name, "source": data.source, "columns": data.columns.to_dict(), "outcomes": data.outcomes,
                "features": data.features, "notes": data.notes}
    arms = data.frame[data.columns.arm].value_counts()
    summary = {"name": name, "rows": len(frame), "arms": {str(k): int(v) for k, v in arms.items()},
               "outcome": data.columns.outcome}
    run = workspace.save_run(RUN_KIND, dataset, settings, summary, {"results": frame})
    if existing is not None:
        workspace.delete_run(existing.id)
    return run


def load_results(workspace: Workspace, name_or_id: str | int) -> tuple[RunInfo, CampaignData]:
    """Stored campaign results by name (or run id), typed again from the stored table."""
    run = workspace.get_run(int(name_or_id)) if isinstance(name_or_id, int) else find_results(workspace, name_or_id)
    if run is None or run.kind != RUN_KIND:
        raise DatasetNotFound(f"There are no campaign results named {name_or_id!r} in the workspace "
                              f"({workspace.path}), and no such file.")
    frame = workspace.load_run_table(run.id, "results")
    settings = run.settings
    columns = CampaignColumns.from_dict(settings["columns"])
    for column in frame.columns:
        if frame[column].dtype == object and column not in (columns.send_date,):
            frame[column] = frame[column].where(frame[column].notna(), None)
    frame[ROW_ID] = np.arange(len(frame)).astype(str)
    if columns.send_date:
        frame[columns.send_date] = pd.to_datetime(frame[columns.send_date])
    data = CampaignData(frame, columns, list(settings["outcomes"]), list(settings["features"]),
                        settings.get("source", ""), list(settings.get("notes", [])))
    return run, data


def load_campaign_source(source: str, columns: CampaignColumns | None = None, workspace: Workspace | None = None,
                         need_control: bool = True) -> CampaignData:
    """A results file, or stored results by name (then ``columns`` may choose another outcome,
    control or treatment among the stored columns)."""
    if Path(source).is_file():
        return read_campaign(source, columns, need_control=need_control)
    _, data = load_results(workspace or Workspace(), source)
    given = {k: v for k, v in (columns or CampaignColumns()).to_dict().items() if v is not None}
    if not given:
        return data
    base = data.frame.drop(columns=[ROW_ID])
    merged = CampaignColumns.from_dict(data.columns.to_dict() | given)
    return campaign_from_frame(base, replace(merged, features=merged.features or tuple(data.features)), data.source,
                               need_control=need_control)
