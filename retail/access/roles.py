"""Roles and what each may do; the acting person (:class:`Actor`) and the check every change goes through.

Each role may do everything the one before it may: a *viewer* opens pages and downloads exports,
an *analyst* also adds data and runs analyses, an *admin* also deletes, manages people and reads
the audit log. With no sign-in configured the one person at the keyboard is the *local user*, an
admin (``$RETAIL_LOCAL_ROLE`` lowers that, e.g. for a shared kiosk).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
LOCAL_NAME = "local user"


@dataclass(frozen=True)
class Role:
    """A role: its name, the words a person reads, and its rank (each rank includes the ones below)."""

    name: str
    label: str
    description: str
    rank: int


ROLES: dict[str, Role] = {role.name: role for role in (
    Role(VIEWER, "Viewer", "Opens every page and downloads exports.", 0),
    Role(ANALYST, "Analyst", "Also adds and replaces datasets, runs forecasts and other analyses, saves "
         "campaigns and restores datasets from the trash.", 1),
    Role(ADMIN, "Admin", "Also deletes datasets and saved runs, empties the trash, reads the audit log, "
         "manages people and customers' personal data.", 2),
)}

# action -> (the lowest role allowed, what it is in plain words, for the refusal)
ACTIONS: dict[str, tuple[str, str]] = {
    "view": (VIEWER, "open the pages"),
    "export": (VIEWER, "download exports"),
    "upload": (ANALYST, "add, replace or rename datasets"),
    "analyse": (ANALYST, "run and save forecasts, plans and campaigns"),
    "settings": (ANALYST, "keep settings for a dataset"),
    "restore": (ANALYST, "restore a dataset from the trash"),
    "delete": (ADMIN, "delete datasets or saved runs"),
    "empty_trash": (ADMIN, "empty the trash"),
    "audit": (ADMIN, "read the audit log"),
    "users": (ADMIN, "manage who may sign in"),
    "privacy": (ADMIN, "forget a customer, apply retention or change how customers appear in exports"),
}

# audit log entries -> what each means in plain words (kept here, light, for the command line's choices)
AUDIT_ACTIONS: dict[str, str] = {
    "upload": "added a dataset",
    "replace": "replaced a dataset (the old one went to the trash)",
    "append": "added new sales to a dataset (the version before went to the trash)",
    "refresh": "refreshed a dataset: new sales, forecast, order plan and exceptions in one go",
    "rename": "renamed a dataset",
    "delete": "deleted a dataset (to the trash)",
    "restore": "restored a dataset from the trash",
    "empty trash": "emptied the trash for good",
    "delete run": "deleted a saved run",
    "export": "downloaded an export",
    "forecast run": "ran and saved a forecast",
    "analysis run": "ran and saved an analysis",
    "campaign export": "downloaded a campaign list",
    "sign-in": "signed in",
    "sign-in failed": "a sign-in was refused (wrong name or password)",
    "sign-in refused": "a sign-in was refused unchecked (too many failures)",
    "forget customer": "erased one customer's data",
    "retention": "dropped old line-item detail",
    "users": "changed who may sign in",
    "privacy setting": "changed how customers appear in exports",
}


def check_role(role: str) -> str:
    """``role`` when it is one of :data:`ROLES`, else a ``ValueError`` naming them."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return role


def local_role() -> str:
    """The local user's role (no sign-in: the person at the keyboard): ``$RETAIL_LOCAL_ROLE``, default admin."""
    return check_role(os.environ.get("RETAIL_LOCAL_ROLE", "").strip() or ADMIN)


@dataclass(frozen=True)
class Actor:
    """Who acts: a name for the audit log, a role, and how they signed in (local, password, sso)."""

    name: str
    role: str
    how: str = "local"

    def __post_init__(self) -> None:
        check_role(self.role)

    def may(self, action: str) -> bool:
        """Whether this person's role allows ``action`` (a key of :data:`ACTIONS`)."""
        return ROLES[self.role].rank >= ROLES[ACTIONS[action][0]].rank

    def require(self, action: str) -> None:
        """Raise a plain :class:`PermissionError` unless the role allows ``action``."""
        if not self.may(action):
            lowest = ROLES[ACTIONS[action][0]].label.lower()
            raise PermissionError(f"{self.name} signed in as {ROLES[self.role].label.lower()} may not "
                                  f"{ACTIONS[action][1]}; that needs the {lowest} role (ask an admin).")


def local_actor() -> Actor:
    """The person at the keyboard when nobody signs in (the command line, a laptop)."""
    return Actor(LOCAL_NAME, local_role(), "local")
