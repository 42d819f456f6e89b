"""Data: upload a file, map its columns, read the validation report, save it; manage datasets."""

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from retail.data import currency, kinds, messages, schema
from retail.data.ingest import DEMO_UPLOAD_FILE
from retail.data.parsing import DATE_ORDERS, describe_format
from retail.data.readers import ReadError
from retail.data.report import examples_frame
from retail.data.trash import trash_days
from retail.data.validation import ValidationError
from ui.append import APPEND_TAB, add_to_dataset
from ui.data import list_datasets, select_dataset, workspace
from ui.planning import VIEW_KEY
from ui.upload import mapping_editor, read_upload, validate_upload
from ui.widgets import help_link, start_values

st.title("Data")
help_link("data")
NOTICE_KEY = "datasets_notice"
ROW_COUNT = {"Rows": st.column_config.NumberColumn("Rows", format="localized")}
upload_tab, append_tab, datasets_tab = st.tabs(["Add a dataset", APPEND_TAB, "Datasets"], key=VIEW_KEY,
                                               bind="query-params")


def _remember_upload(data: bytes, name: str) -> None:
    st.session_state["upload"] = {"data": data, "name": name, "key": hashlib.sha1(data).hexdigest()}


def _report(result) -> None:
    report = result.report
    dropped = report.rows_read - report.rows_kept
    cols = st.columns(4)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Rows kept", f"{report.rows_kept:,}")
    cols[2].metric("Rows dropped", f"{dropped:,}")
    days = (pd.Timestamp(report.date_range[1]) - pd.Timestamp(report.date_range[0])).days + 1 if report.date_range else 0
    cols[3].metric("Days covered", f"{days:,}" if report.date_range else "no dates")
    dates = (f"dates from {report.date_range[0]} to {report.date_range[1]}, read as "
             f"{describe_format(report.date_format)}" if report.date_range else "no dates")
    sales = f" Sales lines: {report.line_types.get(schema.SALE, 0):,}." if report.file_kind != "messages" else ""
    st.caption(f"Read as {report.read_as}; {dates}.{sales}")
    rules = report.rules_frame()
    if rules.empty:
        st.success("No problems found.")
        return
    st.dataframe(rules, hide_index=True, width="stretch", key="validation_rules", column_config={
        "rows": st.column_config.NumberColumn("rows", format="localized"),
        "what was done": st.column_config.TextColumn("what was done", width="large")})
    for rule in report.rules:
        if rule.count and rule.examples:
            with st.expander(f"{rule.title}: {rule.count:,} rows, for example"):
                st.dataframe(examples_frame(rule), hide_index=True, width="stretch")


def _save(result, default_name: str, scope: str) -> None:
    """Step 4; what a row means and the currency start from what this mapping's validation found
    (``scope``: the file and its mapping), so that a re-mapping updates them, and the user may correct both."""
    st.subheader("4. Save to the workspace")
    report = result.report
    codes = ["", *currency.CURRENCIES]  # "": no currency shown (None would read as "nothing chosen yet")
    start_values(scope, {"save_kind": report.file_kind if report.file_kind in kinds.KINDS else "line_items",
                         "save_currency": report.currency if report.currency in codes else ""})
    row = st.columns([2, 2, 1])
    name = row[0].text_input("Dataset name", value=default_name, key="save_name", max_chars=100)
    kind = row[1].selectbox("What a row means", list(kinds.KINDS), format_func=lambda k: kinds.KINDS[k].label,
                            key="save_kind", help="Decides which figures make sense: orders and customers "
                            "for order lines, sales per store for store totals.")
    code = row[2].selectbox("Currency", codes,
                            format_func=lambda c: f"{c} ({currency.CURRENCIES[c].name})" if c else "none shown",
                            key="save_currency")
    st.info(kinds.describe(result.frame, kind))
    replace = st.checkbox("Replace a dataset with this name", key="save_replace")
    if st.button("Save dataset", type="primary", key="save_button"):
        chosen = dataclasses.replace(report, file_kind=kind, currency=code or None,
                                     file_kind_text=kinds.describe(result.frame, kind))
        try:
            with st.spinner("Saving..."):
                info = workspace().save_dataset(name, result.frame, chosen, replace=replace)
        except ValueError as exc:
            st.error(str(exc))
            return
        select_dataset(info.name)
        st.session_state["saved_message"] = f"Saved dataset '{info.name}' with {info.rows:,} rows."
        st.rerun()


