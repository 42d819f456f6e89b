"""The workspace as one person may use it: every change checks their role and lands in the audit log.

Pages and the command line get a :class:`GuardedWorkspace` for the acting person instead of the
bare :class:`~retail.data.workspace.Workspace`; the domain functions they call (``save_run``,
``save_campaign``...) take it unchanged. Reading is open to every role; anything else a role may
not do raises :class:`PermissionError`, so hiding a button is a courtesy, not the protection.
A method the guard does not know is refused too (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from retail.access import audit, privacy, retention
from retail.access.roles import Actor
from retail.data.trash import TrashItem
from retail.data.validation import ValidationReport
from retail.data.workspace import DatasetInfo, RunInfo, Workspace

# Reading the workspace: open to everyone who may open the pages.
READS = frozenset({"list_datasets", "get", "load", "currency_of", "preferences", "list_runs", "get_run",
                   "load_run_table", "load_run_tables", "list_trash", "path", "home"})
RUN_ACTIONS = {"forecast": "forecast run"}  # other run kinds are logged as "analysis run"


class GuardedWorkspace:
    """``workspace`` acting for ``actor``: their role is checked before each change, which is logged."""

    def __init__(self, workspace: Workspace, actor: Actor) -> None:
        self.workspace = workspace
        self.actor = actor

    def __getattr__(self, name: str) -> Any:
        if name in READS:
            return getattr(self.workspace, name)
        raise AttributeError(f"{name!r} is not available through the access check.")

    def require(self, action: str) -> None:
        """Refuse (PermissionError) unless the actor's role allows ``action``."""
        self.actor.require(action)

    def may(self, action: str) -> bool:
        return self.actor.may(action)

    def log(self, action: str, dataset: str = "", detail: str = "") -> None:
        audit.record(self.workspace, self.actor, action, dataset, detail)

    # -- datasets -----------------------------------------------------------------------------
    def save_dataset(self, name: str, frame: pd.DataFrame, report: ValidationReport, replace: bool = False,
                     is_sample: bool = False) -> DatasetInfo:
        self.require("upload")
        replaced = replace and any(d.name == name.strip() for d in self.workspace.list_datasets())
        info = self.workspace.save_dataset(name, frame, report, replace=replace, is_sample=is_sample,
                                           by=self.actor.name)
        self.log("replace" if replaced else "upload", info.name, f"{info.rows:,} rows from {report.source}")
        return info

    def commit(self, write: Callable[[Workspace, Any], list[tuple[str, str]]], actions: tuple[str, ...],
               dataset: str) -> None:
        """Several writes in one transaction (``write(workspace, cursor)``, e.g. a refresh's new rows and its
        runs), refused before anything is written unless the role allows every one of ``actions``; the
        ``(action, detail)`` pairs ``write`` returns go to the audit log once the transaction has landed."""
        for action in actions:
            self.require(action)
        with self.workspace.transaction() as con:
            entries = write(self.workspace, con)
        for action, detail in entries:
            self.log(action, dataset, detail)

    def rename(self, old: str, new: str) -> DatasetInfo:
        self.require("upload")
        info = self.workspace.rename(old, new)
        self.log("rename", info.name, f"was {old}")
        return info

    def delete(self, name: str) -> None:
        self.require("delete")
        info = self.workspace.get(name)
        self.workspace.delete(name, by=self.actor.name)
        self.log("delete", name, f"{info.rows:,} rows, in the trash for restoring")

    def restore(self, name: str, trash_id: int | None = None, new_name: str | None = None) -> DatasetInfo:
        self.require("restore")
        info = self.workspace.restore(name, trash_id, new_name)
        self.log("restore", info.name, f"{info.rows:,} rows" + (f", was {name}" if info.name != name else ""))
        return info

    def empty_trash(self) -> list[str]:
        self.require("empty_trash")
        names = self.workspace.empty_trash()
        self.log("empty trash", "", ", ".join(names) or "the trash was empty")
        return names

    def trash(self) -> list[TrashItem]:
        return self.workspace.list_trash()

    # -- settings and runs --------------------------------------------------------------------
    def save_preferences(self, dataset: str, scope: str, settings: dict[str, Any]) -> None:
        self.require("settings")
        self.workspace.save_preferences(dataset, scope, settings)

    def save_run(self, kind: str, dataset: str, settings: dict[str, Any], summary: dict[str, Any],
                 tables: dict[str, pd.DataFrame]) -> RunInfo:
        adjusting = bool(settings.get("based_on"))  # a planner's new version of a run (retail.planning.versions)
        self.require("adjust" if adjusting else "analyse")
        run = self.workspace.save_run(kind, dataset, settings, summary, tables)
        if adjusting:
            self.log("forecast adjusted", dataset, f"run {run.id}: {summary.get('adjusted', '')}")
        else:
            self.log(RUN_ACTIONS.get(kind, "analysis run"), dataset, _run_words(run))
        return run

    def delete_run(self, run_id: int) -> None:
        self.require("delete")
        run = self.workspace.get_run(run_id)
        self.workspace.delete_run(run_id)
        self.log("delete run", run.dataset, _run_words(run))

    # -- exports ------------------------------------------------------------------------------
    def export(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` as this workspace exports it (customers pseudonymised when so chosen)."""
        self.require("export")
        return privacy.for_export(self.workspace, frame)

    def pseudonymises_exports(self) -> bool:
        return privacy.pseudonymise_exports(self.workspace)

    def record_export(self, dataset: str, file_name: str, campaign: bool = False) -> None:
        """Log a download (called when the person clicks it)."""
        self.require("export")
        self.log("campaign export" if campaign else "export", dataset, file_name)

    # -- admin --------------------------------------------------------------------------------
    def audit_log(self, action: str | None = None, since: pd.Timestamp | None = None,
                  limit: int | None = None) -> pd.DataFrame:
        self.require("audit")
        return audit.read(self.workspace, action, since, limit)

    def forget_customer(self, customer_id: Any) -> privacy.Erasure:
        """Erase one customer; the audit log says what was removed, never whose data it was."""
        self.require("privacy")
        erasure = privacy.forget_customer(self.workspace, customer_id)
        self.log("forget customer", "", erasure.describe())
        return erasure

    def apply_retention(self, months: int, as_of: pd.Timestamp | None = None) -> list[retention.Retained]:
        self.require("privacy")
        done = retention.apply_retention(self.workspace, months, as_of)
        privacy.bump_revision(self.workspace)
        detail = "; ".join(f"{d.dataset}: {d.rows_before:,} rows into {d.rows_after:,}" for d in done)
        self.log("retention", "", f"detail older than {months} months rolled up. {detail or 'Nothing was older.'}")
        return done

    def set_pseudonymise_exports(self, on: bool) -> None:
        self.require("privacy")
        privacy.set_pseudonymise_exports(self.workspace, on)
        self.log("privacy setting", "", "exports show customers by pseudonym" if on else "exports show customer ids")


def _run_words(run: RunInfo) -> str:
    """A run as its page names it ("forecast run 1", numbered per dataset and page), with the workspace's id
    (what the command line takes) when that differs."""
    return f"{run.kind} run {run.number}" + (f" (id {run.id})" if run.number != run.id else "")
