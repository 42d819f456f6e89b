"""The person acting in this browser session (one helper every page's workspace goes through).

With no sign-in configured (no account in the access file, no ``[auth]`` in secrets.toml) it is
the local user, as on a laptop, but only while the server listens on this machine alone; otherwise
whoever signed in (:mod:`ui.signin`), and nobody until then.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from retail.access import users
from retail.access.guard import GuardedWorkspace
from retail.access.network import loopback_only
from retail.access.roles import Actor, local_actor

SIGNED_IN_KEY = "signed_in_actor"


def sso_ready() -> bool:
    """Whether Streamlit's single sign-on (``[auth]`` in secrets.toml) is configured."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def sign_in_required() -> bool:
    """Whether anyone must sign in before seeing a page (re-read each run: add-user takes effect at once)."""
    return bool(users.load().users) or sso_ready()


def exposed() -> bool:
    """Whether this server can be opened from beyond this machine (see :mod:`retail.access.network`)."""
    return not loopback_only(st.get_option("server.address"))


def sso_signed_in() -> bool:
    """Whether the identity provider has signed this browser in (``st.user`` read only when configured)."""
    return sso_ready() and bool(st.user.get("is_logged_in", False))


def sso_actor() -> Actor | None:
    """The person the identity provider signed in, with the role the access file gives them (None: not let in)."""
    if not sso_signed_in():
        return None
    if st.user.get("email_verified") is False:  # an address the provider has not checked names nobody
        return None
    email = str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "")
    role = users.load().sso_role(email)
    return Actor(email or "unnamed account", role, "sso") if role else None


def acting_user() -> Actor:
    """Who acts in this session; ``PermissionError`` when sign-in is required and nobody signed in, and
    when nobody can sign in on a server open to the network (nobody is the local user there)."""
    if not sign_in_required():
        if exposed():
            raise PermissionError("This dashboard is open to the network without sign-in.")
        return local_actor()
    actor = st.session_state.get(SIGNED_IN_KEY) or sso_actor()
    if actor is None:
        raise PermissionError("Sign in first.")
    return actor


def deferred_export(build: Callable[[GuardedWorkspace], bytes], file_name: str, dataset: str,
                    campaign: bool = False) -> Callable[[], bytes]:
    """A download button's ``data=`` built only when clicked, and logged only once built.

    Streamlit runs a deferred download in a server thread, outside the session: there is no session
    state there, so nobody is signed in (a report failed with "Sign in first."). The callable is bound
    now to this session's guarded workspace, which ``build`` receives (to read runs, say); the export
    goes to the audit log after ``build`` returned the file, never for one that failed.
    """
    from ui.data import workspace

    bound = workspace()
    bound.require("export")

    def built() -> bytes:
        data = build(bound)
        bound.record_export(dataset, file_name, campaign)
        return data

    return built
