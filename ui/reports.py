"""The stakeholder report button: one HTML file with the Overview and the latest forecast run."""

from __future__ import annotations

import streamlit as st

from retail import reports
from retail.access.guard import GuardedWorkspace
from retail.analytics import overview
from retail.forecast.result import RUN_KIND
from retail.forecast.result import load_run as load_stored_run
from ui.access import deferred_export
from ui.data import dataset_frame


def report_button(key: tuple, info, selection: overview.Selection, freq: str, measure: str, code: str | None,
                  run_id: int | None = None, button_key: str = "stakeholder_report") -> None:
    """A download of the report, built when clicked (the Overview's selection; ``run_id`` or the
    dataset's latest forecast run) and logged once built."""
    frame = dataset_frame(*key)  # loaded for the page already: taken now, the click runs outside the session

    def build(workspace: GuardedWorkspace) -> bytes:
        figures = reports.figure_renderer()
        summary = overview.summarise(frame, selection, freq, measure, kind=info.kind)
        sections = [reports.overview_section(summary, selection, freq, measure, code, figures)]
        runs = workspace.list_runs(RUN_KIND, info.name)
        chosen = run_id if run_id is not None else (runs[0].id if runs else None)
        if chosen is not None:
            sections.append(reports.forecast_section(load_stored_run(workspace, chosen), figures, code))
        return reports.stakeholder_html(f"{info.name}: sales and outlook", sections).encode("utf-8")

    file_name = f"{info.name} report.html".replace("/", "-")
    st.download_button("Stakeholder report (HTML)", deferred_export(build, file_name, info.name), file_name=file_name,
                       mime="text/html", key=button_key, icon=":material/summarize:",
                       help="One file with these figures and the latest forecast, charts included: opens offline.")
