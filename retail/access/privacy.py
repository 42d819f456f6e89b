"""Customers' personal data: forget one customer everywhere, pseudonymise customers in exports.

A customer id (a loyalty number) identifies a person. :func:`forget_customer` removes their rows
from every dataset (the trash's too), every saved run table (campaign lists, targeting lists,
campaign results under the file's own customer column) and every example a validation report, a
run's settings or a preference kept; then the workspace is compacted, so that the deleted rows'
bytes leave the database files too (:meth:`~retail.data.backends.DuckDBBackend.compact`). It bumps
the workspace's *erasure revision*: the app clears its in-memory caches (fitted models, analyses)
when it sees the revision change, and every cache keyed on a dataset's version misses anyway
because the row count changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.access import store
from retail.data import schema
from retail.data.workspace import RunInfo, Workspace, _write_lock

PSEUDONYM_KEY = "pseudonym_key"
PSEUDONYMISE_EXPORTS = "pseudonymise_exports"
REVISION = "erasure_revision"
CUSTOMER_COLUMNS = (schema.CUSTOMER_ID, schema.FIELD_LABELS[schema.CUSTOMER_ID])


@dataclass
class Erasure:
    """What :func:`forget_customer` removed: rows per dataset and per saved run, scrubbed mentions."""

    datasets: dict[str, int] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)
    mentions: int = 0

    @property
    def rows(self) -> int:
        return sum(self.datasets.values()) + sum(self.runs.values())

    def describe(self) -> str:
        """One plain sentence without the customer's id (it goes to the audit log)."""
        if not self.rows and not self.mentions:
            return "Nothing to remove: no dataset, saved run or report held that customer."
        parts = [f"{self.rows:,} rows removed"]
        if self.datasets:
            parts.append("from " + ", ".join(f"{name} ({count:,})" for name, count in self.datasets.items()))
        if self.runs:
            parts.append("and from saved runs " + ", ".join(f"{run} ({count:,})" for run, count in self.runs.items()))
        text = " ".join(parts) + "."
        return text + (f" {self.mentions:,} mentions removed from reports and settings." if self.mentions else "")


def _customer(customer_id: Any) -> str:
    text = str(customer_id if customer_id is not None else "").strip()
    if not text:
        raise ValueError("Give the customer's id (as it appears in the data).")
    return text


def _holds(key: Any, value: Any, customer: str) -> bool:
    """Whether one JSON value is the customer: a text equal to the id, or a number under a key
    that names a customer (raw examples may hold 12346.0 for customer 12346)."""
    if isinstance(value, str):
        return value.strip() == customer
    if isinstance(value, int | float) and not isinstance(value, bool) and "customer" in str(key).lower():
        return f"{value:g}" == customer or str(value) == customer
    return False


def _scrub(value: Any, customer: str) -> tuple[Any, int]:
    """``value`` (JSON-like) without what holds ``customer``, and how many things were removed: a row
    of examples (a dict in a list) goes whole, a setting (an entry of any other dict) goes alone."""
    if isinstance(value, dict):
        kept, count = {}, 0
        for key, item in value.items():
            if _holds(key, item, customer):
                count += 1
                continue
            kept[key], found = _scrub(item, customer)
            count += found
        return kept, count
    if isinstance(value, list):
        kept, count = [], 0
        for item in value:
            if _holds("", item, customer) or (
                    isinstance(item, dict) and any(_holds(k, v, customer) for k, v in item.items())):
                count += 1
                continue
            cleaned, found = _scrub(item, customer)
            kept.append(cleaned)
            count += found
        return kept, count
    return value, 0


def _erase_dataset(con: Any, table: str, dataset_id: int, report: str, customer: str) -> tuple[int, int]:
    """Remove the customer's rows of one dataset table and its report's examples; update its counts."""
    removed = con.execute(f"SELECT count(*) FROM {table} WHERE CAST({schema.CUSTOMER_ID} AS VARCHAR) = ?", [customer]).fetchone()[0]
    cleaned, mentions = _scrub(json.loads(report or "{}"), customer)
    if not removed and not mentions:
        return 0, 0
    con.execute(f"DELETE FROM {table} WHERE CAST({schema.CUSTOMER_ID} AS VARCHAR) = ?", [customer])
    count, first, last = con.execute(f"SELECT count(*), min(date), max(date) FROM {table}").fetchone()
    for metadata in ("datasets", "trash"):  # a trashed dataset is still stored data
        con.execute(f"UPDATE {metadata} SET rows = ?, date_min = ?, date_max = ?, report = ? WHERE id = ?",
                    [count, first, last, json.dumps(cleaned, default=str), dataset_id])
    return int(removed), mentions


def forget_customer(workspace: Workspace, customer_id: Any) -> Erasure:
    """Remove every row and mention of one customer, all or nothing, then compact the workspace so that
    its files keep no trace; returns what was removed (see :class:`Erasure`)."""
    customer, erasure = _customer(customer_id), Erasure()
    runs = workspace.list_runs()
    with _write_lock, store.cursor(workspace) as con:
        con.begin()
        try:
            touched = _erase_datasets(con, customer, erasure) + _erase_runs(con, runs, customer, erasure)
            for dataset, scope, settings in con.execute("SELECT dataset, scope, settings FROM preferences").fetchall():
                cleaned, mentions = _scrub(json.loads(settings or "{}"), customer)
                if mentions:
                    erasure.mentions += mentions
                    con.execute("UPDATE preferences SET settings = ? WHERE dataset = ? AND scope = ?",
                                [json.dumps(cleaned, default=str), dataset, scope])
            con.commit()
        except Exception:
            con.rollback()
            raise
    bump_revision(workspace)
    # Always, even when nothing matched: an earlier erasure may have left bytes behind.
    workspace.backend.compact([*touched, "datasets", "trash", "runs", "preferences"])
    return erasure


