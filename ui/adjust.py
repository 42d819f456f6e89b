"""Planner adjustments on the Forecast page: the log of changes, an editable grid, and a selection changed
by a percentage or a number of units; each save is a new version of the run (a viewer sees the log only)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from retail.analytics.aggregate import TARGETS
from retail.glossary import explain
from retail.planning.editing import NAME, edited_cells, grid, select_series, series_attributes
from retail.planning.overrides import ADD, ALL, PERCENT, SET, Adjustment, Change
from retail.planning.registry import REASONS
from retail.planning.versions import adjust_run
from ui.access import acting_user
from ui.data import workspace

GRID_ROWS = 60  # the editable grid shows this many series (biggest first, or those a search finds)
HOW = {PERCENT: "by a percentage", ADD: "by a number of units", SET: "set each to"}
LOG_HEADERS = {"number": "#", "version": "version", "at": "when (UTC)", "by": "who", "reason": "reason",
               "note": "note", "selection": "forecasts chosen", "change": "change", "forecasts": "forecasts changed"}


def _reason_inputs(key: str) -> tuple[str, str]:
    row = st.columns([1, 2])
    reason = row[0].selectbox("Reason", list(REASONS), format_func=REASONS.get, key=f"{key}_reason")
    note = row[1].text_input("Note (what you know)", key=f"{key}_note", placeholder="e.g. TV promotion in week 50")
    return reason, note


def _save(run_id: int, adjustments: list[Adjustment], open_run: Callable[[int], None]) -> None:
    """Store the new version and open it (a plain error when a change selects nothing)."""
    try:
        run = adjust_run(workspace(), run_id, adjustments, acting_user().name)
    except ValueError as exc:
        st.error(str(exc))
        return
    open_run(run.id)


def show_log(result) -> None:
    """Who changed what, when and why (every version up to this one)."""
    log = result.adjustments.rename(columns=LOG_HEADERS)
    log["reason"] = log["reason"].map(REASONS).fillna(log["reason"])
    st.dataframe(log, hide_index=True, width="stretch", key="fc_adjust_log",
                 column_config={"when (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


def edit_grid(result, run_id: int, open_run: Callable[[int], None]) -> None:
    """The forecast as a table of numbers to type over; each changed cell is set to its new number."""
    search = st.text_input("Find a series (name or code)", key=f"fc_adjust_find_{run_id}")
    series = list(result.find_series(search, limit=GRID_ROWS)["series_id"]) if search else None
    before = grid(result, series).head(GRID_ROWS)
    periods = [c for c in before.columns if c != NAME]
    before[periods] = before[periods].round(0 if result.settings.target == "units" else 2)  # as a planner reads them
    with st.form(f"fc_adjust_grid_{run_id}"):
        edited = st.data_editor(before, key=f"fc_adjust_editor_{run_id}", width="stretch", disabled=[NAME],
                                column_config={"_index": st.column_config.TextColumn("code"),
                                               NAME: st.column_config.TextColumn("series"), **{
                                    column: st.column_config.NumberColumn(column, min_value=0.0, format="localized")
                                    for column in before.columns if column != NAME}})
        reason, note = _reason_inputs(f"fc_adjust_grid_{run_id}")
        saved = st.form_submit_button("Save the changed numbers as a new version", type="primary")
    if saved:
        try:
            adjustments = edited_cells(before, edited, reason, note)
        except ValueError as exc:
            st.error(str(exc))
            return
        if not adjustments:
            st.warning("No number was changed: type over a forecast first.")
            return
        _save(run_id, adjustments, open_run)


def change_selection(result, run_id: int, frame: pd.DataFrame, open_run: Callable[[int], None]) -> None:
    """Products, stores, categories and periods chosen, changed by a percentage or a number of units."""
    attributes = series_attributes(result, frame)
    names = dict(zip(attributes.get("product", attributes["series_id"]), attributes[NAME], strict=False))
    row = st.columns(3)
    picks = {column: row[k].multiselect(label, sorted(attributes[column].unique()), key=f"fc_adjust_{column}_{run_id}",
                                        format_func=(lambda p: names.get(p, p)) if column == "product" else str)
             for k, (column, label) in enumerate((("product", "Products (empty: all)"), ("store", "Stores (empty: all)"),
                                                  ("category", "Categories (empty: all)"))) if column in attributes}
    periods = [c for c in grid(result).columns if c != NAME]
    row = st.columns(3)
    chosen_periods = row[0].multiselect("Periods (empty: all)", periods, key=f"fc_adjust_periods_{run_id}")
    how = row[1].radio("Change", list(HOW), format_func=HOW.get, key=f"fc_adjust_how_{run_id}")
    unit = "%" if how == PERCENT else TARGETS[result.settings.target].unit
    amount = row[2].number_input(f"Amount ({unit})", value=10.0, step=1.0, key=f"fc_adjust_amount_{run_id}",
                                 help=explain("adjustment"))
    reason, note = _reason_inputs(f"fc_adjust_selection_{run_id}")
    series, label = select_series(attributes, picks.get("product", ()), picks.get("store", ()),
                                  picks.get("category", ()))
    change = Change(how, float(amount))
    st.caption(f"{len(series):,} series x {len(chosen_periods) or len(periods)} periods chosen ({label}); each forecast "
               f"{change.text() if how != SET else f'set to {amount:g}'}.")
    if st.button("Save this change as a new version", type="primary", key=f"fc_adjust_save_{run_id}",
                 disabled=not series):
        adjustment = Adjustment(tuple(series), tuple(chosen_periods) or (ALL,), change, reason, note, label=label)
        _save(run_id, [adjustment], open_run)


def show_adjustments(result, run_id: int, frame: pd.DataFrame, open_run: Callable[[int], None]) -> None:
    """The section: what planners changed, and (for an analyst or admin) the two ways to change it."""
    st.subheader("Planner adjustments", help=explain("adjustment"))
    (st.info if result.is_adjusted else st.caption)(result.planner_note())
    if result.is_adjusted:
        show_log(result)
    if not workspace().may("adjust"):
        st.caption("Your role may read forecasts but not adjust them: an analyst or an admin can.")
        return
    table_tab, selection_tab = st.tabs(["Type over the numbers", "Change a selection"], key="fc_adjust_tabs",
                                       on_change="rerun")
    with table_tab:
        edit_grid(result, run_id, open_run)
    with selection_tab:
        change_selection(result, run_id, frame, open_run)