def _done(message: str, selected: str | None = None, *, fresh: tuple[str, ...] = ()) -> None:
    """Say what was done on the next run (the tab's first line) and rerun, with ``selected`` in the sidebar
    and the widgets keyed ``fresh`` back at their starting values."""
    if selected:
        select_dataset(selected)
    for key in fresh:
        st.session_state.pop(key, None)
    st.session_state[NOTICE_KEY] = message
    st.rerun()


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _moment(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def _trash(trashed: list) -> None:
    """Deleted and replaced datasets, restorable until their time is up (emptying is on the Admin page)."""
    st.subheader("Trash")
    st.caption(f"Deleted and replaced datasets are kept here for {trash_days()} days, then removed for good.")
    if not trashed:
        st.caption("The trash is empty.")
        return
    st.dataframe(pd.DataFrame([{
        "Name": item.name, "Rows": item.info.rows, "Why": item.reason, "By": item.deleted_by,
        "When (UTC)": _moment(item.deleted_at), "Kept until": _day(item.expires)} for item in trashed]),
        hide_index=True, width="stretch", key="trash_table", column_config=ROW_COUNT)
    if not workspace().may("restore"):
        return
    with st.form("restore"):
        chosen = st.selectbox("Restore", trashed, format_func=lambda i: f"{i.name} ({i.reason} {i.deleted_at:%d %b %H:%M})",
                              key="restore_item")
        new_name = st.text_input("Under the name (when the old one is taken)", key="restore_name")
        if st.form_submit_button("Restore"):
            try:
                info = workspace().restore(chosen.name, chosen.id, new_name.strip() or None)
            except ValueError as exc:
                st.error(str(exc))
                return
            _done(f"Restored '{info.name}' ({info.rows:,} rows). It is now selected in the sidebar.", info.name,
                  fresh=("restore_item", "restore_name"))


def _add_dataset() -> None:
    """Steps 1 to 4: choose a file, match its columns, read the report, save it."""
    if message := st.session_state.pop("saved_message", None):
        st.success(message + " It is now selected in the sidebar.")
    st.subheader("1. Choose a file")
    uploaded = st.file_uploader(
        "CSV (also .csv.gz or .zip), Excel .xlsx or Parquet, with your own column names",
        type=["csv", "txt", "tsv", "gz", "zip", "xlsx", "parquet"], key="uploader")
    if uploaded is not None and st.session_state.get("upload_id") != uploaded.file_id:
        st.session_state["upload_id"] = uploaded.file_id  # a new upload, even with the same name
        _remember_upload(uploaded.getvalue(), uploaded.name)
    if st.button("Or try the demo file (a shop's till export)", key="demo_file"):
        _remember_upload(DEMO_UPLOAD_FILE.read_bytes(), DEMO_UPLOAD_FILE.name)

    upload = st.session_state.get("upload")
    if upload:
        sheet = None
        try:
            raw = read_upload(upload["key"], upload["name"], None, upload["data"])  # Excel: the first table-like sheet
            if len(raw.sheets) > 1:
                sheet = st.selectbox("Sheet", raw.sheets, index=raw.sheets.index(raw.sheet), key=f"sheet_{upload['key']}")
                raw = read_upload(upload["key"], upload["name"], sheet, upload["data"])
        except ReadError as exc:
            st.error(f"{upload['name']}: {exc}")
            st.stop()
        st.caption(f"**{upload['name']}**: {len(raw.frame):,} rows, {raw.frame.shape[1]} columns; "
                   f"read as {raw.describe()}.")
        st.dataframe(raw.frame.head(20).astype("string").fillna(""), hide_index=True, width="stretch", key="preview")
        # Keyed by sheet too: another sheet's columns are matched afresh, not left as chosen for the first.
        st.subheader("2. Match your columns")
        st.caption("We guessed from the names and contents; correct anything that is wrong.")
        mapping = mapping_editor(list(raw.frame.columns), messages.infer_mapping(raw.frame), f"{upload['key']}_{raw.sheet}")
        order = st.radio("Date order", list(DATE_ORDERS), horizontal=True, key=f"date_order_{upload['key']}",
                         format_func=lambda name: DATE_ORDERS[name][1])
        st.subheader("3. Validation report")
        try:
            result = validate_upload(upload["key"], upload["name"], sheet, tuple(sorted(mapping.items())),
                                     DATE_ORDERS[order][0], raw)
        except (ValidationError, ValueError) as exc:
            st.error(str(exc))
            st.stop()
        _report(result)
        _save(result, Path(upload["name"]).name.split(".")[0], f"{upload['key']} {sheet} {sorted(mapping.items())} {order}")


with upload_tab:
    if workspace().may("upload"):
        _add_dataset()
    else:
        st.info("Your role lets you open the pages and download exports; adding data needs the analyst role.")

with append_tab:
    if append_tab.open:  # one file uploader on the page at a time
        add_to_dataset()


def _datasets_table(datasets: list) -> None:
    st.dataframe(pd.DataFrame([{
        "Name": d.name, "What a row is": kinds.KINDS[d.kind].label, "Rows": d.rows, "From": _day(d.date_min),
        "To": _day(d.date_max), "Currency": workspace().currency_of(d) or "", "Source file": d.source_file or "",
        "Saved (UTC)": _moment(d.created_at), "Sample": d.is_sample} for d in datasets]),
        hide_index=True, width="stretch", key="datasets_table", column_config=ROW_COUNT)


def _rename(names: list[str]) -> None:
    with st.form("rename"):
        old = st.selectbox("Rename", names, key="rename_old")
        new = st.text_input("New name", key="rename_new")
        if st.form_submit_button("Rename"):
            try:
                workspace().rename(old, new)
            except (ValueError, KeyError) as exc:
                st.error(str(exc))
                return
            _done(f"Renamed '{old}' to '{new.strip()}'.", new.strip(), fresh=("rename_old", "rename_new"))


def _delete(names: list[str]) -> None:
    with st.form("delete"):
        doomed = st.selectbox("Delete", names, key="delete_name")
        sure = st.checkbox(f"Yes, move it to the trash (restorable for {trash_days()} days)", key="delete_sure")
        if st.form_submit_button("Delete"):
            if not sure:
                st.warning("Tick the box to confirm.")
                return
            workspace().delete(doomed)
            # the confirmation is unticked after every delete: one tick deletes one dataset
            _done(f"Moved '{doomed}' to the trash: restore it below within {trash_days()} days.",
                  fresh=("delete_name", "delete_sure"))


with datasets_tab:
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.success(notice)
    datasets = list_datasets()
    _datasets_table(datasets)
    if datasets and workspace().may("upload"):
        manage = st.columns(2)
        with manage[0]:
            _rename([d.name for d in datasets])
        if workspace().may("delete"):
            with manage[1]:
                _delete([d.name for d in datasets])
    _trash(workspace().trash())