def _erase_datasets(con: Any, customer: str, erasure: Erasure) -> list[str]:
    """Erase the customer from every dataset and trashed dataset; the tables it was in."""
    stored = con.execute("SELECT id, name, report FROM datasets UNION ALL SELECT id, name, report FROM trash").fetchall()
    touched = []
    for dataset_id, name, report in stored:
        removed, mentions = _erase_dataset(con, f"ds_{int(dataset_id)}", dataset_id, report, customer)
        erasure.mentions += mentions
        if removed:
            erasure.datasets[name] = erasure.datasets.get(name, 0) + removed
            touched.append(f"ds_{int(dataset_id)}")
    return touched


def _erase_runs(con: Any, runs: list[RunInfo], customer: str, erasure: Erasure) -> list[str]:
    """Erase the customer from every saved run's tables and from its settings and summary (a campaign's
    chosen customers, say); the tables they were in."""
    touched = []
    for run in runs:
        for name in run.tables:
            removed = _erase_run_table(con, f"run_{run.id}_{name}", _customer_columns_named(run.settings), customer)
            if removed:
                erasure.runs[run.id] = erasure.runs.get(run.id, 0) + removed
                touched.append(f"run_{run.id}_{name}")
        settings, in_settings = _scrub(run.settings, customer)
        summary, in_summary = _scrub(run.summary, customer)
        if in_settings or in_summary:
            erasure.mentions += in_settings + in_summary
            con.execute("UPDATE runs SET settings = ?, summary = ? WHERE id = ?",
                        [json.dumps(settings, default=str), json.dumps(summary, default=str), run.id])
    return touched


def _customer_columns_named(value: Any, key: str = "") -> Iterator[str]:
    """Column names a run's settings give under a key that names a customer: campaign results keep the
    file's own header (``"Customer"``, ``"member"``) as ``settings["columns"]["customer"]``."""
    if isinstance(value, dict):
        for inner, item in value.items():
            yield from _customer_columns_named(item, str(inner))
    elif isinstance(value, list):
        for item in value:
            yield from _customer_columns_named(item, key)
    elif isinstance(value, str) and "customer" in key.lower():
        yield value


def _erase_run_table(con: Any, table: str, named: Iterator[str], customer: str) -> int:
    """Remove the customer's rows of one saved run table (a campaign list, say); how many. Its customer
    columns are the canonical ones and those the run's settings name."""
    removed = 0
    columns = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    for column in set(columns) & {*CUSTOMER_COLUMNS, *named}:
        quoted = '"' + column.replace('"', '""') + '"'
        where = f"WHERE CAST({quoted} AS VARCHAR) = ?"
        count = int(con.execute(f"SELECT count(*) FROM {table} {where}", [customer]).fetchone()[0])
        if count:
            con.execute(f"DELETE FROM {table} {where}", [customer])
            removed += count
    return removed


def revision(workspace: Workspace) -> int:
    """How many erasures (and retention passes) the workspace has seen: caches key on it."""
    return int(store.get_setting(workspace, REVISION, "0") or 0)


def bump_revision(workspace: Workspace) -> int:
    with store.cursor(workspace) as con:  # one statement: two processes bumping at once both count
        con.execute("INSERT INTO workspace_settings (name, value) VALUES (?, '1') ON CONFLICT (name) DO UPDATE "
                    "SET value = CAST(CAST(workspace_settings.value AS INTEGER) + 1 AS VARCHAR)", [REVISION])
    return revision(workspace)


# -- pseudonymised exports ----------------------------------------------------------------------
def pseudonym_key(workspace: Workspace) -> bytes:
    """The workspace's secret key for pseudonyms: made once, then the same for every process."""
    return bytes.fromhex(store.setting_once(workspace, PSEUDONYM_KEY, secrets.token_hex(32)))


def pseudonymise_exports(workspace: Workspace) -> bool:
    """Whether exports show customers by pseudonym (an admin's workspace-wide choice)."""
    return store.get_setting(workspace, PSEUDONYMISE_EXPORTS, "off") == "on"


def set_pseudonymise_exports(workspace: Workspace, on: bool) -> None:
    store.set_setting(workspace, PSEUDONYMISE_EXPORTS, "on" if on else "off")


def pseudonym(value: Any, key: bytes) -> Any:
    """A keyed hash of a customer id (HMAC-SHA256): the same id gives the same pseudonym in this
    workspace, and without the key nobody can tell which id it stands for. Missing stays missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return value
    text = str(value).strip()
    return "C-" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16] if text else value


def pseudonymise(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """``frame`` with its customer columns (``customer_id`` or its label) replaced by pseudonyms."""
    columns = [c for c in frame.columns if c in CUSTOMER_COLUMNS]
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        mapping = {value: pseudonym(value, key) for value in out[column].dropna().unique()}
        out[column] = out[column].map(mapping).where(out[column].notna(), out[column]).astype(object)
    return out


def for_export(workspace: Workspace, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as every export shows it: customers pseudonymised when the workspace says so."""
    return pseudonymise(frame, pseudonym_key(workspace)) if pseudonymise_exports(workspace) else frame
