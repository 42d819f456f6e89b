"""The sign-in gate: who is admitted (:func:`admitted`, asked before app.py declares its navigation),
the one page there is until then (:func:`gate_page`: a form for local accounts, a button for single
sign-on, or why a server open to the network without sign-in shows nothing), the person's name and
a sign-out button in the sidebar, and the refusal shown for a role's limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from retail.access import audit, signin, users
from retail.access.roles import ROLES, Actor
from ui.access import SIGNED_IN_KEY, acting_user, exposed, sign_in_required, sso_ready, sso_signed_in
from ui.data import raw_workspace

SERVE_HINT = ("This dashboard is open to the network without sign-in. Create an account with "
              "`python -m retail add-user NAME --role admin` (or set up single sign-on), then reload this page.")


def _check_password(name: str, password: str) -> Actor | None:
    """Verify, counted before the check against the limits of :mod:`retail.access.signin` (per name and
    browser address, per address, per name); each failure and refusal is logged."""
    address = st.context.ip_address  # None on this machine (and not a text under AppTest)
    try:
        return signin.sign_in(raw_workspace(), name, password, address if isinstance(address, str) else None)
    except signin.SignInRefused as refused:
        st.error(str(refused))
        return None


def _sign_in_page() -> None:
    st.title("Sign in")
    st.caption("This retail dashboard holds sales and customers' purchases: sign in to open it.")
    if users.load().users:
        with st.form("sign_in"):
            name = st.text_input("Name", key="sign_in_name", max_chars=64)
            password = st.text_input("Password", type="password", key="sign_in_password",
                                     max_chars=users.MAX_PASSWORD_CHARS)
            if st.form_submit_button("Sign in", type="primary") and (actor := _check_password(name, password)):
                st.session_state[SIGNED_IN_KEY] = actor
                st.rerun()
    if sso_ready():
        if sso_signed_in():  # the identity provider knows them, the access file does not let them in
            st.error("Your account is not allowed here: ask an admin to add it.")
            st.button("Sign out", key="sso_sign_out", on_click=st.logout)
        else:
            st.button("Sign in with your company account", key="sso_sign_in", on_click=st.login)


def _sign_out(how: str) -> None:
    """Forget this session's password sign-in, or sign out of the identity provider too. A button
    callback: st.logout()'s redirect must not be cut short by a rerun (it was, now and then)."""
    if st.session_state.pop(SIGNED_IN_KEY, None) is None and how == "sso":
        st.logout()


def _sidebar(actor: Actor) -> None:
    st.sidebar.caption(f"Signed in as **{actor.name}** ({ROLES[actor.role].label.lower()})")
    st.sidebar.button("Sign out", key="sign_out", on_click=_sign_out, args=(actor.how,))


def admitted() -> Actor | None:
    """Who may open the pages in this session, or None while nobody may (draws only the sidebar's "signed
    in as"). app.py declares the navigation from this answer (the gate's page alone, or the pages of this
    role), so no page exists, at any address, before the gate has said yes."""
    try:
        actor = acting_user()
    except PermissionError:
        return None
    if actor.how == "sso" and not st.session_state.get("sso_logged"):
        st.session_state["sso_logged"] = True
        audit.record(raw_workspace(), actor, "sign-in", detail="single sign-on")
    if actor.how != "local":
        _sidebar(actor)
    return actor


def gate_page() -> None:
    """The only page while nobody is admitted: the sign-in form, or why a server open to the network
    without sign-in shows nothing."""
    if not sign_in_required():
        st.title("Retail analytics")
        st.error(SERVE_HINT, icon=":material/lock:")
        return
    if sso_signed_in() and not st.session_state.get("sso_refusal_logged"):
        st.session_state["sso_refusal_logged"] = True
        audit.record(raw_workspace(), str(st.user.get("email") or "unnamed account"), "sign-in failed",
                     detail="single sign-on account not allowed")
    _sign_in_page()


def hide_error_details_when_served() -> None:
    """A served app (open to the network, or with sign-in) shows a plain "something went wrong" instead of
    a traceback with source paths; the server log keeps the details. Only ever lowered, never raised."""
    if (exposed() or sign_in_required()) and st.get_option("client.showErrorDetails") != "none":
        st.set_option("client.showErrorDetails", "none")


@contextmanager
def refusals_shown() -> Iterator[None]:
    """A role's refusal (PermissionError from the library) shown as a message instead of a traceback."""
    try:
        yield
    except PermissionError as exc:
        st.error(str(exc), icon=":material/lock:")
