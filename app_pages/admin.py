"""Admin: the audit log, the trash, customers' personal data and who may sign in (admins only:
the page is listed for admins, and every call below refuses anyone else)."""

import pandas as pd
import streamlit as st

from retail.access import audit, users
from retail.access.roles import AUDIT_ACTIONS, ROLES
from retail.data.trash import trash_days
from ui.data import workspace
from ui.downloads import download

st.title("Admin")
workspace().require("audit")
log_tab, trash_tab, privacy_tab, people_tab = st.tabs(["Audit log", "Trash", "Customers' data", "People"])


def _audit_log() -> None:
    row = st.columns([2, 1])
    action = row[0].selectbox("What", [None, *AUDIT_ACTIONS], key="audit_action",
                              format_func=lambda a: "everything" if a is None else f"{a}: {AUDIT_ACTIONS[a]}")
    days = row[1].number_input("Last days", min_value=1, max_value=3650, value=90, key="audit_days")
    since = pd.Timestamp.now(tz="UTC").tz_localize(None) - pd.Timedelta(days=int(days))
    log = workspace().audit_log(action, since)
    st.dataframe(log.rename(columns=audit.HEADERS), hide_index=True, width="stretch", key="audit_table",
                 column_config={audit.HEADERS["at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})
    st.caption(f"{len(log):,} entries. Erasing a customer is logged by its counts, never by the customer's id.")
    download(st, "Download the audit log (CSV)", lambda: audit.to_csv_bytes(log), "audit_log.csv", "audit_download")


def _trash() -> None:
    trashed = workspace().trash()
    st.caption(f"Deleted and replaced datasets are kept {trash_days()} days (RETAIL_TRASH_DAYS); "
               "anyone with the analyst role restores them on the Data page.")
    st.dataframe(pd.DataFrame([{"name": i.name, "rows": i.info.rows, "why": i.reason, "by": i.deleted_by,
                                "when (UTC)": i.deleted_at, "kept until": i.expires} for i in trashed]),
                 hide_index=True, width="stretch", key="admin_trash_table")
    sure = st.checkbox("Yes, remove everything in the trash for good", key="empty_sure", disabled=not trashed)
    if st.button("Empty the trash", key="empty_trash", disabled=not (trashed and sure)):
        names = workspace().empty_trash()
        st.success(f"Removed for good: {', '.join(names)}.")


def _forget() -> None:
    st.subheader("Forget a customer")
    st.caption("Removes one customer's rows from every dataset (the trash's too), every saved campaign and run, "
               "and every example kept in reports; clears what the app computed from them.")
    with st.form("forget"):
        customer = st.text_input("Customer id, as in the data", key="forget_id")
        sure = st.checkbox("Yes, erase this customer's data (it cannot be undone)", key="forget_sure")
        if st.form_submit_button("Forget this customer") and sure:
            try:
                erasure = workspace().forget_customer(customer)
            except ValueError as exc:
                st.error(str(exc))
                return
            st.cache_data.clear()  # nothing computed from their rows stays in this process
            st.cache_resource.clear()
            st.success(erasure.describe())


def _exports_and_retention() -> None:
    st.subheader("Customers in exports")

    current = workspace().pseudonymises_exports()
    wanted = st.toggle("Show customers by pseudonym in every export", value=current, key="pseudonymise",
                       help="A keyed hash: the same customer gets the same pseudonym in every file from this "
                            "workspace, and nobody without the workspace's key can tell who it is.")
    if wanted != current:
        workspace().set_pseudonymise_exports(wanted)
    st.subheader("Retention")
    with st.form("retention"):
        months = st.number_input("Keep line-item detail for this many months", min_value=1, max_value=240, value=24,
                                 key="retention_months")
        st.caption("Older rows become day totals per product and store, without customer or order.")
        if st.form_submit_button("Roll up older detail now"):
            done = workspace().apply_retention(int(months))
            st.cache_data.clear()
            st.cache_resource.clear()
            st.success("; ".join(f"{d.dataset}: {d.rows_before:,} rows into {d.rows_after:,} day totals" for d in done)
                       or f"Nothing was older than {months} months.")


def _people() -> None:
    config = users.load()
    st.dataframe(pd.DataFrame([{"name": a.name, "role": ROLES[a.role].label, "signs in with": "password"}
                               for a in config.users.values()]
                              + [{"name": e, "role": ROLES[r].label, "signs in with": "company account"}
                                 for e, r in config.sso_roles.items()]),
                 hide_index=True, width="stretch", key="people_table")
    st.caption(f"Accounts are kept in {users.access_file()}; on a server, `python -m retail add-user NAME --role ROLE` "
               "adds one.")
    if config.sso_default_role:
        st.caption(f"Anyone else the identity provider signs in is let in as {ROLES[config.sso_default_role].label.lower()} "
                   "(unlisted_role in the access file).")
    for note in config.notes:
        st.warning(note)
    with st.form("add_user"):
        row = st.columns(3)
        name = row[0].text_input("Name", key="new_user_name")
        role = row[1].selectbox("Role", list(ROLES), format_func=lambda r: ROLES[r].label, key="new_user_role")
        password = row[2].text_input("Password (10 characters or more)", type="password", key="new_user_password",
                                     max_chars=users.MAX_PASSWORD_CHARS)
        if st.form_submit_button("Add or update"):
            workspace().require("users")
            try:
                account = users.add_user(name, role, password)
            except ValueError as exc:
                st.error(str(exc))
                return
            workspace().log("users", "", f"{account.name} may sign in as {account.role}")
            st.success(f"{account.name} may now sign in as {ROLES[account.role].label.lower()}.")


with log_tab:
    _audit_log()
with trash_tab:
    _trash()
with privacy_tab:
    _forget()
    _exports_and_retention()
with people_tab:
    _people()
