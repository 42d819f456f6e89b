"""The access domain's workspace tables on either backend: the audit log and workspace settings
(the pseudonym key, whether exports pseudonymise customers, the erasure revision).

Tables are created on first use (``CREATE ... IF NOT EXISTS`` both backends take), so an existing
workspace gains them without a migration step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from retail.data.workspace import Workspace

SCHEMA_SQL = (
    "CREATE SEQUENCE IF NOT EXISTS audit_ids START 1",
    "CREATE TABLE IF NOT EXISTS audit_log (id BIGINT PRIMARY KEY, happened_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, "
    "role VARCHAR, action VARCHAR NOT NULL, dataset VARCHAR, detail VARCHAR)",
    "CREATE TABLE IF NOT EXISTS workspace_settings (name VARCHAR PRIMARY KEY, value VARCHAR)",
)


_ready: set[str] = set()  # workspaces whose tables this process has made sure of


@contextmanager
def cursor(workspace: Workspace) -> Iterator[Any]:
    """A cursor on ``workspace`` with the access tables in place (created once per process)."""
    with workspace.connection() as con:
        if workspace.path not in _ready:
            for statement in SCHEMA_SQL:
                con.execute(statement)
            _ready.add(workspace.path)
        yield con


def get_setting(workspace: Workspace, name: str, default: str | None = None) -> str | None:
    with cursor(workspace) as con:
        row = con.execute("SELECT value FROM workspace_settings WHERE name = ?", [name]).fetchone()
    return row[0] if row else default


def set_setting(workspace: Workspace, name: str, value: str) -> None:
    with cursor(workspace) as con:
        con.execute("INSERT INTO workspace_settings (name, value) VALUES (?, ?) ON CONFLICT (name) "
                    "DO UPDATE SET value = excluded.value", [name, value])


def setting_once(workspace: Workspace, name: str, make: str) -> str:
    """The setting ``name``, set to ``make`` by whichever process asks first (never overwritten)."""
    with cursor(workspace) as con:
        con.execute("INSERT INTO workspace_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                    [name, make])
        return con.execute("SELECT value FROM workspace_settings WHERE name = ?", [name]).fetchone()[0]
