"""The stakeholder report button: one HTML file with the Overview and the latest forecast run."""

from __future__ import annotations

import streamlit as st

from retail import reports
from retail.analytics import overview
from retail.forecast.result import RUN_KIND
from ui.access import record_download
from ui.data import workspace
from ui.forecast import load_run
from ui.overview import summary


def report_button(key: tuple, info, selection: overview.Selection, freq: str, measure: str, code: str | None,
                  run_id: int | None = None, button_key: str = "stakeholder_report") -> None:
    """A download of the report, built when clicked (the Overview's selection; ``run_id`` or the
    dataset's latest forecast run)."""

    def build() -> bytes:
        figures = reports.figure_renderer()
        sections = [reports.overview_section(summary(*key, selection, freq, measure, info.kind), selection, freq,
                                             measure, code, figures)]
        runs = workspace().list_runs(RUN_KIND, info.name)
        chosen = run_id if run_id is not None else (runs[0].id if runs else None)
        if chosen is not None:
            sections.append(reports.forecast_section(load_run(key[0], chosen), figures, code))
        return reports.stakeholder_html(f"{info.name}: sales and outlook", sections).encode("utf-8")

    st.download_button("Stakeholder report (HTML)", build, file_name=f"{info.name} report.html".replace("/", "-"), on_click=record_download(f"{info.name} report.html".replace("/", "-")),
                       mime="text/html", key=button_key, icon=":material/summarize:",
                       help="One file with these figures and the latest forecast, charts included: opens offline.")
