"""Downloads whose bytes are built when clicked, and logged in the audit log then.

Streamlit's deferred ``data=`` callable runs when the button is clicked, on a thread of its own, so a
page does not build every export on every rerun, and two quick downloads in a row both land: the
button does not rerun the page (``on_click="ignore"``), so the first click cannot retire the second
button's file ("Deferred file not found"). The callable cannot read the session, so
:func:`deferred_export` binds the guarded workspace and the dataset when the button is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from retail import exports
from retail.access.guard import GuardedWorkspace
from ui.data import ACTIVE_KEY, workspace

EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME = {"csv": "text/csv", "xlsx": EXCEL, "html": "text/html"}


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


def download(where: Any, label: str, build: Callable[[], bytes], file_name: str, key: str,
             campaign: bool = False, **options: Any) -> None:
    """A download button that builds its file with ``build()`` when clicked and logs the export then
    (``campaign``: a list of customers to contact)."""
    data = deferred_export(lambda _workspace: build(), file_name, st.session_state.get(ACTIVE_KEY) or "", campaign)
    where.download_button(label, data, file_name=file_name, key=key, on_click="ignore",
                          mime=MIME.get(file_name.rsplit(".", 1)[-1], "application/octet-stream"), **options)


def download_table(where: Any, frame: pd.DataFrame, file_name: str, key: str, label: str = "Download CSV",
                   **sheet: Any) -> None:
    """A CSV of ``frame`` in the page's words (:mod:`retail.exports`), customers by pseudonym when the
    workspace says so."""
    guarded = workspace()
    download(where, label, lambda: exports.csv_bytes(exports.Sheet(guarded.export(frame), **sheet)), file_name, key)
