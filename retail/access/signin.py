"""Password sign-in that cannot be raced: every attempt is written down *before* the slow argon2
check, and counted against three limits.

An attempt is a row of ``sign_in_attempts`` (who, from which client, when, and how it ended:
pending, failed, ok, refused), in the workspace, so every app process sees the same counts. An
attempt is refused, without checking its password, when the other attempts of the last
:data:`LOCK_MINUTES` minutes that failed or are still being checked reach a limit:

- :data:`PER_NAME_AND_CLIENT` for this name from this client (someone guessing a password; a
  colleague signing in from another machine is not locked out by it),
- :data:`PER_CLIENT` from this client, whatever the names (someone trying many names),
- :data:`PER_NAME` for this name from every client together (guessing spread over machines).

Because an attempt is counted as soon as it starts, attempts sent all at once cannot all be checked:
whichever counts last sees the others (12 parallel attempts, the limit 5: at most 5 are checked).
Every refusal is in the audit log with the client; a password is never written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from retail.access import audit, store, users
from retail.access.roles import Actor
from retail.data.trash import now
from retail.data.workspace import Workspace

LOCK_MINUTES = 15
PER_NAME_AND_CLIENT, PER_CLIENT, PER_NAME = 5, 20, 50
KEEP_HOURS = 24  # attempts older than this are dropped (a client's address is personal data too)
LOCAL_CLIENT = "this machine"

class SignInRefused(Exception):
    """A sign-in that did not let the person in; the message is what they read."""


@dataclass(frozen=True)
class Attempt:
    id: int
    name: str
    client: str


def sign_in(workspace: Workspace, name: str, password: str, client: str | None,
            path: Path | None = None) -> Actor:
    """The person, when ``password`` is right for ``name`` and no limit is reached; otherwise
    :class:`SignInRefused` with a plain sentence (never saying whether the name exists).

    ``client`` is the browser's address (None: this machine); ``path`` the access file.
    """
    attempt = _begin(workspace, (name or "").strip()[:64], (client or LOCAL_CLIENT)[:100])
    limit = _limit_reached(workspace, attempt)
    if limit:
        _finish(workspace, attempt, "refused")
        audit.record(workspace, attempt.name or "(no name)", "sign-in refused",
                     detail=f"{limit}, from {attempt.client}; the password was not checked")
        raise SignInRefused(f"Too many failed sign-ins: try again in {LOCK_MINUTES} minutes.")
    try:
        actor = users.verify(attempt.name, password, path)
    except BaseException:
        _finish(workspace, attempt, "failed")
        raise
    if actor is None:
        _finish(workspace, attempt, "failed")
        audit.record(workspace, attempt.name or "(no name)", "sign-in failed",
                     detail=f"wrong name or password, from {attempt.client}")
        raise SignInRefused("Wrong name or password.")
    _finish(workspace, attempt, "ok")
    audit.record(workspace, actor, "sign-in", detail=f"password, from {attempt.client}")
    return actor


def _begin(workspace: Workspace, name: str, client: str) -> Attempt:
    """Write the attempt down (pending) before anything is checked; drop attempts older than a day."""
    with store.cursor(workspace) as con:
        con.execute("DELETE FROM sign_in_attempts WHERE tried_at < ?", [now() - pd.Timedelta(hours=KEEP_HOURS)])
        row = con.execute("INSERT INTO sign_in_attempts (id, tried_at, name, client, outcome) VALUES "
                          "(nextval('sign_in_ids'), ?, ?, ?, 'pending') RETURNING id", [now(), name, client]).fetchone()
    return Attempt(int(row[0]), name, client)


def _limit_reached(workspace: Workspace, attempt: Attempt) -> str | None:
    """Which limit the *other* failed or pending attempts of the window reach (None: none)."""
    with store.cursor(workspace) as con:
        both, client, name = con.execute(
            "SELECT count(*) FILTER (WHERE name = ? AND client = ?), count(*) FILTER (WHERE client = ?), "
            "count(*) FILTER (WHERE name = ?) FROM sign_in_attempts "
            "WHERE id <> ? AND tried_at >= ? AND outcome IN ('pending', 'failed')",
            [attempt.name, attempt.client, attempt.client, attempt.name, attempt.id,
             now() - pd.Timedelta(minutes=LOCK_MINUTES)]).fetchone()
    if both >= PER_NAME_AND_CLIENT:
        return f"{both} failed sign-ins for this name from this client in {LOCK_MINUTES} minutes"
    if client >= PER_CLIENT:
        return f"{client} failed sign-ins from this client in {LOCK_MINUTES} minutes"
    if name >= PER_NAME:
        return f"{name} failed sign-ins for this name in {LOCK_MINUTES} minutes"
    return None


def _finish(workspace: Workspace, attempt: Attempt, outcome: str) -> None:
    with store.cursor(workspace) as con:
        con.execute("UPDATE sign_in_attempts SET outcome = ? WHERE id = ?", [outcome, attempt.id])
