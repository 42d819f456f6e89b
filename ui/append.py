"""The Data page's "Add to this dataset": new sales from a file or the shop's database, read with the
dataset's own columns (differences shown and correctable), checked, then added in one step."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from retail.data import schema
from retail.data.parsing import DATE_ORDERS
from retail.data.raw import RawTable
from retail.data.readers import ReadError
from retail.planning import sources
from retail.planning.append import AppendPlan, apply_append, mapping_for, prepare_append, stored_day_order
from retail.planning.registry import FILE_SOURCE, QUERY_SOURCE, SOURCES
from ui.data import current_dataset, select_dataset, workspace
from ui.upload import mapping_editor, read_upload

APPEND_TAB = "Add to this dataset"  # the Data page's tab
RAW_KEY = "append_raw"  # (key, RawTable) of the new sales read last


@st.cache_resource(max_entries=4, show_spinner="Checking the new sales against the dataset...")
def prepared(raw_key: str, dataset: str, version: str, mapping: tuple[tuple[str, str], ...], dayfirst: bool | None,
             _raw: RawTable) -> AppendPlan:
    """What adding the sales would do (cached per file, dataset version, columns and date order)."""
    chosen = dict(mapping)
    overrides = {field: chosen.get(field) for field in schema.FIELDS}
    return prepare_append(workspace(), dataset, _raw, overrides, dayfirst)


def _from_file() -> tuple[str, RawTable] | None:
    uploaded = st.file_uploader("New sales: CSV (also .csv.gz or .zip), Excel .xlsx or Parquet",
                                type=["csv", "txt", "tsv", "gz", "zip", "xlsx", "parquet"], key="append_uploader")
    if uploaded is None:
        return None
    data = uploaded.getvalue()
    key = hashlib.sha1(data).hexdigest()
    try:
        return key, read_upload(key, uploaded.name, None, data)
    except ReadError as exc:
        st.error(f"{uploaded.name}: {exc}")
        return None


def _from_query(info) -> tuple[str, RawTable] | None:
    kept = sources.kept_query(workspace(), info.name)
    spec = SOURCES.get(QUERY_SOURCE)
    row = st.columns([3, 1, 1])
    query = st.text_area(spec.param("query").label, value=kept.query if kept else "", key="append_query",
                         help=spec.param("query").help, placeholder='SELECT * FROM sales')
    url_env = row[0].text_input(spec.param("url_env").label, value=kept.url_env if kept else sources.DEFAULT_URL_ENV,
                                key="append_url_env", help=spec.param("url_env").help)
    recheck = row[1].number_input(spec.param("recheck_days").label, 0, 366, kept.recheck_days if kept else
                                  sources.DEFAULT_RECHECK_DAYS, key="append_recheck", help=spec.param("recheck_days").help)
    if not query.strip():
        return None
    try:
        source = sources.QuerySource(query, url_env.strip(), int(recheck))
    except ValueError as exc:
        st.error(str(exc))
        return None
    since = row[2].date_input("From", value=source.since(info.date_max), key="append_since", format="YYYY-MM-DD")
    key = hashlib.sha1(f"{source.to_dict()}|{since}".encode()).hexdigest()
    if st.button("Ask the database", key="append_ask"):
        try:
            raw = source.read(info.mapping.get(schema.DATE), pd.Timestamp(since) if since else None)
        except ValueError as exc:
            st.error(str(exc))
            return None
        st.session_state[RAW_KEY] = (key, raw, source)
    held = st.session_state.get(RAW_KEY)
    return (held[0], held[1]) if held and held[0] == key else None


def _outcome(plan: AppendPlan) -> None:
    if plan.unchanged:  # the file is in the dataset already: no tiles counting rows that would not change
        st.info(plan.describe())
    else:
        cells = st.columns(4)
        cells[0].metric("Rows added", f"{plan.seam.added:,}")
        cells[1].metric("Rows replaced", f"{plan.seam.replaced:,}", help="Rows of the days the new sales cover: the "
                        "new rows replace them (a re-sent week corrects the old one).")
        cells[2].metric("Rows kept", f"{plan.seam.kept:,}")
        cells[3].metric("Days", f"{plan.seam.days:,}")
        st.caption(plan.describe())
    rules = plan.report.rules_frame()
    if not rules.empty:
        st.dataframe(rules, hide_index=True, width="stretch", key="append_rules")


def _add(plan: AppendPlan, info) -> None:
    keep = False
    if st.session_state.get("append_source") == QUERY_SOURCE:
        keep = st.checkbox("Keep this query with the dataset, for the unattended refresh (never the address)",
                           key="append_keep_query")
    if st.button("Add to the dataset", type="primary", key="append_button"):
        try:
            stored = apply_append(workspace(), plan)
            if keep:
                sources.keep_query(workspace(), info.name, st.session_state[RAW_KEY][2])
        except ValueError as exc:
            st.error(str(exc))
            return
        st.session_state.pop(RAW_KEY, None)
        st.session_state["append_message"] = f"{plan.describe()} '{stored.name}' now has {stored.rows:,} rows."
        select_dataset(stored.name)
        st.rerun()


def add_to_dataset() -> None:
    """Choose new sales, see what adding them would do, add them."""
    info = current_dataset()
    if info is None:
        st.info("Choose a dataset in the sidebar first.")
        return
    if message := st.session_state.pop("append_message", None):
        st.success(message)
    if not workspace().may("upload"):
        st.info("Your role lets you open the pages and download exports; adding sales needs the analyst role.")
        return
    st.caption(f"New sales for **{info.name}** (sales through {info.date_max:%d %b %Y}), read with its own columns. "
               "The days in the new sales replace those days in the dataset; the version before goes to the trash.")
    kind = st.radio("New sales from", list(SOURCES.names), format_func=SOURCES.label, horizontal=True,
                    key="append_source")
    found = _from_file() if kind == FILE_SOURCE else _from_query(info)
    if found is None:
        return
    key, raw = found
    mapping, differences = mapping_for(raw.frame, info.mapping)
    for difference in differences:
        st.warning(difference[:1].upper() + difference[1:])
    with st.expander("Columns (the dataset's own; correct any here)", expanded=bool(differences)):
        chosen = mapping_editor(list(raw.frame.columns), mapping, f"append_{key}")
        orders = list(DATE_ORDERS)
        stored = {None: "auto", True: "dayfirst", False: "monthfirst"}[stored_day_order(info.report)]
        order = st.radio("Date order", orders, index=orders.index(stored), horizontal=True, key=f"append_order_{key}",
                         format_func=lambda name: DATE_ORDERS[name][1])
    try:
        plan = prepared(key, info.name, info.version, tuple(sorted(chosen.items())), DATE_ORDERS[order][0], raw)
    except ValueError as exc:
        st.error(str(exc))
        return
    _outcome(plan)
    if not plan.unchanged:
        _add(plan, info)
