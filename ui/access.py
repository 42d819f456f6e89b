"""The person acting in this browser session (one helper every page's workspace goes through).

With no sign-in configured (no account in the access file, no ``[auth]`` in secrets.toml) it is
the local user, as on a laptop; otherwise whoever signed in (:mod:`ui.signin`), and nobody until then.
"""

from __future__ import annotations

import streamlit as st

from retail.access import users
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
    """Who acts in this session; ``PermissionError`` when sign-in is required and nobody signed in."""
    if not sign_in_required():
        return local_actor()
    actor = st.session_state.get(SIGNED_IN_KEY) or sso_actor()
    if actor is None:
        raise PermissionError("Sign in first.")
    return actor
