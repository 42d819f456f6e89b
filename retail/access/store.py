"""The access domain's workspace tables on either backend: the audit log, workspace settings
(the pseudonym key, whether exports pseudonymise customers, the erasure revision) and the sign-in
attempts of the last day (:mod:`retail.access.signin`).

Tables are created on first use (``CREATE ... IF NOT EXISTS`` both backends take), so an existing
workspace gains them without a migration step.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from retail.data.workspace import Workspace

SCHEMA_SQL = (
    "CREATE SEQUENCE IF NOT EXISTS audit_ids START 1",
    "CREATE TABLE IF NOT EXISTS audit_log (id BIGINT PRIMARY KEY, happened_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, "
    "role VARCHAR, action VARCHAR NOT NULL, dataset VARCHAR, detail VARCHAR)",
    "CREATE TABLE IF NOT EXISTS workspace_settings (name VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE SEQUENCE IF NOT EXISTS sign_in_ids START 1",
    "CREATE TABLE IF NOT EXISTS sign_in_attempts (id BIGINT PRIMARY KEY, tried_at TIMESTAMP NOT NULL, name VARCHAR NOT NULL, "
    "client VARCHAR NOT NULL, outcome VARCHAR NOT NULL)",
)


_ready: set[str] = set()  # workspaces whose tables this process has made sure of
_creating = threading.Lock()  # two sessions' first calls at once: DuckDB refuses concurrent CREATEs


@contextmanager
def cursor(workspace: Workspace) -> Iterator[Any]:
    """A cursor on ``workspace`` with the access tables in place (created once per process)."""
    with workspace.connection() as con:
        if workspace.path not in _ready:
            with _creating:
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
