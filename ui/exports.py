"""Downloads that carry the shop's data: each one is an export in the audit log, written only when the
file was really built (and, deferred, built only when clicked, as the person who drew the button)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from retail.access.guard import GuardedWorkspace
from ui.data import ACTIVE_KEY, workspace


def record_download(file_name: str, campaign: bool = False) -> Callable[[], None]:
    """A download button's ``on_click`` when its bytes were built with the page: the export is logged (with
    the sidebar's dataset) when clicked. A deferred download uses :func:`deferred_export` instead."""
    def record() -> None:
        workspace().record_export(st.session_state.get(ACTIVE_KEY) or "", file_name, campaign)

    return record


def deferred_export(build: Callable[[GuardedWorkspace], bytes], file_name: str, dataset: str,
                    campaign: bool = False) -> Callable[[], bytes]:
    """A download button's ``data=`` built only when clicked, and logged only once built.

    Streamlit runs a deferred download in a server thread, outside the session: there is no session
    state there, so nobody is signed in (a report failed with "Sign in first."). The callable is bound
    now to this session's guarded workspace, which ``build`` receives (to read runs, say); the export
    goes to the audit log after ``build`` returned the file, never for one that failed.
    """
    bound = workspace()
    bound.require("export")

    def built() -> bytes:
        data = build(bound)
        bound.record_export(dataset, file_name, campaign)
        return data

    return built
