"""The audit log: who (or "local user"), when, what and on which dataset, kept in the workspace.

Entries are only added (no function here changes or removes one). Details never carry a customer's
id: an erasure is logged by its counts alone.
"""

from __future__ import annotations

import pandas as pd

from retail.access import store
from retail.access.roles import AUDIT_ACTIONS as ACTIONS  # noqa: F401 - public here too
from retail.access.roles import Actor
from retail.data.safety import neutralise_frame
from retail.data.trash import now
from retail.data.workspace import Workspace

COLUMNS = ["at", "actor", "role", "action", "dataset", "detail"]
HEADERS = {"at": "when (UTC)", "actor": "who", "role": "role", "action": "what", "dataset": "dataset",
           "detail": "detail"}


def record(workspace: Workspace, actor: Actor | str, action: str, dataset: str = "", detail: str = "") -> None:
    """Add one entry (``actor`` a person, or a name for someone not signed in, e.g. a failed sign-in)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}.")
    name, role = (actor.name, actor.role) if isinstance(actor, Actor) else (str(actor), "")
    with store.cursor(workspace) as con:
        con.execute("INSERT INTO audit_log (id, happened_at, actor, role, action, dataset, detail) "
                    "VALUES (nextval('audit_ids'), ?, ?, ?, ?, ?, ?)",
                    [now(), name[:200], role, action, (dataset or "")[:200], (detail or "")[:1000]])


def read(workspace: Workspace, action: str | None = None, since: pd.Timestamp | None = None,
         limit: int | None = None) -> pd.DataFrame:
    """Entries, newest first (``action`` and ``since`` filter them)."""
    sql, params = "SELECT happened_at, actor, role, action, dataset, detail FROM audit_log WHERE 1=1", []
    if action:
        sql, params = sql + " AND action = ?", [*params, action]
    if since is not None:
        sql, params = sql + " AND happened_at >= ?", [*params, pd.Timestamp(since)]
    sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
    with store.cursor(workspace) as con:
        frame = workspace.backend.read(con, sql, params)
    frame = frame.rename(columns={"happened_at": "at"})  # AT is a keyword of DuckDB's SQL
    frame["at"] = pd.to_datetime(frame["at"])
    return frame[COLUMNS]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The log as CSV with plain headers, safe to open in a spreadsheet (no formula runs)."""
    shown = frame.assign(at=frame["at"].dt.strftime("%Y-%m-%d %H:%M:%S")).rename(columns=HEADERS)
    return neutralise_frame(shown).to_csv(index=False).encode("utf-8")
