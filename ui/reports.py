"""The stakeholder report button: one HTML file with the Overview and a forecast run."""

from __future__ import annotations

import streamlit as st

from retail import reports
from retail.analytics import overview
from retail.data import schema
from retail.forecast.result import RUN_KIND, ForecastResult
from retail.forecast.result import load_run as load_stored_run
from ui.data import dataset_frame, workspace
from ui.downloads import download


def report_button(key: tuple, info, selection: overview.Selection, freq: str, measure: str, code: str | None,
                  result: ForecastResult | None = None, button_key: str = "stakeholder_report") -> None:
    """A download of the report, built when clicked (the Overview's selection; ``result`` or the
    dataset's latest forecast run). The click runs off the page's thread: everything it needs from
    the session (the rows, the guarded workspace) is taken now."""
    guarded, frame = workspace(), dataset_frame(*key)
    runs = guarded.list_runs(RUN_KIND, info.name) if result is None else []
    store = schema.store_word(info.mapping)

    def build() -> bytes:
        figures = reports.figure_renderer()
        summary = overview.summarise(frame, selection, freq, measure, kind=info.kind)
        sections = [reports.overview_section(summary, selection, freq, measure, code, figures, info.kind, store,
                                             info.date_min)]
        shown = result if result is not None else (load_stored_run(guarded, runs[0].id) if runs else None)
        if shown is not None:
            sections.append(reports.forecast_section(shown, figures, code, store=store))
        return reports.stakeholder_html(f"{info.name}: sales and outlook", sections).encode("utf-8")

    download(st, "Stakeholder report (HTML)", build, f"{info.name} report.html".replace("/", "-"), button_key,
             icon=":material/summarize:",
             help="One file with these figures and the latest forecast, charts included: opens offline.")
